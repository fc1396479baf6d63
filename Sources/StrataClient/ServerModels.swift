/// llama-server's own per-request timings (milliseconds, tokens, tokens per second as the
/// server reports them).
///
/// Field names from `server_slot_stats::to_json()` in
/// tools/server/server-common.cpp; definitions from `server_slot_stats` in
/// tools/server/server-common.h:
/// - `prompt_ms` runs from slot start to the end of prompt processing;
/// - `predicted_ms` from the end of prompt processing to the last generated token, and
///   `predicted_per_second` = (predicted_n − 1) / predicted_ms — the first token is free
///   (it comes from the prompt's logits), so only n − 1 decode steps are counted;
/// - every per-token / per-second figure is 0 (never null) when its divisor is 0.
public struct ServerTimings: Sendable, Codable, Equatable {
  /// `cache_n`: prompt tokens reused from the KV cache (not processed again).
  public var cacheTokens: Int?
  /// `prompt_n`: prompt tokens actually processed.
  public var promptTokens: Int
  /// `prompt_ms`: prompt processing time, milliseconds.
  public var promptMs: Double
  /// `prompt_per_token_ms`: milliseconds per processed prompt token.
  public var promptPerTokenMs: Double?
  /// `prompt_per_second`: processed prompt tokens per second.
  public var promptPerSecond: Double
  /// `predicted_n`: generated tokens.
  public var predictedTokens: Int
  /// `predicted_ms`: generation time, milliseconds.
  public var predictedMs: Double
  /// `predicted_per_token_ms`: milliseconds per decode step.
  public var predictedPerTokenMs: Double?
  /// `predicted_per_second`: decode steps per second.
  public var predictedPerSecond: Double
  /// `draft_n`: drafted tokens (speculative decoding only; absent otherwise).
  public var draftTokens: Int?
  /// `draft_n_accepted`: accepted drafted tokens (speculative decoding only).
  public var draftAcceptedTokens: Int?

  /// Creates timings from their parts (for tests and stored figures).
  public init(
    cacheTokens: Int? = nil, promptTokens: Int, promptMs: Double, promptPerTokenMs: Double? = nil,
    promptPerSecond: Double, predictedTokens: Int, predictedMs: Double, predictedPerTokenMs: Double? = nil,
    predictedPerSecond: Double, draftTokens: Int? = nil, draftAcceptedTokens: Int? = nil
  ) {
    self.cacheTokens = cacheTokens
    self.promptTokens = promptTokens
    self.promptMs = promptMs
    self.promptPerTokenMs = promptPerTokenMs
    self.promptPerSecond = promptPerSecond
    self.predictedTokens = predictedTokens
    self.predictedMs = predictedMs
    self.predictedPerTokenMs = predictedPerTokenMs
    self.predictedPerSecond = predictedPerSecond
    self.draftTokens = draftTokens
    self.draftAcceptedTokens = draftAcceptedTokens
  }

  enum CodingKeys: String, CodingKey {
    case cacheTokens = "cache_n"
    case promptTokens = "prompt_n"
    case promptMs = "prompt_ms"
    case promptPerTokenMs = "prompt_per_token_ms"
    case promptPerSecond = "prompt_per_second"
    case predictedTokens = "predicted_n"
    case predictedMs = "predicted_ms"
    case predictedPerTokenMs = "predicted_per_token_ms"
    case predictedPerSecond = "predicted_per_second"
    case draftTokens = "draft_n"
    case draftAcceptedTokens = "draft_n_accepted"
  }
}

/// The model as GET /v1/models describes it: `data[0].id` and `data[0].meta`
/// (`get_res_model_info` in tools/server/server-context.cpp).
public struct ModelMeta: Sendable, Equatable {
  /// `data[0].id`: the model name (alias, or the file name).
  public var id: String
  /// `meta.n_vocab`: vocabulary size, tokens.
  public var nVocab: Int
  /// `meta.n_ctx_train`: context length the model was trained with, tokens.
  public var nCtxTrain: Int
  /// `meta.n_params`: parameter count.
  public var nParams: Int
  /// `meta.size`: total size of the model tensors, bytes.
  public var sizeBytes: Int
  /// `meta.n_ctx`: context size of one slot, tokens (absent on older servers).
  public var nCtx: Int?
  /// `meta.n_embd`: embedding width (absent on older servers).
  public var nEmbd: Int?

  /// Creates a description from its parts.
  public init(
    id: String, nVocab: Int, nCtxTrain: Int, nParams: Int, sizeBytes: Int, nCtx: Int? = nil, nEmbd: Int? = nil
  ) {
    self.id = id
    self.nVocab = nVocab
    self.nCtxTrain = nCtxTrain
    self.nParams = nParams
    self.sizeBytes = sizeBytes
    self.nCtx = nCtx
    self.nEmbd = nEmbd
  }
}

/// Wire shape of GET /v1/models (only the fields strata reads).
struct ModelsWire: Decodable {
  struct Entry: Decodable {
    var id: String
    var meta: Meta?
  }
  struct Meta: Decodable {
    var n_vocab: Int
    var n_ctx_train: Int
    var n_params: Int
    var size: Int
    var n_ctx: Int?
    var n_embd: Int?
  }
  var data: [Entry]
}

/// Server facts from GET /props (`get_res_props` in tools/server/server-context.cpp).
/// Every field is optional: older or differently built servers omit some.
public struct ServerProps: Sendable, Equatable, Decodable {
  /// `build_info`: "b<build number>-<commit>" (common/build-info.cpp.in), e.g. "b11434-1a2b3c4d".
  public var buildInfo: String?
  /// `model_path`: the GGUF path the server was started with.
  public var modelPath: String?
  /// `model_alias`: the name the server reports for the model.
  public var modelAlias: String?
  /// `total_slots`: parallel slots (`-np`).
  public var totalSlots: Int?
  /// `default_generation_settings.n_ctx`: context size of one slot, tokens.
  public var nCtx: Int?

  /// Creates props from their parts.
  public init(
    buildInfo: String? = nil, modelPath: String? = nil, modelAlias: String? = nil, totalSlots: Int? = nil,
    nCtx: Int? = nil
  ) {
    self.buildInfo = buildInfo
    self.modelPath = modelPath
    self.modelAlias = modelAlias
    self.totalSlots = totalSlots
    self.nCtx = nCtx
  }

  private enum CodingKeys: String, CodingKey {
    case buildInfo = "build_info"
    case modelPath = "model_path"
    case modelAlias = "model_alias"
    case totalSlots = "total_slots"
    case settings = "default_generation_settings"
  }
  private enum SettingsKeys: String, CodingKey { case nCtx = "n_ctx" }

  /// Decodes leniently: a field of an unexpected type reads as absent.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    buildInfo = try? container.decodeIfPresent(String.self, forKey: .buildInfo)
    modelPath = try? container.decodeIfPresent(String.self, forKey: .modelPath)
    modelAlias = try? container.decodeIfPresent(String.self, forKey: .modelAlias)
    totalSlots = try? container.decodeIfPresent(Int.self, forKey: .totalSlots)
    let settings = try? container.nestedContainer(keyedBy: SettingsKeys.self, forKey: .settings)
    nCtx = try? settings?.decodeIfPresent(Int.self, forKey: .nCtx)
  }
}
