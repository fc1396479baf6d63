import Foundation
import StrataClient
import StrataConfig
import StrataEngine
import StrataEval
import StrataRun
import StrataTestSupport
import Testing

@Suite(
  "Multiple choice scored from the real server's next-token probabilities", .tags(.integration),
  RealParts.gate)
struct LetterLikelihoodIntegrationTests {
  @Test("SmolLM2 on 20 ARC items: generative and letter-likelihood answers, confidences in (0, 1]")
  func bothWays() async throws {
    try await ServerTestLock.run {
      let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-ll-\(UUID())").path
      try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
      defer { try? FileManager.default.removeItem(atPath: dir) }
      let items = ItemSelection.select(try TaskItemLoader.load(path: RealParts.arcItems), limit: 20, seed: 7)
      let task = TaskSpec(
        name: "arc", items: RealParts.arcItems, prompt: .fewShot, format: .completion, maxTokens: 4, limit: 20)
      let supervisor = Supervisor(
        registry: ProcessRegistry(), environment: ProcessInfo.processInfo.environment, procRoot: "/proc",
        wallClock: { Date().timeIntervalSince1970 })
      let engine = EngineSpec(name: "cpu", backend: .cpu, binary: RealParts.cpuServer)
      let launch = ServerLaunch(
        engine: engine, modelPath: RealParts.smollm2, flagArguments: ["-t", "2"], logPath: "\(dir)/server.log")
      try await supervisor.withServer(launch) { server in
        var generative: [String: String?] = [:]
        try await TaskRunner(client: server.client).run(task, items: items) { outcome in
          generative[outcome.item.id] = outcome.score.extracted
        }
        var agree = 0
        var correct = 0
        for item in items {
          let answer = try await LetterLikelihood.ask(
            item, prompt: MultipleChoicePrompt.completionText(for: item, style: .fewShot), client: server.client)
          let chosen = try #require(answer.chosen, "no option letter among the top candidates for \(item.id)")
          let confidence = try #require(answer.confidence)
          #expect(confidence > 0 && confidence <= 1)
          #expect(confidence >= 1 / Double(item.choices.count) - 1e-9, "the chosen option is the most probable")
          #expect(answer.letterMass > 0 && answer.letterMass <= 1 + 1e-9)
          if chosen == item.answer { correct += 1 }
          // Greedy generation's first token is the argmax of the same distribution.
          if generative[item.id] == chosen { agree += 1 }
        }
        #expect(generative.count == 20)
        #expect(agree >= 18, "greedy letters and likelihood letters agree on \(agree)/20 items")
        print("letter likelihood: \(correct)/20 correct, agreement with generative \(agree)/20")
      }
    }
  }

  @Test("the same items scored by continuation likelihood through the engine's own llama-perplexity")
  func continuationLikelihood() async throws {
    try await ServerTestLock.run {
      let items = ItemSelection.select(try TaskItemLoader.load(path: RealParts.arcItems), limit: 20, seed: 7)
      let runner = PerplexityRunner(
        engine: EngineSpec(name: "cpu", backend: .cpu, binary: RealParts.cpuServer), modelPath: RealParts.smollm2,
        flagArguments: ["-t", "2"], environment: ProcessInfo.processInfo.environment,
        scratchDirectory: FileManager.default.temporaryDirectory.path)
      let rc = items.compactMap(ContinuationItem.init)
      #expect(rc.count == 20)
      let correct = try await runner.score(rc)
      #expect(correct.count == 20)
      // SmolLM2-135M is weak but not at chance on every item; all-right or all-wrong would mean a parsing slip.
      let right = correct.filter { $0 }.count
      #expect(right > 0 && right < 20, "\(right)/20")
      print("continuation likelihood: \(right)/20 correct")
    }
  }

  @Test("a container engine cannot score continuations and says why")
  func containerEngineRefused() async {
    let runner = PerplexityRunner(
      engine: .container(name: "c", backend: .cpu, image: "localhost/llama.cpp:server"),
      modelPath: RealParts.smollm2, flagArguments: [], environment: [:],
      scratchDirectory: FileManager.default.temporaryDirectory.path)
    await #expect(throws: ContinuationScoringError.self) {
      _ = try await runner.score([ContinuationItem(id: "x", context: "Q", continuations: ["a", "b"], correct: 0)])
    }
  }
}
