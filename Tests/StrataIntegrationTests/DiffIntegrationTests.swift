import Foundation
import StrataStore
import StrataTestSupport
import Testing

/// `strata diff` on real runs of the CPU llama-server: the same matrix twice, and the
/// same matrix with one thread instead of two, each run ending with its noise check.
@Suite(
  "strata diff on real runs: noise checks, the same matrix twice, -t 2 against -t 1", .tags(.integration), .serialized,
  RealParts.gate, RealParts.strataGate)
struct DiffIntegrationTests {
  static func matrix(threads: Int) -> String {
    """
    repeats: 3
    axes:
      engine: [cpu]
      model: [smollm2-135m]
      args:
        threads: [\(threads)]
        flash_attn: [on, off]
        ctx: [1024, 2048]
    scenarios: [pp128-tg32]
    tasks: [{name: arc_challenge, limit: 6}]
    """
  }

  @Test(
    "two runs of one matrix: nothing called changed; threads 2 → 1: called changed, and --fail-on-regression exits 1")
  func diffs() async throws {
    try await ServerTestLock.run {
      let dir = try RealParts.project(matrix: Self.matrix(threads: 2))
      defer { try? FileManager.default.removeItem(atPath: dir) }
      try Self.matrix(threads: 1).write(toFile: "\(dir)/one-thread.yaml", atomically: true, encoding: .utf8)
      for arguments in [["run"], ["run"], ["run", "\(dir)/one-thread.yaml"]] {
        let run = try await StrataCLI.run(arguments, project: dir)
        #expect(run.status == 0, "\(run.output.suffix(3000))")
        #expect(run.output.contains("[noise check] measuring cpu smollm2-135m Q4_1"), "\(run.output.suffix(3000))")
      }
      let store = try ResultStore(path: "\(dir)/strata.sqlite")
      let runs = try store.runs()  // newest first
      #expect(runs.count == 3)
      for run in runs {
        let checks = try store.noiseChecks(runId: run.id)
        // The first cell measured, again, with the run's three repetitions.
        let first = try store.cells(runId: run.id).min { ($0.startedAt ?? 0) < ($1.startedAt ?? 0) }
        #expect(checks.count == 3 && checks.allSatisfy { $0.cellHash == first?.hash && $0.serverDecodeTPS > 0 })
      }
      let db = ["--db", "\(dir)/strata.sqlite"]
      let same = try await StrataCLI.run(
        ["diff", runs[2].id, runs[1].id, "--fail-on-regression", "5%"] + db, project: dir, withProject: false)
      #expect(same.status == 0, "\(same.output)")
      #expect(same.output.contains("changed: 0 of 4 matched cells"), "\(same.output)")
      #expect(same.output.contains("the larger of 3 noise checks on"), "\(same.output)")

      let threads = try await StrataCLI.run(
        ["diff", "previous", "latest", "--fail-on-regression", "5%"] + db, project: dir, withProject: false)
      #expect(threads.status == 1, "\(threads.output)")
      #expect(threads.output.contains("settings that differ: threads 2 → 1"), "\(threads.output)")
      #expect(!threads.output.contains("changed: 0 of 4"), "\(threads.output)")
      #expect(threads.output.contains("regression beyond 5%:"), "\(threads.output)")

      // One thread runs prompts about half as fast as two: every cell's prompt speed falls.
      let json = try await StrataCLI.run(
        ["diff", "previous", "latest", "--format", "json"] + db, project: dir, stdoutOnly: true, withProject: false)
      let diff = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
      let cells = try #require(diff["cells"] as? [[String: Any]])
      #expect(cells.count == 4)
      for cell in cells {
        let speeds = try #require(cell["speeds"] as? [[String: Any]])
        let prompt = try #require(speeds.first { $0["metric"] as? String == "prompt_tps" })
        let test = try #require(prompt["test"] as? [String: Any])
        #expect((test["ratio"] as? Double ?? 1) < 0.85, "\(prompt)")
      }
    }
  }
}
