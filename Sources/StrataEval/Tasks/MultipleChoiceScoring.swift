import Foundation
import StrataClient
import StrataConfig

/// The prompts that ask one multiple-choice item.
public enum MultipleChoicePrompt {
  static let instruction = "Answer with the letter of the correct option only."

  /// The question with its lettered options, in OLMES's layout:
  /// "Question: …\n A. …\n B. …\nAnswer:", or the item's own `query` where its
  /// source lays the question out differently.
  public static func query(for item: MultipleChoiceItem) -> String {
    if let query = item.query { return query }
    let options = item.choices.map { " \($0.label). \($0.text)" }.joined(separator: "\n")
    return "Question: \(item.question)\n\(options)\nAnswer:"
  }

  /// Raw text for `/completion`: the query, after the item's worked examples when
  /// few-shot. For a converted OLMES item this is exactly OLMES's own context.
  public static func completionText(for item: MultipleChoiceItem, style: PromptStyle) -> String {
    switch style {
    case .zeroShot: query(for: item)
    case .fewShot: (item.fewshot ?? "") + query(for: item)
    }
  }

  /// A user message for chat models: the instruction, then the completion text.
  public static func messages(for item: MultipleChoiceItem, style: PromptStyle) -> [ChatMessage] {
    [ChatMessage(role: "user", content: "\(instruction)\n\n\(completionText(for: item, style: style))")]
  }
}

/// Finds the answer letter in a model's free-text reply.
///
/// Small models answer in many shapes: "B", "B.", "(B)", "B) Paris", "The answer
/// is B", "Answer: B", or the option's text without the letter. Tried in order of
/// confidence; a reply that names no option gives nil (scored wrong).
public enum AnswerExtractor {
  public static func letter(in reply: String, choices: [MultipleChoiceItem.Choice]) -> String? {
    let labels = Set(choices.map(\.label))
    let text = stripThinking(reply).trimmingCharacters(in: .whitespacesAndNewlines)
    guard !text.isEmpty else { return nil }

    // "the answer is (B)", "Answer: B", "correct option is B"
    for marker in ["answer is", "answer:", "option is", "choice is", "answer would be"] {
      if let range = text.range(of: marker, options: .caseInsensitive),
        let label = leadingLabel(in: text[range.upperBound...], labels: labels)
      {
        return label
      }
    }
    // The reply starts with the label: "B", "B.", "(B)", "B) text", "**B**".
    if let label = leadingLabel(in: text[...], labels: labels) { return label }
    // The reply repeats exactly one option's text.
    let lowered = text.lowercased()
    let matches = choices.filter { lowered.contains($0.text.lowercased()) && $0.text.count > 1 }
    if matches.count == 1 { return matches[0].label }
    // A lone label as a word anywhere: "I think C."
    let found = Set(standaloneLabels(in: text, labels: labels))
    return found.count == 1 ? found.first : nil
  }

  /// Labels that stand as words of their own, skipping the articles "A" and "I"
  /// when a lowercase word follows them ("A cat", "I think"; but "A or B" names two).
  static func standaloneLabels(in text: String, labels: Set<String>) -> [String] {
    let characters = Array(text)
    var result: [String] = []
    for (index, character) in characters.enumerated() where labels.contains(String(character)) {
      let before = index > 0 ? characters[index - 1] : " "
      let after = index + 1 < characters.count ? characters[index + 1] : " "
      guard !before.isLetter && !before.isNumber && !after.isLetter && !after.isNumber else { continue }
      if character == "A" || character == "I" {
        let rest = characters[(index + 1)...].drop(while: { $0 == " " })
        let nextWord = String(rest.prefix(while: { $0.isLetter }))
        if after == " ", nextWord.first?.isLowercase == true, !["or", "and"].contains(nextWord) { continue }
      }
      result.append(String(character))
    }
    return result
  }

  /// The label at the start of `text` once punctuation and markup are skipped,
  /// provided it stands alone (not the first letter of a word like "A cat").
  static func leadingLabel(in text: Substring, labels: Set<String>) -> String? {
    let trimmed = text.drop(while: { $0.isWhitespace || "([*_`'\"".contains($0) })
    guard let first = trimmed.first else { return nil }
    let label = String(first)
    guard labels.contains(label) else { return nil }
    let rest = trimmed.dropFirst()
    guard let next = rest.first else { return label }
    if next.isLetter || next.isNumber { return nil }
    // "A cat" would be prose; "A." "A)" "A:" "A\n" are answers. A space then a
    // lowercase word is prose only when the label is also a word ("A", "I").
    if next == " ", let after = rest.dropFirst().first, after.isLowercase, label == "A" || label == "I" {
      return nil
    }
    return label
  }

  /// The reply without the reasoning a thinking model wrote before answering; the
  /// rules (several blocks, an unclosed block, a block opened by the template) are
  /// `ThinkingSplit`'s, so letters and numbers are read from the same answer text.
  public static func stripThinking(_ text: String) -> String {
    ThinkingSplit(content: text).answer
  }
}

/// How one item scored.
public struct ItemScore: Sendable, Hashable {
  public var extracted: String?
  public var correct: Bool
}

extension MultipleChoiceItem {
  /// Scores a reply: correct when the extracted letter is the answer.
  public func score(reply: String) -> ItemScore {
    let extracted = AnswerExtractor.letter(in: reply, choices: choices)
    return ItemScore(extracted: extracted, correct: extracted == answer)
  }
}
