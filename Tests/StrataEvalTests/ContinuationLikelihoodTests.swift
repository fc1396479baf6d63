import Foundation
import Testing

@testable import StrataEval

@Suite("Continuation likelihood: llama-perplexity's task file and its progress lines")
struct ContinuationLikelihoodTests {
  @Test func taskFileLayoutMatchesWhatLlamaPerplexityReads() {
    let data = PerplexityTaskFile.encode([
      ContinuationItem(id: "a", context: "Q", continuations: [" yes", "no"], correct: 1)
    ])
    func u32(_ offset: Int) -> UInt32 {
      data[offset..<offset + 4].enumerated().reduce(0) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
    }
    // count, one offset (= 8: past the count and the offset table), then the task.
    #expect(u32(0) == 1)
    #expect(u32(4) == 8)
    #expect(u32(8) == 1)  // context length
    #expect(data[12] == UInt8(ascii: "Q"))
    #expect(u32(13) == 2)  // two answers
    #expect(u32(17) == 3)  // "yes": the leading space is dropped, llama-perplexity adds its own
    #expect(String(decoding: data[21..<24], as: UTF8.self) == "yes")
    #expect(u32(24) == 2)
    #expect(String(decoding: data[28..<30], as: UTF8.self) == "no")
    #expect(u32(30) == 0)  // label of "yes"
    #expect(u32(34) == 1)  // label of "no": correct
    #expect(u32(38) == 0)  // mc2: no answers
    #expect(data.count == 42)
  }

  @Test func aLetteredItemBecomesQuestionAndAnswerTexts() throws {
    let item = MultipleChoiceItem(
      id: "x", question: "Which is a metal?",
      choices: [.init(label: "A", text: "wood"), .init(label: "B", text: "iron")], answer: "B")
    let rc = try #require(ContinuationItem(item))
    #expect(rc.context == "Question: Which is a metal?\nAnswer:")
    #expect(rc.continuations == ["wood", "iron"])
    #expect(rc.correct == 1)
  }

  /// Recorded from `llama-perplexity --multiple-choice` (build 11434, SmolLM2-135M Q4_1, 5 ARC items).
  static let recorded = """
    0.03.348.443 I multiple_choice_score: reading tasks.....done
    0.03.352.569 I multiple_choice_score : calculating TruthfulQA score over 5 tasks.

    task\tacc_norm
    1\t0.00000000
    2\t50.00000000
    3\t66.66666667
    4\t75.00000000
    5\t80.00000000

    0.20.263.980 I Final result: 80.0000 +/- 20.0000
    """

  @Test func perItemCorrectnessComesFromTheRunningAccuracy() throws {
    #expect(
      try PerplexityMultipleChoiceOutput.correctness(Self.recorded, expected: 5) == [false, true, true, true, true])
  }

  @Test func aShortRunIsAnErrorNotAGuess() {
    #expect(throws: ContinuationScoringError.self) {
      try PerplexityMultipleChoiceOutput.correctness(Self.recorded, expected: 6)
    }
  }
}
