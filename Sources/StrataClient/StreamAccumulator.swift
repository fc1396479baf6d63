import Foundation

/// Folds llama-server's streamed chunks into a ``GenerationTrace``. Pure: tests feed it
/// recorded events.
///
/// Chunk shapes, read in tools/server/server-task.cpp:
/// - native /completion: each partial chunk (`server_task_result_cmpl_partial::
///   to_json_non_oaicompat`) carries `content` (text of one token, possibly "" while a
///   stop word or an incomplete UTF-8 sequence is held back), `tokens` ([id]), `stop`
///   false, `tokens_predicted`; the final chunk (`server_task_result_cmpl_final::
///   to_json_non_oaicompat`) has `stop` true, empty `content`/`tokens` in stream mode
///   (server-context.cpp `send_final_response`), `stop_type` and `timings`. No `[DONE]`.
/// - chat: `choices[0].delta` with `content` / `reasoning_content`
///   (`server_chat_msg_diff_to_json_oaicompat`, server-chat.cpp); the first delta is
///   `{"role":"assistant","content":null}`; the final chunk has `finish_reason` and
///   `timings`; then `data: [DONE]` (server-context.cpp).
/// - errors mid-stream arrive as `data: {"error": {"code", "message", "type"}}`.
struct StreamAccumulator: Sendable {
  /// Which endpoint's chunk format to expect.
  enum Flavor: Sendable { case native, chat }

  let flavor: Flavor
  var trace: GenerationTrace
  /// First `error` object the server streamed: its code (HTTP-like) and message.
  var serverError: (status: Int, message: String)?
  /// First chunk that could not be decoded, described.
  var decodingError: String?
  /// Whether the native text so far has a `<think>` without its `</think>`.
  private var insideThink = false

  static func thinkIsOpen(_ text: String) -> Bool {
    guard let open = text.range(of: "<think>", options: .backwards) else { return false }
    return text.range(of: "</think>", range: open.upperBound..<text.endIndex) == nil
  }

  init(flavor: Flavor, requestStartNanos: UInt64 = 0) {
    self.flavor = flavor
    self.trace = GenerationTrace(requestStartNanos: requestStartNanos)
  }

  /// Consumes one SSE event; "[DONE]" and named (non-message) events are ignored.
  mutating func consume(_ event: SSEEvent) {
    let data = event.data.trimmingCharacters(in: .whitespaces)
    guard event.event == nil || event.event == "message", !data.isEmpty, data != "[DONE]" else { return }
    do {
      switch flavor {
      case .native:
        let chunk = try JSONDecoder().decode(NativeChunkWire.self, from: Data(data.utf8))
        if let error = chunk.error { return record(error) }
        let content = chunk.content ?? ""
        if !content.isEmpty || !(chunk.tokens ?? []).isEmpty {
          trace.tokenTimesNanos.append(event.receivedAtNanos)
        }
        // Inline thinking: a chunk counts while a `<think>` is open, the closing one included.
        let wasThinking = insideThink
        trace.text += content
        insideThink = Self.thinkIsOpen(trace.text)
        if wasThinking || insideThink || (content.contains("<think>") && !content.isEmpty) {
          trace.thinkingChunks += 1
          trace.thinkingEndNanos = event.receivedAtNanos
        }
        if let timings = chunk.timings { trace.timings = timings }
        if chunk.stop == true, let stopType = chunk.stop_type { trace.finishReason = stopType }
      case .chat:
        let chunk = try JSONDecoder().decode(ChatChunkWire.self, from: Data(data.utf8))
        if let error = chunk.error { return record(error) }
        var carriedOutput = false
        for choice in chunk.choices ?? [] {
          let content = choice.delta?.content ?? ""
          let reasoning = choice.delta?.reasoning_content ?? ""
          trace.text += content
          trace.reasoningText += reasoning
          if !reasoning.isEmpty {
            trace.thinkingChunks += 1
            trace.thinkingEndNanos = event.receivedAtNanos
          }
          carriedOutput = carriedOutput || !content.isEmpty || !reasoning.isEmpty
          if let reason = choice.finish_reason { trace.finishReason = reason }
        }
        if carriedOutput { trace.tokenTimesNanos.append(event.receivedAtNanos) }
        if let timings = chunk.timings { trace.timings = timings }
      }
    } catch {
      if decodingError == nil { decodingError = "chunk \(data.prefix(200)): \(error)" }
    }
  }

  private mutating func record(_ error: ErrorWire) {
    guard serverError == nil else { return }
    serverError = (status: error.code ?? 500, message: error.message ?? error.type ?? "unknown error")
  }
}

/// `{"error": {...}}` as built by `format_error_response` (tools/server/server-common.cpp).
struct ErrorWire: Decodable {
  var code: Int?
  var message: String?
  var type: String?
}

/// Native /completion stream chunk (the fields strata reads).
struct NativeChunkWire: Decodable {
  var content: String?
  var tokens: [Int]?
  var stop: Bool?
  var stop_type: String?
  var timings: ServerTimings?
  var error: ErrorWire?
}

/// /v1/chat/completions stream chunk (the fields strata reads).
struct ChatChunkWire: Decodable {
  struct Choice: Decodable {
    var delta: Delta?
    var finish_reason: String?
  }
  struct Delta: Decodable {
    var content: String?
    var reasoning_content: String?
  }
  var choices: [Choice]?
  var timings: ServerTimings?
  var error: ErrorWire?
}

/// A value guarded by a lock, for state shared between the transfer thread and the caller.
///
/// `@unchecked Sendable` is safe because `value` is only reached through `withLock`,
/// which holds `lock` for the whole access, and `Value` itself is Sendable.
final class LockedBox<Value: Sendable>: @unchecked Sendable {
  private let lock = NSLock()
  private var value: Value

  init(_ value: Value) { self.value = value }

  func withLock<Result>(_ body: (inout Value) -> Result) -> Result {
    lock.lock()
    defer { lock.unlock() }
    return body(&value)
  }
}
