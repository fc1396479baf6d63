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

  /// The largest item file read (256 MiB): the biggest benchmark converted here
  /// is a few MiB; a file past this is a wrong path, not a task.
  public static let maxItemFileBytes = 256 << 20

  /// Items of one kind from the file at `path`.
  public static func load<Item: TaskItem>(_ type: Item.Type, path: String) throws(TaskDataError) -> [Item] {
    let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    guard size <= maxItemFileBytes else { throw .tooLarge(path: path, bytes: size, limit: maxItemFileBytes) }
    guard let data = FileManager.default.contents(atPath: path) else {
      throw .missing(path: path)
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw .malformed(path: path, line: 1, message: "the file is not UTF-8 text")
    }
    return try parse(type, text, path: path)
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
  case tooLarge(path: String, bytes: Int, limit: Int)

  public var description: String {
    switch self {
    case .missing(let path):
      "\(path): task items not found\n  hint: run scripts/setup (it fetches the benchmark items), or fix `items:` in the task file"
    case .tooLarge(let path, let bytes, let limit):
      "\(path): the item file is \(bytes) bytes, over the limit of \(limit) bytes (256 MiB)\n  hint: check `items:` in the task file"
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
