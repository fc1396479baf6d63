import Foundation
import StrataConfig
import Testing

@testable import StrataEval

@Suite("Task items: loading, selection, prompts")
struct TaskItemTests {
  static let line =
    #"{"id":"Mercury_1","category":"Mercury","question":"Which is a metal?","choices":[{"label":"A","text":"wood"},{"label":"B","text":"iron"}],"answer":"B","fewshot":"Question: 1+1?\n A. 2\n B. 3\nAnswer: A\n\n"}"#

  @Test("parses strata's JSONL task format")
  func parses() throws {
    let items = try TaskItemLoader.parse(Self.line + "\n\n", path: "t.jsonl")
    #expect(items.count == 1)
    #expect(items[0].choices.map(\.label) == ["A", "B"])
    #expect(items[0].category == "Mercury")
  }

  @Test(
    "names the line and the problem of a bad item",
    arguments: [
      ("{\"id\":\"x\"}", 1, "missing field"),
      ("not json", 1, "not valid JSON"),
      (
        #"{"id":"x","question":"q","choices":[{"label":"A","text":"a"},{"label":"B","text":"b"}],"answer":"C"}"#, 1,
        "answer 'C' is not one of"
      ),
      (#"{"id":"x","question":"q","choices":[{"label":"A","text":"a"}],"answer":"A"}"#, 1, "at least 2 choices"),
    ])
  func rejects(text: String, line: Int, message: String) {
    #expect {
      _ = try TaskItemLoader.parse("\n" + text, path: "t.jsonl")
    } throws: { error in
      guard case TaskDataError.malformed(let path, let at, let got) = error else { return false }
      return path == "t.jsonl" && at == line + 1 && got.contains(message)
    }
  }

  @Test("an item file over 256 MiB is refused with the limit, before it is read")
  func oversized() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("strata-items-\(UUID()).jsonl").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    FileManager.default.createFile(atPath: path, contents: nil)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    try handle.truncate(atOffset: UInt64(TaskItemLoader.maxItemFileBytes + 1))  // sparse
    try handle.close()
    #expect(
      throws: TaskDataError.tooLarge(
        path: path, bytes: TaskItemLoader.maxItemFileBytes + 1, limit: TaskItemLoader.maxItemFileBytes)
    ) {
      _ = try TaskItemLoader.load(path: path)
    }
  }

  @Test("an item file that is not UTF-8 is refused at line 1, not decoded with replacement characters")
  func notUTF8() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("strata-items-\(UUID()).jsonl").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    try Data([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d, 0x0a]).write(to: URL(fileURLWithPath: path))
    #expect(throws: TaskDataError.malformed(path: path, line: 1, message: "the file is not UTF-8 text")) {
      _ = try TaskItemLoader.load(path: path)
    }
  }

  @Test("a missing file says how to get the items")
  func missing() {
    #expect(throws: TaskDataError.missing(path: "/nonexistent/items.jsonl")) {
      _ = try TaskItemLoader.load(path: "/nonexistent/items.jsonl")
    }
    #expect(TaskDataError.missing(path: "p").description.contains("scripts/setup"))
  }

  @Test("selection is deterministic, seed-dependent, and a smaller limit is a prefix")
  func selection() {
    let items = (0..<50).map {
      MultipleChoiceItem(
        id: "item-\($0)", question: "q", choices: [.init(label: "A", text: "a"), .init(label: "B", text: "b")],
        answer: "A")
    }
    let twenty = ItemSelection.select(items, limit: 20, seed: 1)
    #expect(twenty.count == 20)
    #expect(twenty == ItemSelection.select(items.reversed(), limit: 20, seed: 1))
    #expect(Array(twenty.prefix(5)) == ItemSelection.select(items, limit: 5, seed: 1))
    #expect(twenty != ItemSelection.select(items, limit: 20, seed: 2))
    #expect(ItemSelection.select(items, limit: 100, seed: 1).count == 50)
  }

  @Test("zero-shot prompt lists the options; few-shot puts the examples first")
  func prompts() throws {
    let item = try #require(try TaskItemLoader.parse(Self.line, path: "t").first)
    let zero = MultipleChoicePrompt.messages(for: item, style: .zeroShot)
    #expect(zero.count == 1)
    #expect(zero[0].content.hasSuffix("Question: Which is a metal?\n A. wood\n B. iron\nAnswer:"))
    #expect(!zero[0].content.contains("1+1"))
    let few = MultipleChoicePrompt.messages(for: item, style: .fewShot)
    #expect(few[0].content.contains("Question: 1+1?\n A. 2\n B. 3\nAnswer: A\n\nQuestion: Which is a metal?"))
  }

  @Test("completion text is the raw few-shot context, without the chat instruction")
  func completionText() throws {
    let item = try #require(try TaskItemLoader.parse(Self.line, path: "t").first)
    #expect(
      MultipleChoicePrompt.completionText(for: item, style: .fewShot)
        == "Question: 1+1?\n A. 2\n B. 3\nAnswer: A\n\nQuestion: Which is a metal?\n A. wood\n B. iron\nAnswer:")
    #expect(
      MultipleChoicePrompt.completionText(for: item, style: .zeroShot)
        == "Question: Which is a metal?\n A. wood\n B. iron\nAnswer:")
  }

  @Test("a base model's continuation \" B\" scores as B")
  func continuation() throws {
    let item = try #require(try TaskItemLoader.parse(Self.line, path: "t").first)
    #expect(item.score(reply: " B") == ItemScore(extracted: "B", correct: true))
    #expect(item.score(reply: " A") == ItemScore(extracted: "A", correct: false))
  }
}
