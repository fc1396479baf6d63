import Foundation
import StrataStore
import StrataTestSupport
import Testing

/// The morning's tables on real measurements: a real sweep of the CPU llama-server
/// and real `llama-bench` output imported beside it, then two databases merged as
/// two hosts would be.
@Suite(
  "Report on real runs: hardware table, llama-bench import, two hosts merged", .tags(.integration), .serialized,
  RealParts.gate, RealParts.strataGate,
  RealPartGate.needs("llama-bench from scripts/setup") {
    FileManager.default.isExecutableFile(atPath: "\(RealParts.cache)/bin/cpu/llama-bench")
  })
struct ReportIntegrationTests {
  static let matrix = """
    design: full
    repeats: 2
    axes:
      engine: [cpu]
      model: [smollm2-135m]
      quant: [Q4_1]
      args: {threads: [2], flash_attn: [on]}
    scenarios: [pp64-tg16]
    tasks: [{name: arc_challenge, limit: 4}]
    """

  /// Real llama-bench, with strata's scenario: -p 64 -n 16, two repetitions.
  static func llamaBench(format: String, to path: String) throws {
    let result = try CapturedRun.run(
      "\(RealParts.cache)/bin/cpu/llama-bench",
      ["-m", RealParts.smollm2, "-p", "64", "-n", "16", "-r", "2", "-t", "2", "-fa", "on", "-o", format])
    #expect(result.status == 0, "\(result.stderr.suffix(2000))")
    try result.stdout.write(to: URL(fileURLWithPath: path))
  }

  @Test("a sweep and llama-bench's own figures sit in one hardware table; a second host merges in")
  func hardwareTable() async throws {
    try await ServerTestLock.run {
      let dir = try RealParts.project(matrix: Self.matrix)
      defer { try? FileManager.default.removeItem(atPath: dir) }
      let run = try await StrataCLI.run(["run"], project: dir)
      #expect(run.status == 0, "\(run.output)")

      try Self.llamaBench(format: "jsonl", to: "\(dir)/bench.jsonl")
      let imported = try await StrataCLI.run(
        ["import", "llama-bench", "\(dir)/bench.jsonl", "--project", dir, "--db", "\(dir)/strata.sqlite"],
        project: dir, withProject: false)
      #expect(imported.status == 0, "\(imported.output)")
      #expect(imported.output.contains("2 tests → 1 cells, 2 repetitions"), "\(imported.output)")
      let again = try await StrataCLI.run(
        ["import", "llama-bench", "\(dir)/bench.jsonl", "--db", "\(dir)/strata.sqlite"], project: dir,
        withProject: false)
      #expect(again.output.contains("already imported"), "\(again.output)")

      // The imported cell is the models.yaml model and quant, with llama-bench's own samples.
      let store = try ResultStore(path: "\(dir)/strata.sqlite")
      let importedRun = try #require(try store.runs().first { $0.id.hasPrefix("llama-bench-") })
      let cell = try #require(try store.cells(runId: importedRun.id).first)
      #expect(cell.engine == "llama-bench-cpu" && cell.model == "smollm2-135m" && cell.quant == "Q4_1")
      let repetitions = try store.perfRepetitions(runId: importedRun.id)
      #expect(repetitions.count == 2 && repetitions.allSatisfy { $0.scenario == "pp64-tg16" && $0.serverDecodeTPS > 0 })

      let table = try await StrataCLI.run(
        ["report", "--hardware", "--db", "\(dir)/strata.sqlite"], project: dir, stdoutOnly: true, withProject: false)
      #expect(table.status == 0, "\(table.output)")
      let lines = table.output.split(separator: "\n")
      #expect(lines.first == "smollm2-135m Q4_1 · pp64-tg16", "\(table.output)")
      #expect(lines.contains { $0.contains(" cpu ") && $0.contains("done") }, "\(table.output)")
      #expect(lines.contains { $0.contains("llama-bench-cpu") }, "\(table.output)")
      #expect(table.output.contains("pp64 t/s") && table.output.contains("tg16 t/s"), "\(table.output)")

      // Another host: the same file imported as measured on "bench-box", in its own database, merged.
      let other = "\(dir)/other.sqlite"
      let elsewhere = try await StrataCLI.run(
        ["import", "llama-bench", "\(dir)/bench.jsonl", "--host", "bench-box", "--db", other], project: dir,
        withProject: false)
      #expect(elsewhere.status == 0, "\(elsewhere.output)")
      let merged = try await StrataCLI.run(
        ["merge", "\(dir)/strata.sqlite", other, "-o", "\(dir)/all.sqlite"], project: dir, withProject: false)
      #expect(merged.status == 0, "\(merged.output)")
      let markdown = try await StrataCLI.run(
        ["report", "--hardware", "--db", "\(dir)/all.sqlite", "--format", "markdown", "--sort", "host"],
        project: dir, stdoutOnly: true, withProject: false)
      let rows = markdown.output.split(separator: "\n").filter {
        $0.hasPrefix("| ") && !$0.hasPrefix("| host") && !$0.hasPrefix("| ---")
      }
      #expect(rows.count == 3, "\(markdown.output)")
      #expect(rows.first?.hasPrefix("| bench-box |") == true, "\(markdown.output)")

      let csv = try await StrataCLI.run(
        ["report", "--db", "\(dir)/all.sqlite", "--run", importedRun.id, "--where", "decode_tps>0", "--format", "csv"],
        project: dir, stdoutOnly: true, withProject: false)
      #expect(csv.output.split(separator: "\n").count == 2, "\(csv.output)")
      let typo = try await StrataCLI.run(
        ["report", "--db", "\(dir)/all.sqlite", "--where", "decode>=1"], project: dir, withProject: false)
      #expect(typo.status == 2 && typo.output.contains("has no field `decode`"), "\(typo.output)")
    }
  }

  @Test("llama-bench's JSON array imports like its JSONL")
  func jsonArray() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-lb-\(UUID())").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try Self.llamaBench(format: "json", to: "\(dir)/bench.json")
    let result = try CapturedRun.run(
      try #require(StrataExecutable.path),
      ["import", "llama-bench", "\(dir)/bench.json", "--engine", "cpu-kernel", "--db", "\(dir)/s.sqlite"])
    #expect(result.status == 0, "\(result.stderr)")
    let store = try ResultStore(path: "\(dir)/s.sqlite")
    let run = try #require(try store.runs().first)
    #expect(try store.cells(runId: run.id).map(\.engine) == ["cpu-kernel"])
    #expect(run.enginesJSON.contains("\"build\":") && run.enginesJSON.contains("\"mode\":\"llama-bench\""))
  }
}
