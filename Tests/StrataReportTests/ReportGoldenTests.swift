import Foundation
import StrataStore
import Testing

@testable import StrataReport

/// Every table of `strata report`, in every format, on the fixed two-host database
/// (`ReportFixture`), against its golden file.
@Suite("Report tables on a fixed database: golden files")
struct ReportGoldenTests {
  let path: String
  let store: ResultStore

  init() throws {
    path = FileManager.default.temporaryDirectory.appendingPathComponent("strata-golden-\(UUID()).sqlite").path
    store = try ReportFixture.make(path: path)
  }

  func runs(_ ids: [String] = [], all: Bool = false) throws -> [RunSource] {
    try RunSource.select(from: store, ids: ids, all: all)
  }

  static let formats = ReportFormat.allCases
  /// `--tariff €0.30/kWh`: the comparison and hardware goldens carry a cost column.
  static let tariff = Tariff(perKWh: 0.30, currency: "€", currencyFirst: true)
  static func suffix(_ format: ReportFormat) -> String {
    switch format {
    case .table: "txt"
    case .markdown: "md"
    case .csv: "csv"
    case .json: "json"
    }
  }

  @Test("comparison table of two hosts' runs", arguments: formats)
  func comparison(format: ReportFormat) throws {
    defer { try? FileManager.default.removeItem(atPath: path) }
    let rows = try ComparisonBuilder.rows(store: store, runs: runs([ReportFixture.lab1, ReportFixture.lab2]))
    try assertSnapshot(
      ReportRenderer.render(Self.tariff.price(rows), format: format), named: "fixture/comparison.\(Self.suffix(format))"
    )
  }

  @Test(
    "comparison table grouped by host, fastest first, GPU cells left out", arguments: [ReportFormat.table, .markdown])
  func comparisonQueried(format: ReportFormat) throws {
    defer { try? FileManager.default.removeItem(atPath: path) }
    let rows = try ComparisonBuilder.rows(store: store, runs: runs([ReportFixture.lab1, ReportFixture.lab2]))
    let query = try RowQuery.parse(where: ["engine!=vulkan"], sort: "-decode_tps", by: ["host"])
    let sections = try query.apply(rows, table: "comparison table")
    #expect(sections.map(\.title) == ["host=lab1", "host=lab2"])
    try assertSnapshot(
      ReportRenderer.render(sections, format: format), named: "fixture/comparison-by-host.\(Self.suffix(format))")
  }

  @Test("hardware table of the merged database", arguments: formats)
  func hardware(format: ReportFormat) throws {
    defer { try? FileManager.default.removeItem(atPath: path) }
    let table = try HardwareBuilder.table(store: store, runs: runs(all: true), tariff: Self.tariff)
    try assertSnapshot(HardwareRenderer.render(table, format: format), named: "fixture/hardware.\(Self.suffix(format))")
  }

  @Test("quality table", arguments: formats)
  func quality(format: ReportFormat) throws {
    defer { try? FileManager.default.removeItem(atPath: path) }
    let rows = try QualityBuilder.rows(store: store, runs: runs([ReportFixture.lab1, ReportFixture.lab2]))
    try assertSnapshot(QualityRenderer.render(rows, format: format), named: "fixture/quality.\(Self.suffix(format))")
  }

  @Test("quality per category (the categories hold hostile text)", arguments: formats)
  func category(format: ReportFormat) throws {
    defer { try? FileManager.default.removeItem(atPath: path) }
    let rows = try QualityBuilder.rows(store: store, runs: runs([ReportFixture.lab1]), byCategory: true)
    try assertSnapshot(
      QualityRenderer.render(rows, format: format), named: "fixture/quality-category.\(Self.suffix(format))")
  }

  @Test("reliability bins", arguments: formats)
  func reliability(format: ReportFormat) throws {
    defer { try? FileManager.default.removeItem(atPath: path) }
    let rows = try ReliabilityBuilder.rows(store: store, runs: runs([ReportFixture.lab2]))
    try assertSnapshot(
      ReliabilityBuilder.render(rows, format: format), named: "fixture/reliability.\(Self.suffix(format))")
  }
}

@Suite("Text from outside strata in the tables")
struct HostileTextTests {
  @Test(
    "a failure and a category with <script>, </textarea> and escape sequences: stripped in the terminal, escaped in Markdown"
  )
  func hostile() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("strata-hostile-\(UUID()).sqlite").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let store = try ReportFixture.make(path: path)
    let runs = try RunSource.select(from: store, ids: [ReportFixture.lab1])
    let terminal = ReportRenderer.render(try ComparisonBuilder.rows(store: store, runs: runs), format: .table)
    let categories = try QualityBuilder.rows(store: store, runs: runs, byCategory: true)
    let text = terminal + QualityRenderer.render(categories, format: .table)
    #expect(!text.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 }, "no escape reaches the terminal")
    #expect(text.contains("exited during load (exit status 1): </textarea>| ggml_abort"))
    #expect(!text.contains("pwned"), "the OSC title sequence goes whole")
    let markdown = QualityRenderer.render(categories, format: .markdown)
    #expect(markdown.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
    #expect(!markdown.contains("<script>") && !markdown.contains("[2J"))
    #expect(TextSafety.markdownCell("a|b</textarea>`x`") == "a\\|b&lt;/textarea&gt;\\`x\\`")
    #expect(TextSafety.markdownCell("![x](http://t/p.png) [0.1–0.2]") == "![x]\\(http://t/p.png) [0.1–0.2]")
  }
}
