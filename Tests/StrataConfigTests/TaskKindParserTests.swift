import Testing

@testable import StrataConfig

@Suite("tasks/*.yaml: kinds, methods, scoring, categories")
struct TaskKindParserTests {
  static func parse(_ yaml: String, file: String = "tasks/t.yaml") throws -> TaskSpec {
    try TaskSpecParser.parse(yaml: yaml, file: file, expander: TestSupport.expander)
  }

  @Test func multipleChoiceTakesAListOfMethodsAndCategories() throws {
    let spec = try Self.parse(
      """
      name: medmcqa
      kind: multiple_choice
      items: ${STRATA_CACHE}/tasks/medmcqa.jsonl
      method: [generative, continuation_likelihood, letter_likelihood]
      categories: true
      stop: "\\n"
      """, file: "tasks/medmcqa.yaml")
    #expect(spec.kind == .multipleChoice)
    #expect(spec.methods == [.generative, .continuationLikelihood, .letterLikelihood])
    #expect(spec.categories)
    #expect(spec.stop == ["\n"])
    #expect(spec.scoring == nil)
    #expect(spec.maxTokens == 8)
  }

  @Test func multipleChoiceDefaultsToGenerativeWithoutCategories() throws {
    let spec = try Self.parse("name: t\nkind: multiple_choice\nitems: /t.jsonl\nmethod: letter_likelihood\n")
    #expect(spec.methods == [.letterLikelihood])
    let plain = try Self.parse("name: t\nkind: multiple_choice\nitems: /t.jsonl\n")
    #expect(plain.methods == [.generative])
    #expect(!plain.categories)
    #expect(plain.stop == nil)
  }

  @Test func exactAnswerDefaultsToNumericScoringAnd256Tokens() throws {
    let spec = try Self.parse(
      "name: gsm8k\nkind: exact_answer\nitems: ${STRATA_CACHE}/tasks/gsm8k.jsonl\nstop: [\"Question:\", \"\\n\\n\"]\n",
      file: "tasks/gsm8k.yaml")
    #expect(spec.kind == .exactAnswer)
    #expect(spec.scoring == .numeric)
    #expect(spec.maxTokens == 256)
    #expect(spec.stop == ["Question:", "\n\n"])
  }

