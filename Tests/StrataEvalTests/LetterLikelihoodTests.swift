import Foundation
import StrataClient
import Testing

@testable import StrataEval

@Suite("Letter likelihood from next-token candidates")
struct LetterLikelihoodTests {
  /// Candidates shaped like llama-server's `top_logprobs` after "Answer:" (SmolLM2
  /// spells letters with a leading space; both forms count).
  @Test func probabilitiesAreSummedPerLetterAndNormalisedOverTheOptions() throws {
    let candidates = [
      TokenCandidate(id: 1, token: " B", logprob: log(0.50)),
      TokenCandidate(id: 2, token: " A", logprob: log(0.20)),
      TokenCandidate(id: 3, token: "B", logprob: log(0.10)),
      TokenCandidate(id: 4, token: "\n", logprob: log(0.10)),
      TokenCandidate(id: 5, token: " D", logprob: log(0.05)),
      TokenCandidate(id: 6, token: " E", logprob: log(0.05)),  // not an option of this item
    ]
    let answer = LetterLikelihood.answer(candidates: candidates, labels: ["A", "B", "C", "D"])
    // Letter mass 0.5 + 0.2 + 0.1 + 0.05 = 0.85; B = 0.6 / 0.85.
    #expect(abs(answer.letterMass - 0.85) < 1e-12)
    #expect(answer.chosen == "B")
    #expect(abs((answer.confidence ?? 0) - 0.6 / 0.85) < 1e-12)
    #expect(abs((answer.distribution["A"] ?? 0) - 0.2 / 0.85) < 1e-12)
    #expect(answer.distribution["C"] == 0)
    #expect(abs(answer.distribution.values.reduce(0, +) - 1) < 1e-12)
  }

  @Test func noOptionLetterAmongTheCandidatesMeansNoAnswer() {
    let answer = LetterLikelihood.answer(
      candidates: [TokenCandidate(id: 1, token: " The", logprob: log(0.9))], labels: ["A", "B"])
    #expect(answer.chosen == nil)
    #expect(answer.confidence == nil)
    #expect(answer.letterMass == 0)
  }

  @Test func tiesGoToTheEarlierLabel() {
    let answer = LetterLikelihood.answer(
      candidates: [
        TokenCandidate(id: 1, token: " C", logprob: log(0.3)), TokenCandidate(id: 2, token: " A", logprob: log(0.3)),
      ], labels: ["A", "B", "C"])
    #expect(answer.chosen == "A")
  }
}
