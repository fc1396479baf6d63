import Yams

extension TaskSpecParser {
  static let scoringNames = ["numeric", "normalized", "regex", "json_schema"]

  /// `name` when it is a scoring method's name.
  private static func known(_ name: String) -> String? { scoringNames.contains(name) ? name : nil }

  /// `scoring: numeric`, `scoring: normalized`, or a mapping that carries what the
  /// method needs: `{type: regex, pattern: '…'}`, `{type: json_schema, schema: path}`.
  static func answerScoring(_ node: Node, reader: inout ConfigReader, expander: PathExpander) -> AnswerScoring? {
    if case .mapping = node { return scoringMapping(node, reader: &reader, expander: expander) }
    guard let name = choice(node, "scoring", reader: &reader, known, known: scoringNames) else { return nil }
    switch name {
    case "numeric": return .numeric
    case "normalized": return .normalized
    case "regex":
      reader.error(
        "scoring: regex needs a pattern", at: node,
        hint: #"write `scoring: {type: regex, pattern: 'answer is (\d+)'}`"#)
    default:
      reader.error(
        "scoring: json_schema needs a schema file", at: node,
        hint: "write `scoring: {type: json_schema, schema: schemas/answer.json}`")
    }
    return nil
  }

  private static func scoringMapping(
    _ node: Node, reader: inout ConfigReader, expander: PathExpander
  ) -> AnswerScoring? {
    guard let fields = reader.fields(of: node, context: "scoring", known: ["type", "pattern", "schema"]) else {
      return nil
    }
    guard let typeNode = fields["type"] else {
      reader.missing(
        "type", in: fields, context: "scoring", hint: "add `type: \(fields.has("schema") ? "json_schema" : "regex")`")
      return nil
    }
    guard let type = choice(typeNode, "scoring type", reader: &reader, known, known: scoringNames) else {
      return nil
    }
    let needs = ["regex": "pattern", "json_schema": "schema"][type]
    for key in ["pattern", "schema"] where key != needs {
      if let keyNode = fields.keyNode(key) {
        reader.error("\(key) is not used with scoring type \(type)", at: keyNode, hint: "remove \(key)")
        return nil
      }
    }
    switch type {
    case "numeric": return .numeric
    case "normalized": return .normalized
    case "regex":
      guard let patternNode = fields["pattern"] else {
        reader.missing("pattern", in: fields, context: "scoring", hint: #"add `pattern: 'answer is (\d+)'`"#)
        return nil
      }
      guard let pattern = reader.string(patternNode, "pattern") else { return nil }
      do {
        _ = try Regex(pattern)
      } catch {
        reader.error(
          "pattern '\(pattern)' is not a valid regular expression: \(error)", at: patternNode,
          hint: "quote the pattern with single quotes so that backslashes reach the regex as written")
        return nil
      }
      return .regex(pattern: pattern)
    default:
      guard let schemaNode = fields["schema"] else {
        reader.missing("schema", in: fields, context: "scoring", hint: "add `schema: schemas/answer.json`")
        return nil
      }
      return reader.path(schemaNode, "schema", expander: expander).map { .jsonSchema(path: $0) }
    }
  }
}
