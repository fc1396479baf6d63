import StrataClient
import StrataConfig

/// One measured repetition of a performance scenario.
public struct PerfMeasurement: Sendable, Hashable {
  public var repetition: Int
  public var promptTokens: Int
  public var generatedTokens: Int
  public var ttftMs: Double
  public var serverPromptMs: Double
  public var serverPromptTPS: Double
  /// Prompt tokens ÷ client TTFT: what a user waiting for the first token sees.
  public var clientPromptTPS: Double
  public var serverDecodeTPS: Double
  /// (n − 1) ÷ (last token time − first token time), client clock; nil below 2 tokens.
  public var clientDecodeTPS: Double?
  /// Inter-token gap percentiles; nil below 2 tokens.
  public var itlP50Ms: Double?
  public var itlP90Ms: Double?
  public var itlP99Ms: Double?
  public var cacheTokens: Int
  /// CLOCK_MONOTONIC nanoseconds: the request handed to the HTTP client, and its
  /// reply's end, so telemetry can attribute the energy drawn in between.
  public var requestStartNanos: UInt64 = 0
  public var finishedNanos: UInt64 = 0
}

/// A scenario's request could not be measured.
public struct PerfProbeError: Error, Sendable, CustomStringConvertible {
  public var scenario: String
  public var message: String
  public var description: String { "scenario \(scenario): \(message)" }
}

/// Runs a `ppN-tgM` scenario against a running server.
///
/// Pitfalls handled (DESIGN.md §6): each repetition sends a different random
/// prompt with `cache_prompt: false`, so prompt processing is measured rather
/// than served from the KV cache; `ignore_eos` and a fixed seed make every
/// repetition generate exactly M tokens; one smaller unmeasured request warms
/// the server up first. The prompt goes as token ids to `/completion`, so it is
/// exactly N tokens long — the same work `llama-bench -p N` does.
public struct PerfProbe: Sendable {
  public var client: LlamaServerClient
  public var seed: UInt64

  public init(client: LlamaServerClient, seed: UInt64 = 42) {
    self.client = client
    self.seed = seed
  }

  /// Runs the scenario's repetitions 1…`repeats`, except those in `skipping` (a
  /// resumed cell has them stored); the unmeasured warm-up runs either way.
  public func run(
    _ scenario: Scenario, repeats: Int, skipping: Set<Int> = [], onRepetition: (PerfMeasurement) throws -> Void
  ) async throws {
    let meta = try await client.modelMeta()
    let vocabulary = max(meta.nVocab, 2_048)
    _ = try await client.streamCompletion(
      request(
        tokens: min(32, scenario.promptTokens), generate: min(8, scenario.generateTokens),
        vocabulary: vocabulary, repetition: -1))
    for repetition in 1...max(1, repeats) where !skipping.contains(repetition) {
      try Task.checkCancellation()
      let trace = try await client.streamCompletion(
        request(
          tokens: scenario.promptTokens, generate: scenario.generateTokens,
          vocabulary: vocabulary, repetition: repetition))
      let finished = MonotonicClock.nanoseconds()
      var measured = try measurement(of: trace, scenario: scenario, repetition: repetition)
      measured.finishedNanos = finished
      try onRepetition(measured)
    }
  }

  func request(tokens: Int, generate: Int, vocabulary: Int, repetition: Int) -> CompletionRequest {
    var generator = SplitMix64(seed: seed &+ UInt64(bitPattern: Int64(repetition)) &* 0x9E37_79B9)
    // Skip both ends of the vocabulary, where models keep their control tokens.
    let low = 1_000
    let high = vocabulary - 1_000
    let prompt = (0..<tokens).map { _ in Int.random(in: low..<high, using: &generator) }
    return CompletionRequest(
      promptTokens: prompt, maxTokens: generate, ignoreEOS: true, cachePrompt: false, seed: seed,
      temperature: 0)
  }

  func measurement(of trace: GenerationTrace, scenario: Scenario, repetition: Int) throws -> PerfMeasurement {
    guard let timings = trace.timings else {
      throw PerfProbeError(scenario: scenario.name, message: "the server sent no timings")
    }
    guard let ttft = trace.ttftMs, ttft > 0 else {
      throw PerfProbeError(scenario: scenario.name, message: "no token was streamed")
    }
    let gaps = trace.interTokenGapsMs
    return PerfMeasurement(
      repetition: repetition,
      promptTokens: timings.promptTokens,
      generatedTokens: timings.predictedTokens,
      ttftMs: ttft,
      serverPromptMs: timings.promptMs,
      serverPromptTPS: timings.promptPerSecond,
      clientPromptTPS: Double(scenario.promptTokens) / (ttft / 1000),
      serverDecodeTPS: timings.predictedPerSecond,
      clientDecodeTPS: trace.clientDecodeTokensPerSecond,
      itlP50Ms: percentile(gaps, 50),
      itlP90Ms: percentile(gaps, 90),
      itlP99Ms: percentile(gaps, 99),
      cacheTokens: timings.cacheTokens ?? 0,
      requestStartNanos: trace.requestStartNanos,
      finishedNanos: trace.tokenTimesNanos.last ?? trace.requestStartNanos)
  }
}
