import Foundation
import StrataConfig

/// Reads task items from JSONL, with errors that name the line.
///
/// The same format serves converted benchmarks and a user's own items: one JSON
/// object per line with the fields of the task's kind; blank lines are skipped.
public enum TaskItemLoader {
  /// Multiple-choice items, the kind every task had before there were others.
  public static func load(path: String) throws(TaskDataError) -> [MultipleChoiceItem] {
    try load(MultipleChoiceItem.self, path: path)
  }

  public static func parse(_ text: String, path: String) throws(TaskDataError) -> [MultipleChoiceItem] {
    try parse(MultipleChoiceItem.self, text, path: path)
  }

  /// Items of one kind from the file at `path`.
  public static func load<Item: TaskItem>(_ type: Item.Type, path: String) throws(TaskDataError) -> [Item] {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw .missing(path: path)
    }
    return try parse(type, String(decoding: data, as: UTF8.self), path: path)
  }

  /// Items of one kind from JSONL text; `path` only names the source in errors.
  public static func parse<Item: TaskItem>(
    _ type: Item.Type, _ text: String, path: String
  ) throws(TaskDataError) -> [Item] {
    let decoder = JSONDecoder()
    var items: [Item] = []
    var firstLine: [String: Int] = [:]
    for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
      if trimmed.isEmpty { continue }
      let number = index + 1
      let item: Item
      do {
        item = try decoder.decode(Item.self, from: Data(trimmed.utf8))
      } catch {
        throw .malformed(path: path, line: number, message: describe(error))
      }
      if let problem = item.problem() {
        throw .malformed(path: path, line: number, message: problem)
      }
      if let first = firstLine[item.id] {
        throw .malformed(path: path, line: number, message: "duplicate id '\(item.id)'; first used at line \(first)")
      }
      firstLine[item.id] = number
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
    case DecodingError.dataCorrupted(let context) where !context.codingPath.isEmpty:
      "invalid value at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
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
      """
      \(path):\(line): error: \(message)
        hint: each line is one JSON object with the fields of the task's kind: multiple_choice \
      {"id", "question", "choices": [{"label", "text"}], "answer"}; exact_answer {"id", "question", "answer"}; \
      code {"id", "prompt", "tests"}
      """
    }
  }
}
