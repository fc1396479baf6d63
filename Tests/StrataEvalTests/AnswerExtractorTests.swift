import Testing

@testable import StrataEval

private let choices = [
  MultipleChoiceItem.Choice(label: "A", text: "dry palms"),
  MultipleChoiceItem.Choice(label: "B", text: "wet palms"),
  MultipleChoiceItem.Choice(label: "C", text: "palms covered with oil"),
  MultipleChoiceItem.Choice(label: "D", text: "palms covered with lotion"),
]

@Suite("Answer letter extraction from free-text replies")
struct AnswerExtractorTests {
  @Test(
    "finds the letter in the shapes small models answer in",
    arguments: [
      ("B", "B"),
      (" B", "B"),
      ("B.", "B"),
      ("(C)", "C"),
      ("D) palms covered with lotion", "D"),
      ("**A**", "A"),
      ("The answer is C.", "C"),
      ("Answer: D", "D"),
      ("the correct option is (B) because", "B"),
      ("A. dry palms", "A"),
      ("wet palms", "B"),
      ("I think C is right", "C"),
      ("<think>A or B? Let me see.</think>D", "D"),
      ("The template opened the thought; B looks right.\n</think>\n\nC", "C"),
      ("C\n\nExplanation: oil makes palms slippery", "C"),
    ])
  func extracts(reply: String, expected: String) {
    #expect(AnswerExtractor.letter(in: reply, choices: choices) == expected)
  }

  @Test(
    "gives nil when the reply names no single option",
    arguments: [
      "",
      "   ",
      "A cat sat on the mat",
      "I don't know",
      "A or B",
      "palms",
      // Cut off mid-thought: the letters in an unfinished thought are no answer.
      "<think>The answer is B, or maybe C",
    ])
  func refuses(reply: String) {
    #expect(AnswerExtractor.letter(in: reply, choices: choices) == nil)
  }

  @Test("scores a reply against the item's answer")
  func scoring() {
    let item = MultipleChoiceItem(id: "x", question: "q", choices: choices, answer: "B")
    #expect(item.score(reply: "B") == ItemScore(extracted: "B", correct: true))
    #expect(item.score(reply: "The answer is A") == ItemScore(extracted: "A", correct: false))
    #expect(item.score(reply: "no idea") == ItemScore(extracted: nil, correct: false))
  }
}
