import Foundation

/// SQuAD's answer normalisation, for short free-text answers ("Paris", "the Nile").
///
/// Follows `normalize_answer` of the official SQuAD v1.1 evaluation script (also
/// used by lm-eval's SQuAD and DROP tasks and by OLMES): lowercase, remove
/// punctuation, remove the articles "a", "an", "the" as whole words, and collapse
/// runs of whitespace to one space. SQuAD removes ASCII punctuation only; this also
/// removes Unicode punctuation, so curly quotes and the en dash a chat model writes
/// do not decide an answer.
public enum AnswerNormalizer {
  public static func normalize(_ text: String) -> String {
    let lowered = text.lowercased()
    let unpunctuated = String(
      String.UnicodeScalarView(lowered.unicodeScalars.filter { !isPunctuation($0) }))
    let words = unpunctuated.split(whereSeparator: { $0.isWhitespace })
    return words.filter { !articles.contains($0) }.joined(separator: " ")
  }

  static let articles: Set<Substring> = ["a", "an", "the"]

  /// Python's `string.punctuation` plus Unicode punctuation (categories P*).
  static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
    if scalar.isASCII { return asciiPunctuation.contains(scalar) }
    return CharacterSet.punctuationCharacters.contains(scalar)
  }

  static let asciiPunctuation = Set(##"!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~"##.unicodeScalars)

  /// Whether a reply states the expected answer, after normalising both.
  public static func matches(_ reply: String, expected: String) -> Bool {
    normalize(reply) == normalize(expected)
  }
}

/// A task-given regular expression that pulls the answer out of a reply.
///
/// ICU syntax (`NSRegularExpression`), close to the Python `re` patterns of
/// lm-eval task files: lookbehind, `\d`, `(?i)` and named groups work. The first
/// match in the reply counts. With a capture group, group 1 is the answer (like
/// lm-eval's regex filter); without one, the whole match is.
public struct AnswerPattern: Sendable {
  public let pattern: String
  let regex: NSRegularExpression

  public init(_ pattern: String) throws(ScoringError) {
    do {
      regex = try NSRegularExpression(pattern: pattern)
    } catch {
      throw .invalidPattern(pattern, reason: "\(error)")
    }
    self.pattern = pattern
  }

  /// The extracted answer, or nil when the pattern does not match (or its group 1
  /// took no part in the match).
  public func extract(from text: String) -> String? {
    guard let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) else {
      return nil
    }
    let group = regex.numberOfCaptureGroups > 0 ? 1 : 0
    guard let range = Range(match.range(at: group), in: text) else { return nil }
    return String(text[range])
  }
}
