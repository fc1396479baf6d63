import Testing

@testable import StrataEval

@Suite("Numeric answers: extraction policy and tolerance")
struct NumericAnswerTests {
  typealias Source = NumericAnswer.Source

  /// Replies in the shapes small chat models give GSM8K questions, with the number
  /// the documented policy must read and the rule that reads it.
  @Test(
    "reads the final answer the way the documented policy says",
    arguments: [
      ("The total is $1,234.", "1234", Source.lastNumber),
      ("Natalia sold 48 + 24 = 72 clips.\n#### 1,000", "1000", .gsm8kMarker),
      ("#### -3", "-3", .gsm8kMarker),
      ("-3", "-3", .lastNumber),
      ("It costs 3.50 dollars", "3.5", .lastNumber),
      ("The price is $1,234.50 in total.", "1234.5", .lastNumber),
      ("She earns 18 dollars a day.", "18", .lastNumber),
      ("He walks 5 km", "5", .lastNumber),
      // A marker wins over numbers after it: the sentence that follows is not the answer.
      ("the answer is 12. Then 15 more", "12", .answerPhrase),
      ("Answer: 42", "42", .answerPhrase),
      ("**Final Answer:** $18", "18", .answerPhrase),
      ("So the answer is: -7.25.", "-7.25", .answerPhrase),
      // Models revise themselves: the last marker wins.
      ("The answer is 12. Wait, I forgot the tax. The answer is 15.", "15", .answerPhrase),
      (#"So she makes 9 * 2 = 18 dollars. \boxed{18}"#, "18", .boxed),
      ("Janet has 16 - 3 - 4 = 9 eggs and sells them for $2 each, 9 * 2 = $18", "18", .lastNumber),
      ("1,000,000 people", "1000000", .lastNumber),
      ("The temperature fell to −4 degrees", "-4", .lastNumber),
      ("pages 10-12", "12", .lastNumber),
      // A spaced minus is subtraction, never the sign of the next number (found by the lm-eval cross-check).
      ("So 232 - 54 - 23", "23", .lastNumber),
      ("It costs $ 5", "5", .lastNumber),
      ("The change is -3 dollars", "-3", .lastNumber),
      ("It grew by 50%.", "50", .lastNumber),
      ("The answer is 42.0", "42", .answerPhrase),
    ])
  func extracts(reply: String, canonical: String, source: Source) throws {
    let found = try #require(NumericAnswerExtractor.extract(from: reply))
    #expect(found.canonical == canonical)
    #expect(found.source == source)
  }

  @Test(
    "a reply with no number gives nil",
    arguments: ["I don't know.", "The answer is twelve.", "", "version v2 of x3"])
  func none(reply: String) {
    #expect(NumericAnswerExtractor.extract(from: reply) == nil)
  }

  @Test("keeps the text as written beside the value")
  func keepsText() throws {
    let found = try #require(NumericAnswerExtractor.extract(from: "The total is $1,234.50."))
    #expect(found.text == "$1,234.50")
    #expect(found.value == 1234.5)
  }

  @Test("numbers agree within a relative tolerance of 1e-6, and no closer than that")
  func tolerance() {
    #expect(NumericAnswerExtractor.agree(42.0, 42))
    #expect(NumericAnswerExtractor.agree(0.1 + 0.2, 0.3))
    #expect(NumericAnswerExtractor.agree(1_000_000, 1_000_000.5))  // 5e-7 relative
    #expect(!NumericAnswerExtractor.agree(1_000_000, 1_000_002))  // 2e-6 relative
    #expect(!NumericAnswerExtractor.agree(42, 43))
    #expect(NumericAnswerExtractor.agree(0, 0))
    #expect(!NumericAnswerExtractor.agree(0, 1e-9))
    #expect(!NumericAnswerExtractor.agree(.nan, .nan))
  }
}
