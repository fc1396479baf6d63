import Testing

@testable import StrataEval

/// Replies in the shapes thinking models give through llama-server. These are
/// transcripts written to the formats, not captured from a server: Qwen3 and
/// DeepSeek-R1 write `<think>…</think>` then the answer; Qwen3-*-Thinking-2507's
/// template opens `<think>` in the prompt, so its reply holds only the closing tag
/// (vllm-project/vllm#22507); a reply cut by `n_predict` mid-thought never closes
/// the block; with `--reasoning-format deepseek` the server moves the thinking to
/// `reasoning_content` and `content` holds the answer alone.
@Suite("Splitting thinking from the answer")
struct ThinkingSplitTests {
  static let qwenGSM8K = """
    <think>
    Okay, Janet's ducks lay 16 eggs per day. She eats 3 and bakes with 4, so 16 - 3 - 4 = 9.
    She sells each for $2, so 9 * 2 = 18. Wait, let me double-check: 3 + 4 = 7, 16 - 7 = 9. Yes.
    </think>

    Janet sells 16 - 3 - 4 = 9 eggs a day at $2 each.

    The answer is 18.
    """

  @Test("a closed think block is thinking; the text after it is the answer")
  func closedBlock() {
    let split = ThinkingSplit(content: Self.qwenGSM8K)
    #expect(split.answer == "Janet sells 16 - 3 - 4 = 9 eggs a day at $2 each.\n\nThe answer is 18.")
    #expect(split.thinking.hasPrefix("Okay, Janet's ducks"))
    #expect(split.thinking.hasSuffix("16 - 7 = 9. Yes."))
  }

  @Test("an unclosed think block makes the whole reply thinking, with no answer")
  func unclosed() {
    let split = ThinkingSplit(content: "<think>\nLet me compute 16 - 3 = 13, then 13 - 4 = 9, and 9 * 2")
    #expect(split.answer == "")
    #expect(split.thinking == "Let me compute 16 - 3 = 13, then 13 - 4 = 9, and 9 * 2")
  }

  @Test("a closing tag without an opener: the template opened the block in the prompt")
  func openedByTemplate() {
    let split = ThinkingSplit(content: "The user wants 2 + 2. That is 4.\n</think>\n\n4")
    #expect(split.answer == "4")
    #expect(split.thinking == "The user wants 2 + 2. That is 4.")
  }

  @Test("several blocks are all thinking; the text between them joins into the answer")
  func severalBlocks() {
    let split = ThinkingSplit(content: "<think>first 7</think>Partial: 12.<think> second 99 </think> Answer: 15")
    #expect(split.thinking == "first 7\n\nsecond 99")
    #expect(split.answer == "Partial: 12. Answer: 15")
  }

  @Test("an empty think block (thinking switched off) leaves only the answer")
  func emptyBlock() {
    let split = ThinkingSplit(content: "<think>\n\n</think>\n\nParis")
    #expect(split.answer == "Paris")
    #expect(!split.hasThinking)
  }

  @Test("reasoning_content from the server comes first in the thinking")
  func reasoningContent() {
    let split = ThinkingSplit(
      content: "\n\nThe answer is 18.", reasoningContent: "9 eggs at $2 each is 18.\n")
    #expect(split.answer == "The answer is 18.")
    #expect(split.thinking == "9 eggs at $2 each is 18.")
  }

  @Test("a reply with no tags is all answer")
  func plain() {
    let split = ThinkingSplit(content: "  42  ")
    #expect(split.answer == "42")
    #expect(split.thinking == "")
  }

  @Test("scoring reads the answer, never a number in the thinking")
  func scoringUsesAnswer() throws {
    let scorer = try ExactAnswerScorer(.numeric)
    let right = try scorer.score(content: Self.qwenGSM8K, expected: "18")
    #expect(right.correct && right.extracted == "18")
    // The only numbers are in an unfinished thought: no answer, scored wrong.
    let cut = try scorer.score(content: "<think>16 - 3 - 4 = 9, 9 * 2 = 18", expected: "18")
    #expect(!cut.correct && cut.extracted == nil)
    #expect(cut.detail.contains("no answer after the thinking"))
    // The answer comes through content while the thinking arrived separately.
    let separate = try scorer.score(content: "#### 18", reasoningContent: "maybe 20? no, 18", expected: "18")
    #expect(separate.correct)
  }
}
