import Foundation

/// A typed client for one llama-server at a base URL like "http://127.0.0.1:8123".
///
/// Routes as registered in tools/server/server.cpp: GET /health, GET /v1/models,
/// GET /props, POST /completion, POST /v1/chat/completions.
public struct LlamaServerClient: Sendable {
  /// Base URL without a trailing slash.
  public var baseURL: String
  /// The transport; its timeouts apply to every call except ``health()``.
  public var http: HTTPClient

  /// Creates a client; trailing slashes of `baseURL` are dropped.
  public init(baseURL: String, http: HTTPClient = HTTPClient()) {
    var trimmed = baseURL
    while trimmed.hasSuffix("/") { trimmed.removeLast() }
    self.baseURL = trimmed
    self.http = http
  }

  /// HTTP status of GET /health, nil when nothing answers (connection refused, timeout,
  /// cancellation). llama-server answers 503 `{"error":{"message":"Loading model",…}}`
  /// while loading (server-http.cpp middleware) and 200 `{"status":"ok"}` when ready.
  /// Uses at most a 10 s overall limit, whatever `http` says, so polling never hangs.
  public func health() async -> Int? {
    var probe = http
    probe.timeoutSeconds = http.timeoutSeconds > 0 ? min(http.timeoutSeconds, 10) : 10
    return try? await probe.get(baseURL + "/health").status
  }

  /// GET /v1/models → `data[0].id` and `data[0].meta` (n_vocab, n_ctx_train, n_params,
  /// size in bytes; `get_res_model_info`, tools/server/server-context.cpp).
  public func modelMeta() async throws(HTTPClientError) -> ModelMeta {
    let url = baseURL + "/v1/models"
    let wire = try await getJSON(url, as: ModelsWire.self)
    guard let entry = wire.data.first, let meta = entry.meta else {
      throw .decoding(url: url, message: "no data[0].meta in the answer")
    }
    return ModelMeta(
      id: entry.id, nVocab: meta.n_vocab, nCtxTrain: meta.n_ctx_train, nParams: meta.n_params, sizeBytes: meta.size,
      nCtx: meta.n_ctx, nEmbd: meta.n_embd)
  }

  /// GET /props (`get_res_props`, tools/server/server-context.cpp): build_info,
  /// model_path, total_slots, default_generation_settings.n_ctx — all optional.
  public func props() async throws(HTTPClientError) -> ServerProps {
    try await getJSON(baseURL + "/props", as: ServerProps.self)
  }

  /// Streams POST /completion with a prompt given as token ids (exact prompt length for
  /// performance probes). Body: `prompt` (ids), `n_predict`, `stream` true,
  /// `cache_prompt`, `ignore_eos`, `seed`, `temperature`, `timings_per_token` false
  /// (names from tools/server/server-schema.cpp). `return_tokens` is not sent: stream
  /// chunks always carry their `tokens`; the flag only affects the non-streamed final
  /// answer. Throws `.status` for an HTTP error or an `error` object in the stream.
  public func streamCompletion(_ request: CompletionRequest) async throws(HTTPClientError) -> GenerationTrace {
    let body = CompletionWire(
      prompt: request.prompt, nPredict: request.maxTokens, cachePrompt: request.cachePrompt,
      ignoreEOS: request.ignoreEOS, seed: request.seed, temperature: request.temperature, stop: request.stop,
      topP: request.topP)
    return try await stream(baseURL + "/completion", body: body, flavor: .native)
  }

  /// Streams POST /v1/chat/completions (`messages`, `max_tokens`, `temperature`, `seed`,
  /// `stream` true, plus llama.cpp extras `cache_prompt` and `timings_per_token` false,
  /// which the OpenAI-compatible parser passes through). Collects `delta.content` into
  /// `text` and `delta.reasoning_content` into `reasoningText`.
  public func streamChat(_ request: ChatRequest) async throws(HTTPClientError) -> GenerationTrace {
    let body = ChatWire(
      messages: request.messages, maxTokens: request.maxTokens, temperature: request.temperature,
      seed: request.seed, cachePrompt: request.cachePrompt, topP: request.topP)
    return try await stream(baseURL + "/v1/chat/completions", body: body, flavor: .chat)
  }

  private func getJSON<T: Decodable>(_ url: String, as type: T.Type) async throws(HTTPClientError) -> T {
    let response = try await http.get(url)
    guard response.isSuccess else {
      throw .status(url: url, status: response.status, body: HTTPClientError.truncate(response.body))
    }
    do {
      return try JSONDecoder().decode(T.self, from: Data(response.body))
    } catch {
      throw .decoding(url: url, message: "\(error)")
    }
  }

  private func stream(_ url: String, body: some Encodable, flavor: StreamAccumulator.Flavor)
    async throws(HTTPClientError) -> GenerationTrace
  {
    let bytes: [UInt8]
    do {
      bytes = Array(try JSONEncoder().encode(body))
    } catch {
      throw .decoding(url: url, message: "could not encode the request: \(error)")
    }
    let box = LockedBox(StreamAccumulator(flavor: flavor))
    let summary = try await http.streamSSE(url, body: bytes) { event in
      box.withLock { $0.consume(event) }
    }
    let accumulated = box.withLock { $0 }
    if let error = accumulated.serverError {
      throw .status(url: url, status: error.status, body: String(error.message.prefix(500)))
    }
    if let message = accumulated.decodingError { throw .decoding(url: url, message: message) }
    var trace = accumulated.trace
    trace.requestStartNanos = summary.requestStartNanos
    return trace
  }
}

/// Body of POST /completion.
struct CompletionWire: Encodable {
  var prompt: CompletionRequest.Prompt
  var nPredict: Int
  var stream = true
  var cachePrompt: Bool
  var ignoreEOS: Bool
  var seed: UInt64
  var temperature: Double
  var stop: [String]
  /// Left out of the JSON when nil (synthesized `encodeIfPresent`), so the server's default stands.
  var topP: Double?
  var timingsPerToken = false

  enum CodingKeys: String, CodingKey {
    case prompt, stream, seed, temperature, stop
    case topP = "top_p"
    case nPredict = "n_predict"
    case cachePrompt = "cache_prompt"
    case ignoreEOS = "ignore_eos"
    case timingsPerToken = "timings_per_token"
  }
}

/// Body of POST /v1/chat/completions.
struct ChatWire: Encodable {
  var messages: [ChatMessage]
  var maxTokens: Int
  var temperature: Double
  var seed: UInt64
  var stream = true
  var cachePrompt: Bool
  var topP: Double?
  var timingsPerToken = false

  enum CodingKeys: String, CodingKey {
    case messages, temperature, seed, stream
    case topP = "top_p"
    case maxTokens = "max_tokens"
    case cachePrompt = "cache_prompt"
    case timingsPerToken = "timings_per_token"
  }
}

extension CompletionRequest.Prompt: Encodable {
  /// llama-server takes `prompt` as a JSON array of token ids or as a string.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    switch self {
    case .tokens(let ids): try container.encode(ids)
    case .text(let text): try container.encode(text)
    }
  }
}
