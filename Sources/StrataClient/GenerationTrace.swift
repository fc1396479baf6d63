/// A native POST /completion request: token ids (a performance probe controls the
/// prompt length exactly) or text (task items put to base models).
public struct CompletionRequest: Sendable, Hashable {
  /// What `/completion` continues: token ids (an exact prompt length for performance
  /// probes; llama-server skips tokenizing) or text (tokenized by the server).
  public enum Prompt: Sendable, Hashable {
    case tokens([Int])
    case text(String)
  }
  /// `prompt`.
  public var prompt: Prompt
  /// `n_predict`: maximum tokens to generate.
  public var maxTokens: Int
  /// `ignore_eos`: keep generating past end-of-sequence (fixed-length probes).
  public var ignoreEOS: Bool
  /// `cache_prompt`: let the server reuse the KV cache of a matching prompt prefix.
  public var cachePrompt: Bool
  /// `seed`: sampling seed (llama.cpp keeps the low 32 bits: `common_params_sampling.seed` is uint32_t).
  public var seed: UInt64
  /// `temperature`: sampling temperature; 0 is greedy.
  public var temperature: Double
  /// `stop`: strings that end generation (not included in the output).
  public var stop: [String]
  /// `top_p`: nucleus sampling; nil leaves the server's default (0.95 in build 11434).
  public var topP: Double? = nil

  /// A request for a prompt given as token ids; defaults suit a performance probe.
  public init(
    promptTokens: [Int], maxTokens: Int, ignoreEOS: Bool = true, cachePrompt: Bool = false, seed: UInt64 = 42,
    temperature: Double = 0
  ) {
    self.init(
      prompt: .tokens(promptTokens), maxTokens: maxTokens, ignoreEOS: ignoreEOS, cachePrompt: cachePrompt,
      seed: seed, temperature: temperature, stop: [])
  }

  /// A request with every field given.
  public init(
    prompt: Prompt, maxTokens: Int, ignoreEOS: Bool, cachePrompt: Bool, seed: UInt64, temperature: Double,
    stop: [String]
  ) {
    self.prompt = prompt
    self.maxTokens = maxTokens
    self.ignoreEOS = ignoreEOS
    self.cachePrompt = cachePrompt
    self.seed = seed
    self.temperature = temperature
    self.stop = stop
  }
}

/// One message of an OpenAI-style chat.
public struct ChatMessage: Sendable, Codable, Hashable {
  /// "system", "user" or "assistant".
  public var role: String
  /// The message text.
  public var content: String

  /// Creates a message.
  public init(role: String, content: String) {
    self.role = role
    self.content = content
  }
}

/// A POST /v1/chat/completions request (streamed).
public struct ChatRequest: Sendable, Hashable {
  /// The conversation so far.
  public var messages: [ChatMessage]
  /// `max_tokens`: maximum tokens to generate.
  public var maxTokens: Int
  /// `temperature`: sampling temperature; 0 is greedy.
  public var temperature: Double
  /// `seed`: sampling seed (llama.cpp keeps the low 32 bits).
  public var seed: UInt64
  /// `cache_prompt` (llama.cpp extra): reuse the KV cache of a matching prompt prefix.
  public var cachePrompt: Bool
  /// `top_p`: nucleus sampling; nil leaves the server's default.
  public var topP: Double?

  /// Creates a request; see the properties for the wire names.
  public init(
    messages: [ChatMessage], maxTokens: Int, temperature: Double = 0, seed: UInt64 = 42, cachePrompt: Bool = true,
    topP: Double? = nil
  ) {
    self.topP = topP
    self.messages = messages
    self.maxTokens = maxTokens
    self.temperature = temperature
    self.seed = seed
    self.cachePrompt = cachePrompt
  }
}

