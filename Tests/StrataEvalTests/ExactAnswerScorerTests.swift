import Foundation
import Testing

@testable import StrataEval

@Suite("The exact-answer scorer as a task uses it")
struct ExactAnswerScorerTests {
  @Test(
    "scoring kinds survive a JSON round trip",
    arguments: [
      ScoringKind.numeric, .normalizedText, .regex(pattern: #"(\d+)"#),
      .jsonSchema(schema: .object(["type": .string("object"), "required": .array([.string("id")])])),
    ])
  func codable(kind: ScoringKind) throws {
    let data = try JSONEncoder().encode(kind)
    #expect(try JSONDecoder().decode(ScoringKind.self, from: data) == kind)
  }

  @Test("a broken task definition fails when the scorer is built, before any item runs")
  func failsEarly() {
    #expect(throws: ScoringError.unsupportedSchemaKeyword("format", path: "#/properties/email")) {
      try ExactAnswerScorer(
        .jsonSchema(schema: .object(["properties": .object(["email": .object(["format": .string("email")])])])))
    }
    #expect(throws: ScoringError.self) { try ExactAnswerScorer(.regex(pattern: "[")) }
  }

  @Test("an empty reply is wrong, and still reports a task without an expected answer")
  func emptyReply() throws {
    let scorer = try ExactAnswerScorer(.normalizedText)
    let score = try scorer.score(content: "   ", expected: "Paris")
    #expect(score == ExactAnswerScore(extracted: nil, correct: false, detail: "empty reply"))
    #expect(throws: ScoringError.missingExpectedAnswer(kind: "normalized-text")) {
      try scorer.score(content: "", expected: nil)
    }
  }
}
