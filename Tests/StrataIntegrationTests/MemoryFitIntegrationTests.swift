import Foundation
import StrataGGUF
import StrataStore
import StrataTestSupport
import Testing

/// The memory-fit check with the real strata, llama-server and SmolLM2, against this
/// host's own /proc/meminfo: a context no host here can hold is skipped before its
/// server starts; the one that fits runs, and its prediction is checked against what
/// llama-server itself logs it allocated.
@Suite("Memory-fit check, end to end", .tags(.integration), .serialized, RealParts.gate, RealParts.strataGate)
struct MemoryFitIntegrationTests {
  /// 4,000,000 cells of SmolLM2's KV cache take 85.8 GiB: more than any machine that runs this suite.
  static let matrix = """
    repeats: 1
    axes:
      engine: [cpu]
      model: [smollm2-135m]
      args:
        threads: [2]
        ctx: [2048, 4000000]
    scenarios: [pp64-tg16]
    tasks: [{name: arc_challenge, limit: 2}]
    """

  @Test("plan flags the cell that cannot fit, run skips it with the figures, and the prediction stands beside the peak")
  func skipsWhatCannotFitAndShowsThePrediction() async throws {
    try await ServerTestLock.run {
      let dir = try RealParts.project(matrix: Self.matrix)
      defer { try? FileManager.default.removeItem(atPath: dir) }
      // -lv 4: llama-server then logs the buffer sizes the prediction is checked against.
      try "name: cpu\nbackend: cpu\nbinary: \(RealParts.cpuServer)\nargs: [\"-lv\", \"4\"]\n".write(
        toFile: "\(dir)/engines/cpu.yaml", atomically: true, encoding: .utf8)

      let plan = try await StrataCLI.run(["plan"], project: dir)
      #expect(plan.status == 0, "\(plan.output)")
      #expect(plan.output.contains("does not fit: server 2 (1 cell(s)) needs"), "\(plan.output)")
      #expect(plan.output.contains("KV 85.8 GiB for 4000000 cells"), "\(plan.output)")
      #expect(plan.output.split(separator: "\n").contains { $0.hasPrefix("1 ") && $0.hasSuffix(", fits") })

      // Exit 3, partial: the cell that did not fit is left for a resume to check again.
      let run = try await StrataCLI.run(["run"], project: dir)
      #expect(run.status == 3, "\(run.output)")
      #expect(run.output.contains("1 cell(s) did not fit in free memory"), "\(run.output)")
      #expect(run.output.contains("does not fit, 1 cell(s) skipped"), "\(run.output)")
      let store = try ResultStore(path: "\(dir)/strata.sqlite")
      let runRecord = try #require(try store.runs().first)
      let cells = try store.cells(runId: runRecord.id)
      let skipped = try #require(cells.first { $0.status == .skipped })
      #expect(skipped.failureKind == .doesNotFit && skipped.failure?.contains("available on the host") == true)
      #expect(skipped.serverId == nil && cells.filter { $0.status == .done }.count == 1)

      // The server that ran: its KV cache is what llama-server says it allocated, to the byte.
      let server = try #require(try store.servers(runId: runRecord.id).first)
      let arguments = try JSONDecoder().decode([String].self, from: Data(server.argumentsJSON.utf8))
      let predicted = MemoryEstimate.predict(
        try ModelShape.read(path: RealParts.smollm2), settings: LoadSettings.from(arguments: arguments), onDevice: false
      )
      #expect(server.predictedHostBytes == Int64(predicted.hostBytes) && server.predictedDeviceBytes == 0)
      let log = try String(contentsOfFile: server.logPath, encoding: .utf8)
      let logged = try #require(Self.loggedKVMiB(log))
      #expect(logged == String(format: "%.2f", Double(predicted.kvBytes) / 1_048_576), "\(log.suffix(2000))")

      let report = try await StrataCLI.run(
        ["report", "--db", "\(dir)/strata.sqlite"], project: dir, stdoutOnly: true, withProject: false)
      #expect(
        report.output.contains("predicted MiB") && report.output.contains("skipped: does not fit"), "\(report.output)")
      #expect(report.output.contains("%)"), "\(report.output)")
    }
  }

  /// "llama_kv_cache: size =   45.00 MiB (  2048 cells, …" → "45.00".
  static func loggedKVMiB(_ log: String) -> String? {
    guard let line = log.split(separator: "\n").first(where: { $0.contains("llama_kv_cache: size =") }) else {
      return nil
    }
    let after = line.split(separator: "=", maxSplits: 1).last ?? ""
    return after.split(separator: " ").first.map(String.init)
  }
}