/// Everything observed about one streamed generation, client side and server side.
/// All times are CLOCK_MONOTONIC nanoseconds (``MonotonicClock``).
public struct GenerationTrace: Sendable {
  /// When the request was handed to libcurl.
  public var requestStartNanos: UInt64
  /// Arrival time of each chunk that carried generated output, in order, one per chunk
  /// even if a chunk carries several tokens. Native /completion: non-empty `content` or
  /// `tokens`; chat: non-empty `delta.content` or `delta.reasoning_content`.
  public var tokenTimesNanos: [UInt64]
  /// Concatenated generated content.
  public var text: String
  /// Concatenated `delta.reasoning_content` (chat with a reasoning parser only).
  public var reasoningText: String
  /// The server's `timings` object, from the last chunk that carried one (the final one).
  public var timings: ServerTimings?
  /// Why generation stopped. Native: `stop_type` ("eos", "word", "limit", "none");
  /// chat: `finish_reason` ("stop", "length", "tool_calls").
  public var finishReason: String?
  /// Output chunks that were thinking (`reasoning_content`, or inside an inline
  /// `<think>` block): llama-server streams one token per chunk, so this counts
  /// thinking tokens.
  public var thinkingChunks: Int = 0
  /// Arrival of the last thinking chunk; thinking time runs from the request to it.
  public var thinkingEndNanos: UInt64? = nil

  /// Creates a trace from its parts.
  public init(
    requestStartNanos: UInt64, tokenTimesNanos: [UInt64] = [], text: String = "", reasoningText: String = "",
    timings: ServerTimings? = nil, finishReason: String? = nil
  ) {
    self.requestStartNanos = requestStartNanos
    self.tokenTimesNanos = tokenTimesNanos
    self.text = text
    self.reasoningText = reasoningText
    self.timings = timings
    self.finishReason = finishReason
  }
}

extension GenerationTrace {
  /// Milliseconds from the request to the last thinking chunk; nil when the model did not think.
  public var thinkingMs: Double? {
    thinkingEndNanos.map { MonotonicClock.milliseconds(from: requestStartNanos, to: $0) }
  }

  /// Time to first token, milliseconds: first output chunk's arrival − request start;
  /// nil when no output arrived.
  public var ttftMs: Double? {
    guard let first = tokenTimesNanos.first else { return nil }
    return MonotonicClock.milliseconds(from: requestStartNanos, to: first)
  }

  /// Client-observed decode speed, tokens per second: (n − 1) / (t_last − t_first), where
  /// n is the server's `predicted_n` when known, else the number of output chunks. This
  /// mirrors the server's `predicted_per_second`, which also counts n − 1 decode steps.
  /// nil when n < 2 or the first and last arrivals coincide.
  public var clientDecodeTokensPerSecond: Double? {
    let n = timings?.predictedTokens ?? tokenTimesNanos.count
    guard n >= 2, let first = tokenTimesNanos.first, let last = tokenTimesNanos.last, last > first else {
      return nil
    }
    return Double(n - 1) / (Double(last - first) / 1e9)
  }

  /// Gaps between consecutive output chunks, milliseconds (count − 1 values).
  public var interTokenGapsMs: [Double] {
    zip(tokenTimesNanos, tokenTimesNanos.dropFirst()).map { MonotonicClock.milliseconds(from: $0, to: $1) }
  }
}

/// Nearest-rank percentile: the smallest value with at least p % of the values at or
/// below it, i.e. sorted[⌈p/100 · N⌉ − 1], with p = 0 giving the minimum. Sorts a copy;
/// `p` is clamped to 0...100. nil on empty input or a NaN `p`.
public func percentile(_ values: [Double], _ p: Double) -> Double? {
  guard !values.isEmpty, !p.isNaN else { return nil }
  let sorted = values.sorted()
  let clamped = min(max(p, 0), 100)
  let rank = Int((clamped * Double(sorted.count) / 100).rounded(.up))
  return sorted[min(max(rank, 1), sorted.count) - 1]
}
