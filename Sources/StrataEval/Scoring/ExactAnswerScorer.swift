import Foundation

/// How an exact-answer task decides whether a reply is right.
///
/// This is the task-file form (plain values, Codable); `ExactAnswerScorer`
/// compiles it once per task so a bad pattern or schema fails before any item runs.
public enum ScoringKind: Sendable, Hashable, Codable {
  /// The final number (see `NumericAnswerExtractor`) equals the expected number
  /// within a relative tolerance of 1e-6.
  case numeric
  /// SQuAD-normalised reply equals the normalised expected text.
  case normalizedText
  /// A task-given regular expression extracts the answer (group 1 if it has groups),
  /// compared with the expected text after SQuAD normalisation. Without an expected
  /// answer, a match alone is correct (a format-following check).
  case regex(pattern: String)
  /// The reply's JSON (whole, fenced or embedded) is valid against the schema.
  /// No expected answer is used.
  case jsonSchema(schema: JSONValue)
}

/// How one reply scored.
public struct ExactAnswerScore: Sendable, Hashable, Codable {
  /// The answer as read from the reply (a canonical number, the regex capture, the
  /// JSON text); nil when the reply held none.
  public var extracted: String?
  public var correct: Bool
  /// A short, human-readable account of the decision, kept with the item's result
  /// so a surprising score can be checked without rerunning.
  public var detail: String

  public init(extracted: String?, correct: Bool, detail: String) {
    self.extracted = extracted
    self.correct = correct
    self.detail = detail
  }
}

/// A problem with the task definition, not with the model's reply (a reply that
/// cannot be read is simply scored wrong).
public enum ScoringError: Error, Sendable, Hashable, CustomStringConvertible {
  case invalidPattern(String, reason: String)
  case missingExpectedAnswer(kind: String)
  case expectedAnswerNotANumber(String)
  case invalidSchema(path: String, reason: String)
  case unsupportedSchemaKeyword(String, path: String)

  public var description: String {
    switch self {
    case .invalidPattern(let pattern, let reason):
      "the answer pattern \(pattern) does not compile: \(reason)\n  hint: patterns use ICU syntax (like Python's re)"
    case .missingExpectedAnswer(let kind):
      "a \(kind) task item has no expected answer\n  hint: give each item an `answer`"
    case .expectedAnswerNotANumber(let expected):
      "the expected answer \"\(expected)\" holds no number\n  hint: numeric tasks need answers like 42, -3.5 or 1,234"
    case .invalidSchema(let path, let reason):
      "JSON schema at \(path): \(reason)"
    case .unsupportedSchemaKeyword(let keyword, let path):
      "JSON schema at \(path): the keyword \"\(keyword)\" is not supported, and ignoring it would pass replies it forbids"
        + "\n  hint: use only \(JSONSchema.validationKeywords.sorted().joined(separator: ", "))"
        + " (and the annotations \(JSONSchema.annotationKeywords.sorted().joined(separator: ", ")))"
    }
  }
}

/// Scores exact-answer replies for one task: the one entry point over the
/// numeric, normalised-text, regex and JSON-schema kinds.
///
/// The reply is first split with `ThinkingSplit`; only the answer part is scored,
/// so a number in the reasoning never counts.
public struct ExactAnswerScorer: Sendable {
  enum Compiled: Sendable {
    case numeric
    case normalizedText
    case pattern(AnswerPattern)
    case schema(JSONSchema)
  }

  public let kind: ScoringKind
  let compiled: Compiled

  public init(_ kind: ScoringKind) throws(ScoringError) {
    self.kind = kind
    switch kind {
    case .numeric: compiled = .numeric
    case .normalizedText: compiled = .normalizedText
    case .regex(let pattern): compiled = .pattern(try AnswerPattern(pattern))
    case .jsonSchema(let schema): compiled = .schema(try JSONSchema(schema))
    }
  }

