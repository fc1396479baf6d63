import Foundation
import StrataConfig
import StrataEngine
import StrataMatrix
import StrataReport
import StrataRun
import StrataStore
import StrataTestSupport
import Testing

/// The task suite for real: converted OLMES items, the real server, the engine's
/// own llama-perplexity and the code sandbox.
@Suite(
  "Task suite through a real sweep", .tags(.integration),
  .enabled(
    if: RealParts.available
      && ["arc_easy", "gsm8k", "mbpp"].allSatisfy {
        FileManager.default.fileExists(atPath: "\(RealParts.cache)/tasks/\($0).jsonl")
      }))
struct TaskSuiteIntegrationTests {
  @Test("SmolLM2: 20 ARC-Easy items three ways with confidences, 3 GSM8K items, 5 MBPP items in the sandbox")
  func threeKinds() async throws {
    try await ServerTestLock.run {
      let dir = try RealParts.project(
        matrix: """
          repeats: 1
          axes: {engine: [cpu], model: [smollm2-135m], args: {threads: [2]}}
          scenarios: [pp16-tg4]
          tasks: [{name: arc_easy, limit: 20}, {name: gsm8k, limit: 3}, {name: mbpp, limit: 5}]
          """)
      let tasks = "\(RealParts.cache)/tasks"
      try """
      name: arc_easy
      kind: multiple_choice
      items: \(tasks)/arc_easy.jsonl
      prompt: few_shot
      format: completion
      max_tokens: 4
      method: [generative, letter_likelihood, continuation_likelihood]
      """.write(toFile: "\(dir)/tasks/arc_easy.yaml", atomically: true, encoding: .utf8)
      try """
      name: gsm8k
      kind: exact_answer
      items: \(tasks)/gsm8k.jsonl
      prompt: few_shot
      format: completion
      max_tokens: 128
      stop: ["Question:", "\\n\\n"]
      """.write(toFile: "\(dir)/tasks/gsm8k.yaml", atomically: true, encoding: .utf8)
      try """
      name: mbpp
      kind: code
      items: \(tasks)/mbpp.jsonl
      format: completion
      max_tokens: 128
      """.write(toFile: "\(dir)/tasks/mbpp.yaml", atomically: true, encoding: .utf8)
      let project = try ProjectLoader.load(directory: dir, expander: TestHost.expander)
      let plan = MatrixExpander.plan(project.matrix, quantsByModel: project.quantsByModel)
      let store = try ResultStore(path: "\(dir)/strata.sqlite")
      let context = RunContext(
        host: TestHost.live(under: dir), logDirectory: "\(dir)/logs", registry: ProcessRegistry(),
        progress: { _ in })
      let outcome = try await Sweep(project: project, plan: plan, store: store, context: context, strataVersion: "test")
        .run()
      let failures = try store.cells(runId: outcome.runId).compactMap(\.failure)
      #expect(outcome.done == 1, "\(failures)")
      let results = try store.taskResults(runId: outcome.runId)
      let byWay = Dictionary(grouping: results) { "\($0.task)/\($0.method)" }
      #expect(
        byWay.mapValues(\.count) == [
          "arc_easy/generative": 20, "arc_easy/letter_likelihood": 20, "arc_easy/continuation_likelihood": 20,
          "gsm8k/exact": 3, "mbpp/code": 5,
        ])
      for answer in byWay["arc_easy/letter_likelihood"] ?? [] {
        let confidence = try #require(answer.confidence)
        #expect(confidence > 0 && confidence <= 1)
        #expect(answer.probabilitiesJSON != nil)
      }
      #expect((byWay["arc_easy/generative"] ?? []).allSatisfy { $0.confidence == nil })
      // Every MBPP program ran in the sandbox and was classified.
      let kinds = Set((byWay["mbpp/code"] ?? []).compactMap(\.failureKind))
      #expect(!kinds.isEmpty && kinds.isSubset(of: ["passed", "syntax", "assertion", "timeout", "crash", "memory"]))
      #expect((byWay["gsm8k/exact"] ?? []).allSatisfy { !$0.response.isEmpty })

      let quality = try QualityBuilder.rows(store: store, runId: outcome.runId)
      #expect(quality.count == 5)
      let letter = try #require(quality.first { $0.method == "letter_likelihood" })
      let ece = try #require(letter.ece)
      #expect(ece.estimate >= 0 && ece.estimate <= 1 && ece.lower <= ece.upper)
      #expect(letter.brier != nil)
      for row in quality {
        print("quality: \(row.task)/\(row.method): \(row.accuracy.successes)/\(row.accuracy.trials)")
      }
      let agreement = Dictionary(
        grouping: (byWay["arc_easy/letter_likelihood"] ?? []) + (byWay["arc_easy/continuation_likelihood"] ?? []),
        by: \.itemId
      )
      .values.filter { $0.count == 2 && $0[0].correct == $0[1].correct }.count
      print("letter vs continuation likelihood agree on \(agreement)/20 ARC-Easy items")
    }
  }
}
