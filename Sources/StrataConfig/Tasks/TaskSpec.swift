/// What kind of evaluation a task is; it decides the item format and how replies score.
public enum TaskKind: String, Sendable, Hashable, CaseIterable {
  /// Lettered options, one correct (ARC, MedMCQA, …).
  case multipleChoice = "multiple_choice"
  /// A reply whose final answer is compared with the expected one (GSM8K).
  case exactAnswer = "exact_answer"
  /// A program that must pass the item's tests (MBPP, HumanEval).
  case code

  /// The generation cap when the task file names none: a letter needs a few
  /// tokens, a worked solution a few hundred, a function more.
  public var defaultMaxTokens: Int {
    switch self {
    case .multipleChoice: 8
    case .exactAnswer: 256
    case .code: 512
    }
  }
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

/// How a multiple-choice item is answered.
public enum ChoiceMethod: String, Sendable, Hashable, CaseIterable {
  /// The model writes a reply; the letter is found in it.
  case generative
  /// The letter whose token the model finds most likely after the prompt wins.
  case letterLikelihood = "letter_likelihood"
  /// The choice whose full text is the most likely continuation wins (OLMES's rc
  /// form, scored with llama-perplexity); needs items with `continuations`.
  case continuationLikelihood = "continuation_likelihood"
}

/// How an exact-answer reply is compared with the expected answer.
public enum AnswerScoring: Sendable, Hashable {
  /// The last number in the reply equals the answer numerically ("1,000" = "1000.0").
  case numeric
  /// Case, surrounding whitespace and punctuation, and articles are ignored.
  case normalized
  /// The pattern's first capture group (or whole match), normalized, equals the answer.
  case regex(pattern: String)
  /// The reply is JSON valid against the schema file at this absolute path.
  case jsonSchema(path: String)

  /// The word used in task files.
  public var name: String {
    switch self {
    case .numeric: "numeric"
    case .normalized: "normalized"
    case .regex: "regex"
    case .jsonSchema: "json_schema"
    }
  }
}

/// One `tasks/<name>.yaml`: an evaluation data set and how to run it.
public struct TaskSpec: Sendable, Hashable {
  public var name: String
  public var kind: TaskKind
  /// Expanded absolute path of the JSONL item file (need not exist at parse time).
  public var items: String
  public var prompt: PromptStyle
  public var format: TaskFormat
  /// Generation cap per item, 1...4096; defaults to the kind's `defaultMaxTokens`.
  public var maxTokens: Int
  /// Default number of items to run, at least 1.
  public var limit: Int
  /// Seed for the deterministic choice of items.
  public var seed: UInt64
  /// Multiple choice: the ways each item is answered, in order, without repeats.
  public var methods: [ChoiceMethod]
  /// Exact answer: how a reply is compared with the answer; nil for other kinds.
  public var scoring: AnswerScoring?
  /// Whether items are chosen in proportion to their categories (and reported per category).
  public var categories: Bool
  /// Texts that end a generation; nil leaves the runner's default for the kind.
  public var stop: [String]?
  /// Where the task file starts.
  public var location: SourceLocation

  /// Creates a spec with the file format's defaults.
  public init(
    name: String, kind: TaskKind = .multipleChoice, items: String, prompt: PromptStyle = .zeroShot,
    format: TaskFormat = .chat, maxTokens: Int? = nil, limit: Int = 20, seed: UInt64 = 1,
    methods: [ChoiceMethod] = [.generative], scoring: AnswerScoring? = nil, categories: Bool = false,
    stop: [String]? = nil, location: SourceLocation? = nil
  ) {
    self.name = name
    self.kind = kind
    self.items = items
    self.prompt = prompt
    self.format = format
    self.maxTokens = maxTokens ?? kind.defaultMaxTokens
    self.limit = limit
    self.seed = seed
    self.methods = methods
    self.scoring = scoring ?? (kind == .exactAnswer ? .numeric : nil)
    self.categories = categories
    self.stop = stop
    self.location = location ?? SourceLocation(file: "tasks/\(name).yaml")
  }
}
