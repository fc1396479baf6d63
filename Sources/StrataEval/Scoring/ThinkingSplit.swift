/// A model reply split into the reasoning a thinking model wrote and the answer it gave.
///
/// Thinking models (Qwen3, DeepSeek-R1, …) write their reasoning between
/// `<think>` and `</think>` before the answer. llama-server either leaves those
/// tags in `content` or, with a reasoning parser (`--reasoning-format`), moves the
/// reasoning into `reasoning_content`. Scoring looks at `answer` only: numbers and
/// letters inside the reasoning are drafts, not answers.
///
/// Rules, in the order a reply is read:
/// - every `<think>…</think>` block is thinking; the text around the blocks is the answer;
/// - an unclosed `<think>` makes everything after it thinking (the model ran out of
///   tokens mid-thought, so there is no answer);
/// - a `</think>` with no opener makes everything before it thinking: chat templates
///   that put `<think>` into the prompt make the reply start mid-thought;
/// - `reasoning_content`, when the server sends it, comes first in `thinking`.
/// Both parts are trimmed of surrounding whitespace; several thinking blocks are
/// joined with a blank line.
public struct ThinkingSplit: Sendable, Hashable {
  public var thinking: String
  public var answer: String

  static let open = "<think>"
  static let close = "</think>"

  /// Splits `content` (a reply's text) and folds in `reasoningContent` when the
  /// server sent the reasoning separately.
  public init(content: String, reasoningContent: String? = nil) {
    var thoughts: [Substring] = []
    var answers: [Substring] = []
    var rest = content[...]

    // A reply that starts mid-thought: a closing tag before any opening one.
    if let close = rest.range(of: Self.close),
      rest.range(of: Self.open).map({ $0.lowerBound > close.lowerBound }) ?? true
    {
      thoughts.append(rest[..<close.lowerBound])
      rest = rest[close.upperBound...]
    }
    while let open = rest.range(of: Self.open) {
      answers.append(rest[..<open.lowerBound])
      let inside = rest[open.upperBound...]
      guard let close = inside.range(of: Self.close) else {
        thoughts.append(inside)
        rest = rest[rest.endIndex...]
        break
      }
      thoughts.append(inside[..<close.lowerBound])
      rest = inside[close.upperBound...]
    }
    answers.append(rest)

    let reasoning = (reasoningContent ?? "").trimmingWhitespace()
    let inline = thoughts.map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
    thinking = ([reasoning].filter { !$0.isEmpty } + inline).joined(separator: "\n\n")
    answer = answers.joined().trimmingWhitespace()
  }

  /// Whether the reply carried any reasoning.
  public var hasThinking: Bool { !thinking.isEmpty }
}

extension StringProtocol {
  /// The text without leading and trailing whitespace and newlines.
  func trimmingWhitespace() -> String {
    guard let first = firstIndex(where: { !$0.isWhitespace }),
      let last = lastIndex(where: { !$0.isWhitespace })
    else { return "" }
    return String(self[first...last])
  }
}
