import Foundation
import StrataEval
import StrataStore
import Testing

@testable import StrataReport

@Suite("Hardware table: one row per host × device × engine")
struct HardwareTableTests {
  func table(model: String? = nil, quant: String? = nil, ids: [String] = []) throws -> HardwareTable {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("strata-hw-\(UUID()).sqlite").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let store = try ReportFixture.make(path: path)
    return try HardwareBuilder.table(
      store: store, runs: RunSource.select(from: store, ids: ids, all: true), model: model, quant: quant)
  }

  @Test("rows: each host's devices and engines, the fastest cell of each, the newest run of each")
  func rows() throws {
    let table = try table()
    #expect(table.model == "smollm2-135m" && table.quant == "Q4_1", "the pair most cells measured")
    #expect(table.rows.map(\.host) == ["lab1", "lab1", "lab2"], "hosts in name order")
    let lab2 = table.rows[2]
    #expect(lab2.run == ReportFixture.lab2, "the older lab2 run does not mix in")
    #expect(lab2.decodeTPS?.mean == 71)
    #expect(lab2.device == "Intel Core i5-8250U CPU (8 threads)")
    let cpu = table.rows[0]
    #expect(cpu.engine == "cpu" && cpu.cells == 2 && cpu.settings["flash_attn"] == "on", "flash on decodes faster")
    #expect(cpu.peakMemory == .rss && cpu.build == "b4567 (1a2b3c4)")
    let gpu = table.rows[1]
    #expect(gpu.device == "AMD Radeon RX 7900 XTX (RADV NAVI31)", "the free-memory figure is no part of the name")
    #expect(gpu.peakMemory == .vram && gpu.peakMemoryBytes == 201_326_592)
    #expect(gpu.joulesPerGeneratedToken == 0.506)
    #expect(gpu.accuracy == Proportion(successes: 7, trials: 10))
  }

  @Test("the roofline: host bandwidth ÷ a token's bytes at the mean decode depth, only where both are host memory")
  func roofline() throws {
    let table = try table()
    let cpu = try #require(table.rows[0].decodeBoundTPS)
    // 51.2 GB/s ÷ (88 MB + 23,040 B × (512 + 128 / 2) cells).
    #expect(abs(cpu - 51.2e9 / (88e6 + 23_040 * 576)) < 1e-9)
    #expect(abs((table.rows[0].fractionOfBound ?? 0) - 122 / cpu) < 1e-12)
    #expect(table.rows[1].decodeBoundTPS == nil, "the GPU's own bandwidth is not measured")
    #expect(table.rows[2].decodeBoundTPS == nil, "a run from before v10 has no bandwidth")
    #expect(ReportRenderer.ofBound(0.004, bound: 205) == "<1% of 205")
    #expect(ReportRenderer.ofBound(0.386, bound: nil) == "39%")
  }

  @Test("--model and --quant choose the columns; a pair nobody measured lists what there is")
  func selection() throws {
    let q8 = try table(quant: "q8_0")
    #expect(q8.rows.count == 1 && q8.rows[0].status == "failed: server died" && q8.rows[0].decodeTPS == nil)
    #expect(throws: HardwareSelectionError.self) { try table(model: "llama-70b") }
    do {
      _ = try table(model: "llama-70b")
    } catch {
      #expect("\(error)".contains("no cell with model llama-70b"))
      #expect("\(error)".contains("smollm2-135m Q4_1 (5 cells measured), smollm2-135m Q8_0 (0 cells measured)"))
    }
  }

  @Test("explicit runs: the first named wins for a group both measured")
  func explicitRuns() throws {
    let older = try table(ids: [ReportFixture.lab2Old, ReportFixture.lab2])
    #expect(older.rows.count == 1 && older.rows[0].run == ReportFixture.lab2Old && older.rows[0].decodeTPS?.mean == 61)
  }

  @Test("--where on a cell's settings chooses among the cells before the fastest is picked")
  func cellFilters() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("strata-hw-\(UUID()).sqlite").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let store = try ReportFixture.make(path: path)
    let runs = try RunSource.select(from: store, ids: [], all: true)
    let off = try HardwareBuilder.table(
      store: store, runs: runs, query: RowQuery(filters: [RowFilter(field: "flash_attn", op: .equal, operand: "off")]))
    #expect(off.rows.count == 1 && off.rows[0].settings["flash_attn"] == "off" && off.rows[0].cells == 1)
    #expect(off.rows[0].decodeTPS?.mean == 119)
    #expect(throws: RowQueryError.self) {
      try HardwareBuilder.table(
        store: store, runs: runs, query: RowQuery(filters: [RowFilter(field: "decod", op: .equal, operand: "1")]))
    }
  }

  @Test("a newer run whose cells all failed hides nothing older")
  func newestThatMeasured() throws {
    func row(_ run: String, decode: [Double]?) -> ComparisonRow {
      ComparisonRow(
        cell: "c-\(run)", engine: "cpu", model: "m", quant: "Q4_1", axes: [:],
        status: decode == nil ? "failed" : "done",
        failure: nil, scenario: decode == nil ? nil : "pp512-tg128", loadSeconds: nil, ttftMs: nil, promptTPS: nil,
        decodeTPS: decode.flatMap { Summary($0) }, clientDecodeTPS: nil, accuracy: nil, tasks: [], run: run, host: "box"
      )
    }
    let table = try HardwareBuilder.table(
      rows: [row("new", decode: nil), row("old", decode: [50, 52])], engines: [:], hosts: [:], model: nil, quant: nil)
    #expect(table.rows.count == 1 && table.rows[0].run == "old" && table.rows[0].decodeTPS?.mean == 51)
  }

  @Test("headers follow llama-bench's test names where every row ran one ppN-tgM scenario")
  func speedHeaders() {
    #expect(HardwareRenderer.speedHeaders("pp512-tg128") == ("pp512 t/s", "tg128 t/s"))
    #expect(HardwareRenderer.speedHeaders("chat") == ("prompt t/s", "decode t/s"))
    #expect(HardwareRenderer.speedHeaders(nil) == ("prompt t/s", "decode t/s"))
  }

  @Test("the hardware table filters and sorts on its own fields")
  func query() throws {
    let table = try table()
    let sections = try RowQuery.parse(where: ["decode_tps>=100"], sort: "-decode_tps", by: []).apply(
      table.rows, table: "hardware table")
    #expect(sections[0].rows.map(\.engine) == ["vulkan", "cpu"])
    #expect(throws: RowQueryError.self) {
      try RowQuery(groups: ["gpu"]).apply(table.rows, table: "hardware table")
    }
  }
}
