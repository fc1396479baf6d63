import Foundation
import StrataClient
import StrataConfig

/// One asked item and its score.
public struct ItemOutcome: Sendable, Hashable {
  public var item: MultipleChoiceItem
  public var promptHash: String
  /// What was sent, as the report shows it (chat messages as `role: content` lines).
  public var prompt: String
  public var response: String
  public var score: ItemScore
  public var latencyMs: Double
  /// Thinking tokens and milliseconds to the end of the thinking; nil when the model did not think.
  public var thinkingTokens: Int? = nil
  public var thinkingMs: Double? = nil
}

/// Asks a task's items of a running server, one at a time, greedy by default.
public struct TaskRunner: Sendable {
  public var client: LlamaServerClient

  public init(client: LlamaServerClient) { self.client = client }

  /// Asks every item, `concurrency` at a time (the server's slots); `onItem`
  /// runs as each answer arrives (to store it at once), in arrival order.
  public func run(
    _ task: TaskSpec, items: [MultipleChoiceItem], temperature: Double = 0, seed: UInt64 = 42, topP: Double? = nil,
    concurrency: Int = 1, onItem: (ItemOutcome) throws -> Void
  ) async throws {
    try await BoundedConcurrency.forEach(items, limit: concurrency) { item in
      let (trace, promptHash, prompt) = try await ask(
        item, task: task, temperature: temperature, seed: seed, topP: topP)
      let latency =
        Double(trace.tokenTimesNanos.last ?? trace.requestStartNanos) / 1e6
        - Double(trace.requestStartNanos) / 1e6
      return ItemOutcome(
        item: item, promptHash: promptHash, prompt: prompt, response: trace.text, score: item.score(reply: trace.text),
        latencyMs: max(0, latency), thinkingTokens: trace.thinkingChunks > 0 ? trace.thinkingChunks : nil,
        thinkingMs: trace.thinkingMs)
    } onResult: {
      try onItem($0)
    }
  }

  /// Sends one item the way the task's format says. Completion prompts keep the
  /// server's prompt cache on: items share their few-shot prefix, which the
  /// server then evaluates once instead of per item.
  private func ask(
    _ item: MultipleChoiceItem, task: TaskSpec, temperature: Double, seed: UInt64, topP: Double?
  ) async throws -> (GenerationTrace, hash: String, prompt: String) {
    switch task.format {
    case .chat:
      let messages = MultipleChoicePrompt.messages(for: item, style: task.prompt)
      let trace = try await client.streamChat(
        ChatRequest(
          messages: messages, maxTokens: task.maxTokens, temperature: temperature, seed: seed, topP: topP))
      return (trace, Self.hash(messages), Self.shown(messages))
    case .completion:
      let text = MultipleChoicePrompt.completionText(for: item, style: task.prompt)
      var request = CompletionRequest(
        prompt: .text(text), maxTokens: task.maxTokens, ignoreEOS: false, cachePrompt: true, seed: seed,
        temperature: temperature, stop: ["\n"])
      request.topP = topP
      let trace = try await client.streamCompletion(request)
      return (trace, StableHash.hex(text), text)
    }
  }

  /// Chat messages as the report shows them.
  public static func shown(_ messages: [ChatMessage]) -> String {
    messages.map { "\($0.role): \($0.content)" }.joined(separator: "\n\n")
  }

  static func hash(_ messages: [ChatMessage]) -> String {
    StableHash.hex(messages.map { "\($0.role)\u{1F}\($0.content)" }.joined(separator: "\u{1E}"))
  }
}