  /// Scores a reply given as llama-server returns it: `content`, and
  /// `reasoning_content` when a reasoning parser split the thinking off.
  public func score(content: String, reasoningContent: String? = nil, expected: String?) throws(ScoringError)
    -> ExactAnswerScore
  {
    let split = ThinkingSplit(content: content, reasoningContent: reasoningContent)
    if split.answer.isEmpty {
      let why = split.hasThinking ? "no answer after the thinking (unclosed <think> or empty)" : "empty reply"
      // A task error still surfaces for an empty reply: it would fail every item.
      try checkExpected(expected)
      return ExactAnswerScore(extracted: nil, correct: false, detail: why)
    }
    return try score(answer: split.answer, expected: expected)
  }

  /// Scores answer text that has no thinking in it.
  public func score(answer: String, expected: String?) throws(ScoringError) -> ExactAnswerScore {
    switch compiled {
    case .numeric: try scoreNumber(answer, expected: expected)
    case .normalizedText: try scoreText(answer, expected: expected)
    case .pattern(let pattern): scorePattern(pattern, answer, expected: expected)
    case .schema(let schema): scoreJSON(schema, answer)
    }
  }

  func checkExpected(_ expected: String?) throws(ScoringError) {
    switch compiled {
    case .numeric: _ = try expectedNumber(expected)
    case .normalizedText: _ = try expectedText(expected)
    case .pattern, .schema: break
    }
  }

  func expectedNumber(_ expected: String?) throws(ScoringError) -> Double {
    let text = try expectedText(expected)
    guard let number = NumericAnswerExtractor.extract(from: text) else { throw .expectedAnswerNotANumber(text) }
    return number.value
  }

  func expectedText(_ expected: String?) throws(ScoringError) -> String {
    guard let expected else { throw .missingExpectedAnswer(kind: kindName) }
    return expected
  }

  var kindName: String {
    switch kind {
    case .numeric: "numeric"
    case .normalizedText: "normalized-text"
    case .regex: "regex"
    case .jsonSchema: "json-schema"
    }
  }

  func scoreNumber(_ answer: String, expected: String?) throws(ScoringError) -> ExactAnswerScore {
    let target = try expectedNumber(expected)
    let shown = NumericAnswer.canonical(target)
    guard let found = NumericAnswerExtractor.extract(from: answer) else {
      return ExactAnswerScore(extracted: nil, correct: false, detail: "no number in the answer; expected \(shown)")
    }
    let correct = NumericAnswerExtractor.agree(found.value, target)
    return ExactAnswerScore(
      extracted: found.canonical, correct: correct,
      detail: "\(found.source.rawValue) \"\(found.text)\" = \(found.canonical); expected \(shown)")
  }

  func scoreText(_ answer: String, expected: String?) throws(ScoringError) -> ExactAnswerScore {
    let target = AnswerNormalizer.normalize(try expectedText(expected))
    let normalized = AnswerNormalizer.normalize(answer)
    return ExactAnswerScore(
      extracted: normalized, correct: normalized == target,
      detail: "normalized \"\(normalized)\"; expected \"\(target)\"")
  }

  func scorePattern(_ pattern: AnswerPattern, _ answer: String, expected: String?) -> ExactAnswerScore {
    guard let extracted = pattern.extract(from: answer) else {
      return ExactAnswerScore(extracted: nil, correct: false, detail: "the pattern \(pattern.pattern) did not match")
    }
    guard let expected else {
      return ExactAnswerScore(extracted: extracted, correct: true, detail: "the pattern matched; no expected answer")
    }
    let correct = AnswerNormalizer.matches(extracted, expected: expected)
    return ExactAnswerScore(
      extracted: extracted, correct: correct,
      detail: "matched \"\(extracted)\"; expected \"\(expected)\" (compared after normalisation)")
  }

  func scoreJSON(_ schema: JSONSchema, _ answer: String) -> ExactAnswerScore {
    guard let found = JSONLocator.firstJSON(in: answer) else {
      return ExactAnswerScore(extracted: nil, correct: false, detail: "no JSON object or array in the answer")
    }
    let violations = schema.violations(of: found.value)
    let detail =
      violations.isEmpty
      ? "valid JSON (\(found.place.rawValue))"
      : violations.prefix(5).map(\.description).joined(separator: "; ")
        + (violations.count > 5 ? "; and \(violations.count - 5) more" : "")
    return ExactAnswerScore(extracted: found.text, correct: violations.isEmpty, detail: detail)
  }
}