  @Test(arguments: [
    ("scoring: normalized", AnswerScoring.normalized),
    ("scoring: numeric", .numeric),
    ("scoring: {type: numeric}", .numeric),
    (#"scoring: {type: regex, pattern: 'answer is (\d+)'}"#, .regex(pattern: #"answer is (\d+)"#)),
    ("scoring:\n  type: json_schema\n  schema: schemas/answer.json", .jsonSchema(path: "/p/tasks/schemas/answer.json")),
    ("scoring:\n  type: json_schema\n  schema: ${STRATA_CACHE}/a.json", .jsonSchema(path: "/cache/strata/a.json")),
  ])
  func exactAnswerScoringForms(line: String, expected: AnswerScoring) throws {
    let spec = try Self.parse("name: t\nkind: exact_answer\nitems: /t.jsonl\n\(line)\n", file: "/p/tasks/t.yaml")
    #expect(spec.scoring == expected)
  }

  @Test func codeDefaultsTo512Tokens() throws {
    let spec = try Self.parse("name: mbpp\nkind: code\nitems: /m.jsonl\nmax_tokens: 300\n", file: "tasks/mbpp.yaml")
    #expect(spec.kind == .code)
    #expect(spec.maxTokens == 300)
    #expect(try Self.parse("name: t\nkind: code\nitems: /m.jsonl\n").maxTokens == 512)
    #expect(try Self.parse("name: t\nkind: code\nitems: /m.jsonl\n").scoring == nil)
  }

  /// Every task file shipped in tasks/ parses, and names the kind its items need.
  @Test func shippedTaskFilesParse() throws {
    let root = #filePath.split(separator: "/").dropLast(3).joined(separator: "/")
    let kinds: [String: TaskKind] = [
      "arc_easy": .multipleChoice, "arc_challenge": .multipleChoice, "hellaswag": .multipleChoice,
      "csqa": .multipleChoice, "piqa": .multipleChoice, "sciq": .multipleChoice, "socialiqa": .multipleChoice,
      "medmcqa": .multipleChoice, "boolq": .multipleChoice, "gsm8k": .exactAnswer, "mbpp": .code,
      "humaneval": .code,
    ]
    for (name, kind) in kinds {
      let file = "/\(root)/tasks/\(name).yaml"
      let text = try String(contentsOfFile: file, encoding: .utf8)
      let spec = try TaskSpecParser.parse(yaml: text, file: file, expander: TestSupport.expander)
      #expect(spec.kind == kind, "\(name)")
      #expect(spec.items == "/cache/strata/tasks/\(name).jsonl")
    }
  }

  static let badInputs: [BadInput] = [
    BadInput(
      label: "unknown kind", kind: .task, file: "tasks/t.yaml",
      yaml: "name: t\nkind: exact\nitems: /t.jsonl\n",
      message: "unknown kind 'exact'; known values: multiple_choice, exact_answer, code", line: 2, column: 7),
    BadInput(
      label: "unknown method with a suggestion", kind: .task, file: "tasks/t.yaml",
      yaml: "name: t\nkind: multiple_choice\nitems: /t.jsonl\nmethod: [generative, letter_likelyhood]\n",
      message:
        "unknown method 'letter_likelyhood'; known values: generative, letter_likelihood, continuation_likelihood",
      line: 4, column: 22, hint: "did you mean 'letter_likelihood'?"),
    BadInput(
      label: "duplicate method", kind: .task, file: "tasks/t.yaml",
      yaml: "name: t\nkind: multiple_choice\nitems: /t.jsonl\nmethod:\n  - generative\n  - generative\n",
      message: "duplicate method 'generative'", line: 6, column: 5, hint: "list each method once"),
    BadInput(
      label: "empty method list", kind: .task, file: "tasks/t.yaml",
      yaml: "name: t\nkind: multiple_choice\nitems: /t.jsonl\nmethod: []\n",
      message: "method is empty; list at least one of generative, letter_likelihood, continuation_likelihood",
      line: 4, column: 9),
    BadInput(
      label: "method on an exact-answer task", kind: .task, file: "tasks/t.yaml",
      yaml: "name: t\nkind: exact_answer\nitems: /t.jsonl\nmethod: generative\n",
      message: "method is only used with kind: multiple_choice", line: 4, column: 1,
      hint: "remove method, or set `kind: multiple_choice`"),
    BadInput(
      label: "scoring on a multiple-choice task", kind: .task, file: "tasks/t.yaml",
      yaml: "name: t\nkind: multiple_choice\nitems: /t.jsonl\nscoring: numeric\n",
      message: "scoring is only used with kind: exact_answer", line: 4, column: 1,
      hint: "remove scoring, or set `kind: exact_answer`"),
    BadInput(
      label: "unknown scoring", kind: .task, file: "tasks/t.yaml",
      yaml: "name: t\nkind: exact_answer\nitems: /t.jsonl\nscoring: numerical\n",
      message: "unknown scoring 'numerical'; known values: numeric, normalized, regex, json_schema", line: 4,
      column: 10, hint: "did you mean 'numeric'?"),
    BadInput(
      label: "regex scoring as a bare word", kind: .task, file: "tasks/t.yaml",
      yaml: "name: t\nkind: exact_answer\nitems: /t.jsonl\nscoring: regex\n",
      message: "scoring: regex needs a pattern", line: 4, column: 10, hint: "scoring: {type: regex, pattern:"),
    BadInput(
      label: "json_schema scoring as a bare word", kind: .task, file: "tasks/t.yaml",
      yaml: "name: t\nkind: exact_answer\nitems: /t.jsonl\nscoring: json_schema\n",
      message: "scoring: json_schema needs a schema file", line: 4, column: 10, hint: "schema: schemas/answer.json"),
    BadInput(
      label: "regex scoring without a pattern", kind: .task, file: "tasks/t.yaml",
      yaml: "name: t\nkind: exact_answer\nitems: /t.jsonl\nscoring:\n  type: regex\n",
      message: "missing required key 'pattern' in scoring", line: 5, column: 3, hint: "add `pattern:"),
    BadInput(
      label: "invalid regex", kind: .task, file: "tasks/t.yaml",
      yaml: "name: t\nkind: exact_answer\nitems: /t.jsonl\nscoring: {type: regex, pattern: 'answer is (\\d+'}\n",
      message: "pattern 'answer is (\\d+' is not a valid regular expression", line: 4, column: 33),
    BadInput(
      label: "pattern with json_schema", kind: .task, file: "tasks/t.yaml",
      yaml: "name: t\nkind: exact_answer\nitems: /t.jsonl\nscoring: {type: json_schema, schema: s.json, pattern: x}\n",
      message: "pattern is not used with scoring type json_schema", line: 4, column: 46, hint: "remove pattern"),
    BadInput(
      label: "scoring mapping without a type", kind: .task, file: "tasks/t.yaml",
      yaml: "name: t\nkind: exact_answer\nitems: /t.jsonl\nscoring: {schema: s.json}\n",
      message: "missing required key 'type' in scoring", line: 4, column: 10, hint: "add `type: json_schema`"),
    BadInput(
      label: "unknown key in scoring", kind: .task, file: "tasks/t.yaml",
      yaml: "name: t\nkind: exact_answer\nitems: /t.jsonl\nscoring: {type: regex, patern: x}\n",
      message: "unknown key 'patern' in scoring; known keys: type, pattern, schema", line: 4, column: 24,
      hint: "did you mean 'pattern'?"),
    BadInput(
      label: "categories not a boolean", kind: .task, file: "tasks/t.yaml",
      yaml: "name: t\nkind: multiple_choice\nitems: /t.jsonl\ncategories: yes\n",
      message: "expected true or false for categories, found the string 'yes'", line: 4, column: 13),
    BadInput(
      label: "stop as a mapping", kind: .task, file: "tasks/t.yaml",
      yaml: "name: t\nkind: code\nitems: /t.jsonl\nstop: {a: b}\n",
      message: "expected a list for stop, found a mapping", line: 4, column: 7),
    BadInput(
      label: "missing kind names the choices", kind: .task, file: "tasks/t.yaml",
      yaml: "name: t\nitems: /t.jsonl\n", message: "missing required key 'kind' in the task file", line: 1, column: 1,
      hint: "add `kind: multiple_choice`"),
  ]

  @Test(arguments: badInputs)
  func badTaskInputReportsMessageAndPosition(_ input: BadInput) throws {
    let file = try #require(input.file)
    let errors = input.kind.errors(yaml: input.yaml, file: file)
    let error = try #require(
      errors.first { $0.message.contains(input.message) },
      "no error contains '\(input.message)'; got:\n\(ConfigErrors(errors: errors))")
    #expect(error.location == SourceLocation(file: file, line: input.line, column: input.column), "\(error)")
    #expect(input.hint.isEmpty || error.hint.contains(input.hint), "\(error)")
  }
}
