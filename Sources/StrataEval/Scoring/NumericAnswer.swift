import Foundation

/// A number found in a model's reply, with where it came from.
public struct NumericAnswer: Sendable, Hashable {
  /// Which rule found the number; earlier cases win over later ones.
  public enum Source: String, Sendable, Hashable, Codable {
    /// GSM8K's own answer line, `#### 42`.
    case gsm8kMarker
    /// LaTeX `\boxed{42}`, the convention of math-tuned models.
    case boxed
    /// "The answer is 42", "Answer: 42", "Final answer: 42".
    case answerPhrase
    /// No marker: the last number in the reply.
    case lastNumber
  }

  public var value: Double
  /// The number as the model wrote it, e.g. "$1,234.50".
  public var text: String
  public var source: Source

  /// The value without separators, currency or trailing zeros: "1234.5", "42", "-3".
  public var canonical: String { NumericAnswer.canonical(value) }

  static func canonical(_ value: Double) -> String {
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    return String(value)
  }
}

/// Finds the final numeric answer in free text and compares numbers.
///
/// Policy (GSM8K-style tasks), first rule that finds a number wins:
/// 1. the number after the last `####` — lm-evaluation-harness `gsm8k.yaml`
///    ("get-answer" filter, `#### (\-?[0-9\.\,]+)`), the format of GSM8K's own solutions;
/// 2. the number in the last `\boxed{…}`;
/// 3. the number right after the last "answer is" / "answer:" / "final answer:" —
///    lm-eval `gsm8k-cot.yaml` "strict-match" (`The answer is (\-?[0-9\.\,]+).`), which
///    is also the sentence OLMES's 8-shot CoT examples end with;
/// 4. otherwise the last number in the text — lm-eval "flexible-extract" (`group_select: -1`)
///    and the OLMES-style "numeric-fallback" in lm-eval's `gsm8k-olmes-cot.yaml`
///    (`\$?[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?` with `group_select: -1`).
///
/// Where several markers of one rule occur, the last wins, because models revise
/// ("… wait, the answer is 15") and stop sequences already cut run-on questions;
/// lm-eval's strict-match takes the first, which differs only for such replies.
/// A marker beats any number after it: "The answer is 12. Then 15 more" gives 12.
///
/// A number: an optional sign (`-`, `+`, `−`), an optional currency sign (`$ € £ ¥`),
/// digits with optional comma thousands separators ("1,234"), and an optional
/// decimal part. Units after it ("18 dollars", "5 km", "50%") are ignored; a trailing
/// sentence full stop is not a decimal point. A hyphen between two numbers
/// ("10-12") is a range, not a sign, and a sign is never separated from its digits
/// ("232 - 54 - 23" ends in 23, not −23; only a currency sign may have a space after
/// it, "$ 5"). Not understood: words ("twelve"), fractions
/// ("3/4" reads as 3 and 4), scientific notation, and decimal commas ("3,5").
public enum NumericAnswerExtractor {
  /// One number; group 1 is all of it. Not glued to a preceding letter, digit or
  /// point, so "v2", "x3" and the middle of "1.2.3" are not numbers.
  static let number =
    #"(?<![\p{L}\p{N}_.])([-+−]?(?:[$€£¥]\s?)?[-+−]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+))(?!\d)"#

  static let rules: [(NumericAnswer.Source, NSRegularExpression)] = [
    (.gsm8kMarker, compile(#"####[\s*:]*"# + number)),
    (.boxed, compile(#"\\boxed\{[^0-9.}+\-−]*"# + number + #"[^}]*\}"#)),
    (.answerPhrase, compile(#"(?i)\banswer(?:\s+is|\s*[:=])[\s*:=_`(\[]*(?:is[\s*:]*)?"# + number)),
    (.lastNumber, compile(number)),
  ]

  /// The reply's final numeric answer, or nil when it holds no number.
  public static func extract(from text: String) -> NumericAnswer? {
    let whole = NSRange(text.startIndex..., in: text)
    for (source, regex) in rules {
      guard let match = regex.matches(in: text, range: whole).last,
        let range = Range(match.range(at: 1), in: text),
        let value = value(of: text[range])
      else { continue }
      return NumericAnswer(value: value, text: String(text[range]), source: source)
    }
    return nil
  }

  /// The value of one number token: separators, currency and spaces dropped, the
  /// Unicode minus read as a minus.
  static func value(of token: Substring) -> Double? {
    var digits = ""
    for character in token {
      switch character {
      case "0"..."9", ".": digits.append(character)
      case "-", "−": digits.insert("-", at: digits.startIndex)
      default: continue
      }
    }
    return Double(digits)
  }

  /// Whether two numbers agree within a relative tolerance of the larger magnitude:
  /// "42.0" == "42", 0.1 + 0.2 == 0.3. There is no absolute floor, so 0 equals
  /// only 0 — task answers are integers or cents, never values near zero.
  public static func agree(_ a: Double, _ b: Double, relativeTolerance: Double = 1e-6) -> Bool {
    guard a.isFinite, b.isFinite else { return false }
    return abs(a - b) <= relativeTolerance * max(abs(a), abs(b))
  }

  /// Patterns here are literals checked by the tests; a typo must fail loudly at
  /// first use rather than make every reply unscorable.
  private static func compile(_ pattern: String) -> NSRegularExpression {
    do {
      return try NSRegularExpression(pattern: pattern)
    } catch {
      preconditionFailure("built-in pattern does not compile: \(pattern): \(error)")
    }
  }
}
