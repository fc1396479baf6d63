/// What kind of evaluation a task is.
public enum TaskKind: String, Sendable, Hashable {
  case multipleChoice = "multiple_choice"
}

/// How questions are put to the model.
public enum PromptStyle: String, Sendable, Hashable {
  case zeroShot = "zero_shot"
  case fewShot = "few_shot"
}

/// Which server route a task's prompt goes through.
public enum TaskFormat: String, Sendable, Hashable {
  /// A user message through the model's chat template (`/v1/chat/completions`).
  case chat
  /// Raw text that the model continues (`/completion`): works for base models,
  /// which have no chat template, and is how OLMES asks few-shot questions.
  case completion
}

/// One `tasks/<name>.yaml`: an evaluation data set and how to run it.
public struct TaskSpec: Sendable, Hashable {
  public var name: String
  public var kind: TaskKind
  /// Expanded absolute path of the JSONL item file (need not exist at parse time).
  public var items: String
  public var prompt: PromptStyle
  public var format: TaskFormat
  /// Generation cap per item, 1...4096.
  public var maxTokens: Int
  /// Default number of items to run, at least 1.
  public var limit: Int
  /// Seed for the deterministic choice of items.
  public var seed: UInt64
  /// Where the task file starts.
  public var location: SourceLocation

  /// Creates a spec with the file format's defaults.
  public init(
    name: String, kind: TaskKind = .multipleChoice, items: String, prompt: PromptStyle = .zeroShot,
    format: TaskFormat = .chat, maxTokens: Int = 8, limit: Int = 20, seed: UInt64 = 1, location: SourceLocation? = nil
  ) {
    self.name = name
    self.kind = kind
    self.items = items
    self.prompt = prompt
    self.format = format
    self.maxTokens = maxTokens
    self.limit = limit
    self.seed = seed
    self.location = location ?? SourceLocation(file: "tasks/\(name).yaml")
  }
}
