import StrataConfig
import Testing

@testable import StrataEval

@Suite("Exact-answer and code items: loading and line-numbered errors")
struct ItemKindTests {
  static let gsm =
    #"{"id":"0","category":null,"question":"2+2?","answer":"4","fewshot":"Question: 1+1?\nAnswer: 1 + 1 = 2. So the answer is 2.\n\n","solution":"2 + 2 = 4. So the answer is 4."}"#
  static let humaneval =
    #"{"id":"HumanEval/0","prompt":"def add(a, b):\n","program":"prompt+completion","entry_point":"add","tests":"def check(f):\n    assert f(1, 2) == 3\ncheck(add)\n","canonical_solution":"    return a + b\n","stop":["\nclass"]}"#
  static let mbpp =
    #"{"id":"11","prompt":"Write add.\n```python\n","program":"completion","tests":"assert add(1, 2) == 3\n","test_imports":"import math"}"#

  @Test func exactAnswerItemsDecodeEveryField() throws {
    let items = try TaskItemLoader.parse(ExactAnswerItem.self, Self.gsm + "\n", path: "g.jsonl")
    #expect(items.count == 1)
    #expect(items[0].answer == "4")
    #expect(items[0].category == nil)
    #expect(items[0].solution?.hasSuffix("So the answer is 4.") == true)
    #expect(items[0].fewshot?.hasPrefix("Question: 1+1?") == true)
  }

  @Test func codeItemsDecodeSnakeCaseFieldsAndAssembleTheProgram() throws {
    let items = try TaskItemLoader.parse(CodeItem.self, Self.humaneval + "\n" + Self.mbpp, path: "c.jsonl")
    #expect(items.map(\.id) == ["HumanEval/0", "11"])
    let human = items[0]
    #expect(human.entryPoint == "add")
    #expect(human.program == .promptAndCompletion)
    #expect(human.canonicalSolution == "    return a + b\n")
    #expect(
      human.programText(reply: "    return a + b\n")
        == "def add(a, b):\n    return a + b\n\n\ndef check(f):\n    assert f(1, 2) == 3\ncheck(add)\n")
    let script = items[1]
    #expect(script.testImports == "import math")
    #expect(
      script.programText(reply: "def add(a, b): return a + b")
        == "def add(a, b): return a + b\nimport math\nassert add(1, 2) == 3\n")
  }

  @Test func aUsersCodeItemNeedsOnlyIdPromptAndTests() throws {
    let items = try TaskItemLoader.parse(CodeItem.self, #"{"id":"a","prompt":"p","tests":"assert f()"}"#, path: "u")
    #expect(items[0].program == nil)
    #expect(items[0].programText(reply: "def f(): return 1") == "def f(): return 1\n\nassert f()")
  }

  @Test(
    "names the line and the problem of a bad exact-answer item",
    arguments: [
      (#"{"id":"x","question":"q"}"#, "missing field 'answer'"),
      (#"{"id":"x","question":"q","answer":"  "}"#, "answer is empty"),
      (#"{"id":"x","question":"q","answer":4}"#, "wrong type at 'answer'"),
      (#"{"id":"0","question":"q","answer":"1"}"#, "duplicate id '0'; first used at line 2"),
      ("{\"id\":", "not valid JSON"),
    ])
  func rejectsExactAnswer(text: String, message: String) {
    #expect {
      _ = try TaskItemLoader.parse(ExactAnswerItem.self, "\n" + Self.gsm + "\n\n" + text + "\n", path: "g.jsonl")
    } throws: { error in
      error as? TaskDataError == .malformed(path: "g.jsonl", line: 4, message: message)
    }
  }

  @Test(
    "names the line and the problem of a bad code item",
    arguments: [
      (#"{"id":"x","prompt":"p"}"#, "missing field 'tests'"),
      (#"{"id":"x","prompt":"p","tests":"\n"}"#, "tests are empty"),
      (#"{"id":"x","prompt":"","tests":"assert 1"}"#, "prompt is empty"),
      (#"{"id":"x","prompt":"p","tests":"assert 1","program":"script"}"#, "invalid value at 'program'"),
      (#"{"id":"x","prompt":"p","tests":"assert 1","stop":"\n"}"#, "wrong type at 'stop'"),
    ])
  func rejectsCode(text: String, message: String) {
    #expect {
      _ = try TaskItemLoader.parse(CodeItem.self, Self.mbpp + "\n" + text, path: "c.jsonl")
    } throws: { error in
      error as? TaskDataError == .malformed(path: "c.jsonl", line: 2, message: message)
    }
  }

  @Test func continuationsMustMatchTheChoices() {
    let line =
      #"{"id":"x","question":"q","choices":[{"label":"A","text":"a"},{"label":"B","text":"b"}],"answer":"A","continuations":{"query":"Question: q\nAnswer:","texts":[" a"]}}"#
    #expect(
      throws: TaskDataError.malformed(path: "m", line: 1, message: "continuations.texts has 1 texts for 2 choices")
    ) {
      _ = try TaskItemLoader.parse(line, path: "m")
    }
  }

  @Test func multipleChoiceItemsKeepTheirQueryAndContinuations() throws {
    let line =
      #"{"id":"1593","category":null,"question":"Goal: Brown sausages.","choices":[{"label":"A","text":"fry"},{"label":"B","text":"burn"}],"answer":"A","fewshot":"F\n\n","query":"Goal: Brown sausages.\n A. fry\n B. burn\nAnswer:","continuations":{"fewshot":"R\n\n","query":"Goal: Brown sausages.\nAnswer:","texts":[" fry"," burn"],"unconditioned":"Answer:"}}"#
    let item = try #require(try TaskItemLoader.parse(line, path: "p").first)
    #expect(MultipleChoicePrompt.query(for: item) == "Goal: Brown sausages.\n A. fry\n B. burn\nAnswer:")
    #expect(
      MultipleChoicePrompt.completionText(for: item, style: .fewShot)
        == "F\n\nGoal: Brown sausages.\n A. fry\n B. burn\nAnswer:")
    #expect(item.continuations?.texts == [" fry", " burn"])
    #expect(item.continuations?.unconditioned == "Answer:")
    #expect(item.continuations?.fewshot == "R\n\n")
  }

  @Test func anErrorNamesFileAndLineAndTheFormats() {
    let text = TaskDataError.malformed(path: "/d/mine.jsonl", line: 7, message: "missing field 'tests'").description
    #expect(text.hasPrefix("/d/mine.jsonl:7: error: missing field 'tests'\n"))
    #expect(text.contains(#"code {"id", "prompt", "tests"}"#))
  }
}
