/// The parsed `models.yaml`: every model strata may load.
public struct ModelsFile: Sendable {
  public var models: [ModelSpec]

  /// Wraps `models` (names are expected to be unique).
  public init(models: [ModelSpec]) {
    self.models = models
  }

  /// The model called `name`, if any.
  public func model(named name: String) -> ModelSpec? {
    models.first { $0.name == name }
  }
}

/// One model entry of `models.yaml`.
public struct ModelSpec: Sendable, Hashable {
  public var name: String
  public var source: ModelSource
  /// Where the entry starts in `models.yaml`.
  public var location: SourceLocation
  /// A model that reasons before it answers (`<think>…</think>` or `reasoning_content`).
  public var thinking = false
  /// Tokens a thinking model may spend per item, thinking and answer together; nil: 2048.
  public var thinkingBudget: Int? = nil

  /// The default token budget of a thinking model: room to reason, then answer.
  public static let defaultThinkingBudget = 2048

  /// The generation cap for an item of a task capped at `taskMaxTokens`: a thinking
  /// model gets its budget on top of what the answer needs (at least), others the task's cap.
  public func generationBudget(taskMaxTokens: Int) -> Int {
    thinking ? max(taskMaxTokens, thinkingBudget ?? Self.defaultThinkingBudget) : taskMaxTokens
  }

  /// Creates a spec; `location` defaults to an unknown place in `models.yaml`.
  public init(name: String, source: ModelSource, location: SourceLocation = SourceLocation(file: "models.yaml")) {
    self.name = name
    self.source = source
    self.location = location
  }

  /// The quant tags this model offers (sorted), e.g. ["Q3_K_S", "Q4_1"]; empty for api models.
  public var quants: [String] {
    switch source {
    case .local(let files): return files.keys.sorted()
    case .huggingFace(_, let quantTags, _): return quantTags.sorted()
    case .api: return []
    }
  }
}

/// Where a model's weights (or its remote endpoint) come from.
public enum ModelSource: Sendable, Hashable {
  /// GGUF files on disk: quant tag → expanded absolute path (which need not exist yet).
  case local(files: [String: String])
  /// GGUF files in a Hugging Face repository, one per quant tag, at `revision` (nil: the default branch).
  case huggingFace(repoID: String, quantTags: [String], revision: String?)
  /// An OpenAI-compatible API; `apiKeyEnv` names the environment variable holding the key.
  case api(provider: String, baseURL: String, apiKeyEnv: String, model: String)
}

/// The path a Hugging Face quant has while it is not in the cache: `hf://owner/name@main/Q8_0`.
/// It never exists on disk, so whatever would open it says the quant is not pulled yet,
/// and a model keeps all its quants (so the matrix expands the same) whether or not each is pulled.
public enum NotPulled {
  static let scheme = "hf://"

  public static func path(repo: String, revision: String?, quant: String) -> String {
    "\(scheme)\(repo)@\(revision ?? "main")/\(quant)"
  }

  /// The repository (with `@revision`) of a not-pulled path; nil for a real path.
  public static func repository(of path: String) -> String? {
    guard path.hasPrefix(scheme) else { return nil }
    let rest = path.dropFirst(scheme.count)
    return rest.lastIndex(of: "/").map { String(rest[..<$0]) }
  }
}
