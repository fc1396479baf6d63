import StrataConfig

/// What every kind of task item has: an id, an optional category, and its own checks.
///
/// Items are read from JSONL, one object per line; `TaskItemLoader` decodes them and
/// reports the first problem with its line number.
public protocol TaskItem: Sendable, Hashable, Codable {
  /// The kind of task whose items have this format.
  static var kind: TaskKind { get }
  /// Unique within a file; selection orders by it.
  var id: String { get }
  /// A subject or source that results are broken down by; nil when the data has none.
  var category: String? { get }
  /// What is wrong with a decoded item, in words for an error message; nil when it is usable.
  func problem() -> String?
}
