import Testing

@testable import StrataEval

@Suite("Normalised text and regex answers")
struct TextAnswerTests {
  @Test(
    "SQuAD normalisation: case, punctuation, articles and whitespace",
    arguments: [
      ("The Eiffel Tower.", "eiffel tower"),
      ("  an   apple  ", "apple"),
      ("“Paris”!", "paris"),
      ("Theory of a thing", "theory of thing"),  // "a" goes, "Theory" stays
      ("U.S.A.", "usa"),
      ("A", ""),
    ])
  func normalize(text: String, expected: String) {
    #expect(AnswerNormalizer.normalize(text) == expected)
  }

  @Test("normalised-text scoring compares both sides after normalisation")
  func normalizedScoring() throws {
    let scorer = try ExactAnswerScorer(.normalizedText)
    #expect(try scorer.score(answer: "The Nile.", expected: "nile").correct)
    #expect(try scorer.score(content: "<think>Amazon? No.</think> the nile", expected: "Nile").correct)
    let wrong = try scorer.score(answer: "The Amazon", expected: "the Nile")
    #expect(!wrong.correct && wrong.extracted == "amazon")
  }

  @Test("a regex with a group extracts group 1; without one, the whole match")
  func regexExtraction() throws {
    let grouped = try AnswerPattern(#"(?i)final answer:\s*\(?([A-D])\)?"#)
    #expect(grouped.extract(from: "Reasoning...\nFinal answer: (C)") == "C")
    let whole = try AnswerPattern(#"\d{4}-\d{2}-\d{2}"#)
    #expect(whole.extract(from: "It happened on 1969-07-20, a Sunday.") == "1969-07-20")
    #expect(whole.extract(from: "no date here") == nil)
  }

  @Test("regex scoring compares the extraction with the expected answer; without one a match is enough")
  func regexScoring() throws {
    let scorer = try ExactAnswerScorer(.regex(pattern: #"answer is \*?\*?([^.*\n]+)"#))
    #expect(try scorer.score(answer: "So the answer is **Paris**.", expected: "paris").correct)
    let wrong = try scorer.score(answer: "So the answer is Lyon.", expected: "Paris")
    #expect(!wrong.correct && wrong.extracted == "Lyon")
    let missing = try scorer.score(answer: "Paris", expected: "Paris")
    #expect(!missing.correct && missing.extracted == nil)

    let format = try ExactAnswerScorer(.regex(pattern: #"^[A-Z][a-z]+$"#))
    #expect(try format.score(answer: "Paris", expected: nil).correct)
    #expect(try !format.score(answer: "paris", expected: nil).correct)
  }

  @Test("a pattern that does not compile is a task error that names it")
  func invalidPattern() {
    #expect(throws: ScoringError.self) { try ExactAnswerScorer(.regex(pattern: "answer: ([A-D]")) }
    do {
      _ = try AnswerPattern("(unclosed")
      Issue.record("expected an error")
    } catch {
      #expect(error.description.contains("(unclosed"))
      #expect(error.description.contains("hint:"))
    }
  }

  @Test("numeric scoring compares values, and reports task errors")
  func numericScoring() throws {
    let scorer = try ExactAnswerScorer(.numeric)
    let score = try scorer.score(answer: "The total is $1,234.", expected: "1234")
    #expect(score.correct && score.extracted == "1234")
    #expect(score.detail == #"lastNumber "$1,234" = 1234; expected 1234"#)
    // GSM8K's gold solutions end with "#### 72"; the same extraction reads them.
    #expect(try scorer.score(answer: "72.0", expected: "She sold 48/2 = 24.\n#### 72").correct)
    #expect(try !scorer.score(answer: "The answer is 71.", expected: "72").correct)
    #expect(throws: ScoringError.expectedAnswerNotANumber("seventy-two")) {
      try scorer.score(answer: "72", expected: "seventy-two")
    }
    #expect(throws: ScoringError.missingExpectedAnswer(kind: "numeric")) {
      try scorer.score(content: "", expected: nil)
    }
  }
}
