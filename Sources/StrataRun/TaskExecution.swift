import Foundation
import StrataClient
import StrataConfig
import StrataEngine
import StrataEval
import StrataStore

/// One scored answer, before it is stored with its run and cell.
struct ScoredAnswer: Sendable {
  var method: String
  var itemId: String
  var category: String?
  var promptHash: String
  /// What was asked, stored once per run for the report's drill-down.
  var prompt: String?
  var response: String
  var thinking: String?
  var extracted: String?
  var expected: String
  var correct: Bool
  var confidence: Double?
  var probabilities: [String: Double]?
  var failureKind: String?
  var latencyMs: Double
  var thinkingTokens: Int? = nil
  var thinkingMs: Double? = nil

  func record(runId: String, cellHash: String, task: String) -> TaskResultRecord {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    var record = TaskResultRecord(
      runId: runId, cellHash: cellHash, task: task, method: method, itemId: itemId, category: category,
      promptHash: promptHash, response: response, thinking: thinking, extracted: extracted, expected: expected,
      correct: correct, confidence: confidence,
      probabilitiesJSON: probabilities.flatMap { try? encoder.encode($0) }.map { String(decoding: $0, as: UTF8.self) },
      failureKind: failureKind, latencyMs: latencyMs)
    record.thinkingTokens = thinkingTokens
    record.thinkingMs = thinkingMs
    return record
  }
}

/// Request-time settings of a cell.
struct SamplingSettings: Sendable {
  var temperature: Double
  var seed: UInt64
  var topP: Double?
}

/// Runs one task's chosen items against a cell's server, every way the task
/// asks (generative, letter likelihood, continuation likelihood for multiple
/// choice; exact answers; code in the sandbox), handing each scored answer on
/// as soon as it exists.
struct TaskExecution: Sendable {
  var task: TaskSpec
  var client: LlamaServerClient
  var sampling: SamplingSettings
  /// The cell's own llama-perplexity, for continuation likelihood.
  var perplexity: PerplexityRunner
  var sandbox: CodeSandbox
  /// Items in flight at once: the cell's `-np` (server slots).
  var concurrency: Int = 1

  func runMultipleChoice(
    _ items: [MultipleChoiceItem], method: ChoiceMethod, onAnswer: (ScoredAnswer) throws -> Void
  ) async throws {
    switch method {
    case .generative:
      try await TaskRunner(client: client).run(
        task, items: items, temperature: sampling.temperature, seed: sampling.seed, topP: sampling.topP,
        concurrency: concurrency
      ) { outcome in
        let split = ThinkingSplit(content: outcome.response)
        try onAnswer(
          ScoredAnswer(
            method: method.rawValue, itemId: outcome.item.id, category: outcome.item.category,
            promptHash: outcome.promptHash, prompt: outcome.prompt, response: outcome.response,
            thinking: split.thinking.isEmpty ? nil : split.thinking, extracted: outcome.score.extracted,
            expected: outcome.item.answer, correct: outcome.score.correct, latencyMs: outcome.latencyMs,
            thinkingTokens: outcome.thinkingTokens, thinkingMs: outcome.thinkingMs))
      }
    case .letterLikelihood:
      let task = self.task
      let client = self.client
      try await BoundedConcurrency.forEach(items, limit: concurrency) { item in
        let started = MonotonicClock.seconds()
        let prompt = MultipleChoicePrompt.completionText(for: item, style: task.prompt)
        let answer = try await LetterLikelihood.ask(item, prompt: prompt, client: client)
        let shown = item.choices.map {
          "P(\($0.label))=\(String(format: "%.3f", answer.distribution[$0.label] ?? 0))"
        }
        return ScoredAnswer(
          method: method.rawValue, itemId: item.id, category: item.category, promptHash: StableHash.hex(prompt),
          prompt: prompt,
          response: shown.joined(separator: " ") + String(format: " (letter mass %.3f)", answer.letterMass),
          extracted: answer.chosen, expected: item.answer, correct: answer.chosen == item.answer,
          confidence: answer.confidence, probabilities: answer.distribution,
          latencyMs: (MonotonicClock.seconds() - started) * 1000)
      } onResult: {
        try onAnswer($0)
      }
    case .continuationLikelihood:
      let continuations = items.compactMap { item -> ContinuationItem? in
        guard let rc = item.continuations,
          let correct = item.choices.firstIndex(where: { $0.label == item.answer })
        else { return ContinuationItem(item) }
        let context = (task.prompt == .fewShot ? rc.fewshot ?? "" : "") + rc.query
        return ContinuationItem(id: item.id, context: context, continuations: rc.texts, correct: correct)
      }
      // In batches, each stored as soon as it is scored: a kill or a crash of
      // llama-perplexity loses one batch, not the task's whole answer set. Each
      // batch loads the model again, so batches are not tiny.
      var started = MonotonicClock.seconds()
      for batchStart in stride(from: 0, to: continuations.count, by: PerplexityRunner.batchSize) {
        let batch = Array(continuations[batchStart..<min(continuations.count, batchStart + PerplexityRunner.batchSize)])
        let verdicts = try await perplexity.score(batch)
        let perItemMs = (MonotonicClock.seconds() - started) * 1000 / Double(max(1, batch.count))
        started = MonotonicClock.seconds()
        for (rc, correct) in zip(batch, verdicts) {
          guard let item = items.first(where: { $0.id == rc.id }) else { continue }
          try onAnswer(
            ScoredAnswer(
              method: method.rawValue, itemId: item.id, category: item.category,
              promptHash: StableHash.hex(rc.context + "\u{1F}" + rc.continuations.joined(separator: "\u{1E}")),
              prompt: rc.context + rc.continuations.enumerated().map { "\n  [\($0.offset)] \($0.element)" }.joined(),
              response: "llama-perplexity acc_norm: the \(correct ? "right" : "wrong") continuation was most likely",
              extracted: nil, expected: item.answer, correct: correct, latencyMs: perItemMs))
        }
      }
    }
  }

