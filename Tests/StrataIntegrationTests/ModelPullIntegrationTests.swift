import Foundation
import StrataStore
import StrataTestSupport
import Testing

/// `strata models pull`, `validate`, `plan` and `run` on a `repo_id:` model, against the
/// Hub stand-in (the real Hub cannot be reached here) serving the demo GGUF.
@Suite("Models from Hugging Face, end to end", .tags(.integration), .serialized, RealParts.gate, RealParts.strataGate)
struct ModelPullIntegrationTests {
  static let repo = "strata-test/SmolLM2-135M-Instruct-GGUF"
  static let token = "hf_standinSecret7c1e"
  static let matrix = """
    repeats: 1
    axes:
      engine: [cpu]
      model: [smollm2-hf]
      quant: [Q4_1]
      args:
        threads: [2]
    scenarios: [pp64-tg16]
    tasks: [{name: arc_challenge, limit: 2}]
    """

  @Test(
    "run pulls the quant its plan needs first (resuming after a cut), --no-pull names it, a second pull fetches nothing"
  )
  func runPullsThenTreatsTheModelAsLocal() async throws {
    try await ServerTestLock.run {
      let dir = try RealParts.project(matrix: Self.matrix)
      defer { try? FileManager.default.removeItem(atPath: dir) }
      try """
      models:
        - name: smollm2-hf
          repo_id: \(Self.repo)
          quant_tags: [Q4_1, Q8_0]
      """.write(toFile: "\(dir)/models.yaml", atomically: true, encoding: .utf8)
      let hub = try HubStandIn(
        repo: Self.repo, files: [("SmolLM2-135M-Instruct.Q4_1.gguf", RealParts.smollm2)],
        faults: .init(cutOnce: "SmolLM2-135M-Instruct.Q4_1.gguf"), requiredToken: Self.token)
      defer { hub.stop() }
      let environment = ["HF_ENDPOINT": hub.baseURL, "HF_HUB_CACHE": "\(dir)/hub", "HF_TOKEN": Self.token]

      let validate = try await StrataCLI.run(["validate"], project: dir, environment: environment)
      #expect(validate.status == 0, "\(validate.output)")
      #expect(validate.output.contains("smollm2-hf Q4_1: from Hugging Face \(Self.repo), not pulled yet"))

      let plan = try await StrataCLI.run(["plan"], project: dir, environment: environment)
      #expect(plan.status == 0 && plan.output.contains("strata models pull smollm2-hf"), "\(plan.output)")

      let refused = try await StrataCLI.run(["run", "--no-pull"], project: dir, environment: environment)
      #expect(refused.status == 2, "\(refused.output)")
      #expect(refused.output.contains("`strata models pull smollm2-hf`"))
      #expect(hub.log.requests.isEmpty)

      let run = try await StrataCLI.run(["run"], project: dir, environment: environment)
      #expect(run.status == 0, "\(run.output)")
      #expect(run.output.contains("resuming at") && run.output.contains("downloaded"), "\(run.output)")
      #expect(hub.log.cuts == 1)
      let served = hub.log.bodyBytes
      let store = try ResultStore(path: "\(dir)/strata.sqlite")
      let runRecord = try #require(try store.runs().first)
      let cells = try store.cells(runId: runRecord.id)
      #expect(cells.map(\.status) == [.done] && cells.first?.model == "smollm2-hf")

      // Q8_0 is offered in models.yaml but the matrix does not need it: the run pulled only Q4_1.
      let pull = try await StrataCLI.run(
        ["models", "pull", "smollm2-hf", "--quant", "Q4_1"], project: dir, environment: environment)
      #expect(
        pull.status == 0 && pull.output.contains("smollm2-hf Q4_1: 93.8 MiB, already in the cache"), "\(pull.output)")
      #expect(hub.log.bodyBytes == served)

      let list = try await StrataCLI.run(["models", "list"], project: dir, environment: environment)
      #expect(
        list.output.contains("\(dir)/hub/models--strata-test--SmolLM2-135M-Instruct-GGUF/snapshots/"), "\(list.output)")
      #expect(
        list.output.split(separator: "\n").contains {
          $0.contains("Q8_0") && $0.contains("not pulled")
        }, "\(list.output)")

      // The token went to the Hub and nowhere else: not the output, the database or the logs.
      // The API and resolve calls carry it; the CDN (another host, as the Hub's is) never sees it.
      let (cdn, hubCalls) = (
        hub.log.requests.filter { $0.path.hasPrefix("/cdn/") }, hub.log.requests.filter { !$0.path.hasPrefix("/cdn/") }
      )
      #expect(!cdn.isEmpty && cdn.allSatisfy { $0.authorization == nil })
      #expect(hubCalls.allSatisfy { $0.authorization == "Bearer \(Self.token)" })
      for output in [validate, plan, refused, run, pull, list].map(\.output) {
        #expect(!output.contains(Self.token))
      }
      for file in try FileManager.default.subpathsOfDirectory(atPath: dir) where !file.contains("hub/") {
        let bytes = (try? Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(file)"))) ?? Data()
        #expect(bytes.range(of: Data(Self.token.utf8)) == nil, "the token is in \(file)")
      }

      // Pulled, the model runs with --no-pull and no Hub at all.
      hub.stop()
      let offline = try await StrataCLI.run(
        ["plan", "--json"], project: dir, environment: environment.merging(["HF_ENDPOINT": "http://127.0.0.1:1"]) { $1 }
      )
      #expect(offline.status == 0 && !offline.output.contains("not pulled yet"), "\(offline.output)")
    }
  }
}
