import Testing

@testable import StrataEval

@Suite("JSON answers against a schema subset")
struct JSONSchemaTests {
  static let person = """
    {
      "type": "object",
      "title": "A person",
      "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 20, "pattern": "^[A-Z]"},
        "age": {"type": "integer", "minimum": 0, "maximum": 150},
        "email": {"type": ["string", "null"]},
        "role": {"enum": ["admin", "user"]},
        "version": {"const": 2},
        "tags": {"type": "array", "items": {"type": "string"}}
      },
      "required": ["name", "age"],
      "additionalProperties": false
    }
    """

  func violations(_ json: String) throws -> [String] {
    let schema = try JSONSchema(json: Self.person)
    let value = try #require(JSONValue.parse(json))
    return schema.violations(of: value).map(\.description)
  }

  @Test(
    "valid documents pass",
    arguments: [
      #"{"name": "Ada", "age": 36}"#,
      #"{"name": "Ada", "age": 36.0, "email": null, "role": "admin", "version": 2, "tags": []}"#,
      #"{"name": "Ada", "age": 36, "email": "ada@example.org", "tags": ["math", "engines"]}"#,
    ])
  func valid(json: String) throws {
    #expect(try violations(json) == [])
  }

  @Test(
    "each broken rule is reported at its path",
    arguments: [
      (#"{"age": 36}"#, #"$: required property "name" is missing"#),
      (#"{"name": "Ada", "age": 36.5}"#, "$.age: expected integer, found number"),
      (#"{"name": "Ada", "age": -1}"#, "$.age: -1 is less than the minimum 0.0"),
      (#"{"name": "Ada", "age": 151}"#, "$.age: 151 is more than the maximum 150.0"),
      (#"{"name": "", "age": 1}"#, "$.name: length 0 is shorter than minLength 1"),
      (#"{"name": "Adaaaaaaaaaaaaaaaaaaa", "age": 1}"#, "$.name: length 21 is longer than maxLength 20"),
      (#"{"name": "ada", "age": 1}"#, #"$.name: "ada" does not match the pattern ^[A-Z]"#),
      (#"{"name": "Ada", "age": 1, "email": 5}"#, "$.email: expected null or string, found number"),
      (#"{"name": "Ada", "age": 1, "role": "root"}"#, #"$.role: "root" is not one of ["admin","user"]"#),
      (#"{"name": "Ada", "age": 1, "version": 3}"#, "$.version: 3 is not 2"),
      (#"{"name": "Ada", "age": 1, "tags": ["a", 2]}"#, "$.tags[1]: expected string, found number"),
      (
        #"{"name": "Ada", "age": 1, "nick": "A"}"#,
        #"$: property "nick" is not allowed (additionalProperties is false)"#
      ),
      (#"["Ada", 36]"#, "$: expected object, found array"),
      (#"{"name": true, "age": "36"}"#, "$.age: expected integer, found string"),
    ])
  func invalid(json: String, message: String) throws {
    #expect(try violations(json).contains(message))
  }

  @Test("maxLength counts Unicode code points, as the spec says")
  func codePoints() throws {
    let schema = try JSONSchema(json: #"{"type": "string", "maxLength": 2}"#)
    #expect(schema.violations(of: .string("né")).isEmpty)
    #expect(schema.violations(of: .string("nés")).count == 1)
  }

  @Test("boolean schemas and a schema for additional properties")
  func booleanAndAdditionalSchemas() throws {
    let schema = try JSONSchema(
      json: #"{"properties": {"id": true, "gone": false}, "additionalProperties": {"type": "number"}}"#)
    #expect(schema.violations(of: try #require(JSONValue.parse(#"{"id": "x", "score": 1}"#))).isEmpty)
    #expect(
      schema.violations(of: try #require(JSONValue.parse(#"{"gone": 1}"#))).map(\.description) == [
        "$.gone: the schema allows no value here"
      ])
    #expect(schema.violations(of: try #require(JSONValue.parse(#"{"score": "high"}"#))).count == 1)
  }

  @Test(
    "unknown and malformed schema keywords are errors, not ignored",
    arguments: [
      (#"{"type": "array", "minItems": 1}"#, ScoringError.unsupportedSchemaKeyword("minItems", path: "#")),
      (
        #"{"properties": {"a": {"oneOf": []}}}"#,
        ScoringError.unsupportedSchemaKeyword("oneOf", path: "#/properties/a")
      ),
      (#"{"type": "text"}"#, ScoringError.invalidSchema(path: "#/type", reason: "")),
      (#"{"required": "name"}"#, ScoringError.invalidSchema(path: "#/required", reason: "")),
      (#"{"minLength": -1}"#, ScoringError.invalidSchema(path: "#/minLength", reason: "")),
      (#"{"items": [{"type": "string"}]}"#, ScoringError.invalidSchema(path: "#/items", reason: "")),
      (#"{"pattern": "([a-"}"#, ScoringError.invalidPattern("([a-", reason: "")),
      (#"[1, 2]"#, ScoringError.invalidSchema(path: "#", reason: "")),
    ])
  func schemaErrors(schema: String, expected: ScoringError) {
    do {
      _ = try JSONSchema(json: schema)
      Issue.record("schema \(schema) compiled")
    } catch {
      // Compare the case and its location; reasons are prose checked below.
      switch (error, expected) {
      case (.unsupportedSchemaKeyword, .unsupportedSchemaKeyword): #expect(error == expected)
      case (.invalidSchema(let path, _), .invalidSchema(let expectedPath, _)): #expect(path == expectedPath)
      case (.invalidPattern(let pattern, _), .invalidPattern(let expectedPattern, _)):
        #expect(pattern == expectedPattern)
      default: Issue.record("got \(error), expected \(expected)")
      }
    }
  }

  @Test("the unsupported-keyword error says what to use instead")
  func unsupportedMessage() {
    let message = ScoringError.unsupportedSchemaKeyword("minItems", path: "#/properties/tags").description
    #expect(message.contains("\"minItems\""))
    #expect(message.contains("#/properties/tags"))
    #expect(message.contains("hint: use only additionalProperties, const, enum"))
  }

  @Test(
    "finds the JSON in a chatty reply",
    arguments: [
      (#"{"a": 1}"#, #"{"a": 1}"#, JSONLocator.Found.Place.wholeReply),
      ("Here you go:\n```json\n{\"a\": 1}\n```\nAnything else?", #"{"a": 1}"#, .fencedBlock),
      ("```\n[1, 2]\n```", "[1, 2]", .fencedBlock),
      (
        #"Sure! The object is {"a": "}{", "b": [1, {"c": 2}]} as asked."#, #"{"a": "}{", "b": [1, {"c": 2}]}"#,
        .embedded
      ),
      (#"Options [A] and {"a": 1}"#, #"{"a": 1}"#, .embedded),
      ("42", "42", .wholeReply),
    ])
  func locate(reply: String, text: String, place: JSONLocator.Found.Place) throws {
    let found = try #require(JSONLocator.firstJSON(in: reply))
    #expect(found.text == text)
    #expect(found.place == place)
  }

  @Test("no JSON in the reply gives nil", arguments: ["I cannot do that.", "{not json}", "[unclosed"])
  func noJSON(reply: String) {
    #expect(JSONLocator.firstJSON(in: reply) == nil)
  }

  @Test("JSON-schema scoring through the one scorer, with thinking stripped first")
  func scoring() throws {
    let scorer = try ExactAnswerScorer(.jsonSchema(schema: try #require(JSONValue.parse(Self.person))))
    let pass = try scorer.score(
      content: "<think>{\"name\": 1} would be wrong</think>```json\n{\"name\": \"Ada\", \"age\": 36}\n```",
      expected: nil)
    #expect(pass.correct)
    #expect(pass.extracted == #"{"name": "Ada", "age": 36}"#)
    #expect(pass.detail == "valid JSON (fencedBlock)")
    let fail = try scorer.score(answer: #"{"name": "ada"}"#, expected: nil)
    #expect(!fail.correct)
    #expect(fail.detail.contains(#"required property "age" is missing"#))
    #expect(try !scorer.score(answer: "no json", expected: nil).correct)
  }

  @Test("booleans and numbers stay distinct when parsed")
  func parsing() throws {
    #expect(JSONValue.parse("true") == .bool(true))
    #expect(JSONValue.parse("1") == .number(1))
    #expect(JSONValue.parse(#"{"a": [null, "x"]}"#) == .object(["a": .array([.null, .string("x")])]))
  }
}