  func runExactAnswers(_ items: [ExactAnswerItem], onAnswer: (ScoredAnswer) throws -> Void) async throws {
    let scorer = try ExactAnswerScorer(scoringKind())
    try await BoundedConcurrency.forEach(items, limit: concurrency) { [self] item in
      let prompt = (task.prompt == .fewShot ? item.fewshot ?? "" : "") + "Question: \(item.question)\nAnswer:"
      let (trace, hash, shown) = try await generate(prompt, defaultStop: ["Question:", "\n\n"], itemStop: nil)
      let score = try scorer.score(content: trace.text, reasoningContent: trace.reasoningText, expected: item.answer)
      let split = ThinkingSplit(content: trace.text, reasoningContent: trace.reasoningText)
      return ScoredAnswer(
        method: "exact", itemId: item.id, category: item.category, promptHash: hash, prompt: shown,
        response: split.answer,
        thinking: split.thinking.isEmpty ? nil : split.thinking, extracted: score.extracted,
        expected: item.answer, correct: score.correct, latencyMs: Self.latencyMs(trace),
        thinkingTokens: trace.thinkingChunks > 0 ? trace.thinkingChunks : nil, thinkingMs: trace.thinkingMs)
    } onResult: {
      try onAnswer($0)
    }
  }

  /// Replies are asked for up to `concurrency` at a time; each is run against its
  /// tests in the sandbox as it comes in, one program at a time, while the server
  /// already works on the next items.
  func runCode(_ items: [CodeItem], onAnswer: (ScoredAnswer) throws -> Void) async throws {
    try await BoundedConcurrency.pipeline(items, limit: concurrency) { [self] item in
      let prompt = (task.prompt == .fewShot ? item.fewshot ?? "" : "") + item.prompt
      let (trace, hash, shown) = try await generate(prompt, defaultStop: [], itemStop: item.stop)
      return (item, trace, hash, shown)
    } then: { [self] (item: CodeItem, trace: GenerationTrace, hash: String, shown: String) in
      let split = ThinkingSplit(content: trace.text, reasoningContent: trace.reasoningText)
      let outcome = try await sandbox.run(SandboxProgram(source: item.programText(reply: split.answer)))
      return ScoredAnswer(
        method: "code", itemId: item.id, category: item.category, promptHash: hash, prompt: shown,
        response: split.answer,
        thinking: split.thinking.isEmpty ? nil : split.thinking, extracted: nil, expected: "tests pass",
        correct: outcome.passed, failureKind: Self.failureKind(outcome.kind), latencyMs: Self.latencyMs(trace),
        thinkingTokens: trace.thinkingChunks > 0 ? trace.thinkingChunks : nil, thinkingMs: trace.thinkingMs)
    } onResult: {
      try onAnswer($0)
    }
  }

  /// One generation through the task's route; the task's `stop` wins over the item's and the kind's default.
  private func generate(
    _ prompt: String, defaultStop: [String], itemStop: [String]?
  ) async throws -> (GenerationTrace, hash: String, shown: String) {
    switch task.format {
    case .chat:
      let messages = [ChatMessage(role: "user", content: prompt)]
      let trace = try await client.streamChat(
        ChatRequest(
          messages: messages, maxTokens: task.maxTokens, temperature: sampling.temperature, seed: sampling.seed,
          topP: sampling.topP))
      return (trace, StableHash.hex("user\u{1F}" + prompt), TaskRunner.shown(messages))
    case .completion:
      var request = CompletionRequest(
        prompt: .text(prompt), maxTokens: task.maxTokens, ignoreEOS: false, cachePrompt: true, seed: sampling.seed,
        temperature: sampling.temperature, stop: task.stop ?? itemStop ?? defaultStop)
      request.topP = sampling.topP
      return (try await client.streamCompletion(request), StableHash.hex(prompt), prompt)
    }
  }

  private func scoringKind() throws -> ScoringKind {
    switch task.scoring ?? .numeric {
    case .numeric: return .numeric
    case .normalized: return .normalizedText
    case .regex(let pattern): return .regex(pattern: pattern)
    case .jsonSchema(let path):
      guard let data = FileManager.default.contents(atPath: path),
        let schema = JSONValue.parse(String(decoding: data, as: UTF8.self))
      else { throw TaskExecutionError.unreadableSchema(task: task.name, path: path) }
      return .jsonSchema(schema: schema)
    }
  }

  static func latencyMs(_ trace: GenerationTrace) -> Double {
    max(0, Double((trace.tokenTimesNanos.last ?? trace.requestStartNanos) &- trace.requestStartNanos) / 1e6)
  }

  static func failureKind(_ kind: SandboxOutcomeKind) -> String {
    switch kind {
    case .passed: "passed"
    case .syntaxError: "syntax"
    case .assertionFailed: "assertion"
    case .timeout: "timeout"
    case .memoryExceeded: "memory"
    case .exitedBeforeTests: "early_exit"
    case .crashed: "crash"
    }
  }
}

enum TaskExecutionError: Error, CustomStringConvertible {
  case unreadableSchema(task: String, path: String)

  var description: String {
    switch self {
    case .unreadableSchema(let task, let path):
      "task \(task): the JSON schema \(path) is missing or not JSON; fix `scoring.schema` in tasks/\(task).yaml"
    }
  }
}
