import Foundation
import StrataConfig

/// One exact-answer question (GSM8K) in strata's task format, one JSON object per line:
/// `{"id", "category"?, "question", "answer", "fewshot"?, "solution"?}`.
public struct ExactAnswerItem: Sendable, Hashable, Codable {
  public var id: String
  public var category: String?
  public var question: String
  /// The expected final answer as text; for numeric scoring a number without
  /// thousands separators ("1450000").
  public var answer: String
  /// Worked examples that precede "Question: …\nAnswer:" in the few-shot prompt.
  public var fewshot: String?
  /// A worked solution in the examples' style, ending "So the answer is N.".
  public var solution: String?

  public init(
    id: String, category: String? = nil, question: String, answer: String, fewshot: String? = nil,
    solution: String? = nil
  ) {
    self.id = id
    self.category = category
    self.question = question
    self.answer = answer
    self.fewshot = fewshot
    self.solution = solution
  }
}

extension ExactAnswerItem: TaskItem {
  public static let kind = TaskKind.exactAnswer

  public func problem() -> String? {
    answer.trimmingCharacters(in: .whitespaces).isEmpty ? "answer is empty" : nil
  }
}
