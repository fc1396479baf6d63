import Yams

/// Parses one `tasks/<name>.yaml`.
public enum TaskSpecParser {
  static let knownKeys = ["name", "kind", "items", "prompt", "format", "max_tokens", "limit", "seed"]

  /// Parses the text of a task file; `name:` must equal `file`'s base name.
  ///
  /// Defaults: prompt zero_shot, format chat, max_tokens 8, limit 20, seed 1. `items` is expanded
  /// and made absolute against `file`'s directory; it need not exist yet.
  public static func parse(
    yaml: String, file: String, expander: PathExpander = .standard()
  ) throws(ConfigErrors) -> TaskSpec {
    let root = try YAMLLoader.rootMapping(
      yaml: yaml, file: file, expected: "a mapping with name, kind and items, e.g. `kind: multiple_choice`")
    var reader = ConfigReader(file: file)
    let spec = parse(root, reader: &reader, expander: expander)
    guard reader.errors.isEmpty, let spec else { throw ConfigErrors(errors: reader.errors).sorted() }
    return spec
  }

  private static func parse(_ root: Node, reader: inout ConfigReader, expander: PathExpander) -> TaskSpec? {
    let context = "the task file"
    guard let fields = reader.fields(of: root, context: context, known: knownKeys) else { return nil }
    let baseName = FileNames.baseName(of: reader.file)
    let name = FileNames.checkName(fields, reader: &reader, kind: "task", folder: "tasks", baseName: baseName)

    var kind: TaskKind?
    if let node = fields["kind"] {
      kind = choice(node, "kind", reader: &reader, TaskKind.init(rawValue:), known: ["multiple_choice"])
    } else {
      reader.missing("kind", in: fields, context: context, hint: "add `kind: multiple_choice`")
    }

    var items: String?
    if let node = fields["items"] {
      items = reader.path(node, "items", expander: expander)
    } else {
      reader.missing(
        "items", in: fields, context: context, hint: "add `items: ${STRATA_CACHE}/tasks/\(baseName).jsonl`")
    }

    var prompt: PromptStyle? = .zeroShot
    if let node = fields["prompt"] {
      prompt = choice(node, "prompt", reader: &reader, PromptStyle.init(rawValue:), known: ["zero_shot", "few_shot"])
    }
    var format: TaskFormat? = .chat
    if let node = fields["format"] {
      format = choice(node, "format", reader: &reader, TaskFormat.init(rawValue:), known: ["chat", "completion"])
    }
    var maxTokens: Int? = 8
    if let node = fields["max_tokens"] { maxTokens = reader.int(node, "max_tokens", range: 1...4096) }
    var limit: Int? = 20
    if let node = fields["limit"] { limit = reader.int(node, "limit", range: 1...Int.max) }
    var seed: UInt64? = 1
    if let node = fields["seed"] { seed = reader.uint64(node, "seed") }

    guard let name, let kind, let items, let prompt, let format, let maxTokens, let limit, let seed else { return nil }
    return TaskSpec(
      name: name, kind: kind, items: items, prompt: prompt, format: format, maxTokens: maxTokens, limit: limit,
      seed: seed,
      location: reader.location(of: root))
  }

  /// A string that must be one of `known`, converted by `make`.
  private static func choice<T>(
    _ node: Node, _ what: String, reader: inout ConfigReader, _ make: (String) -> T?, known: [String]
  ) -> T? {
    guard let text = reader.string(node, what) else { return nil }
    if let value = make(text) { return value }
    reader.error(
      "unknown \(what) '\(text)'; known values: \(Suggestions.list(known))", at: node,
      hint: Suggestions.hint(for: text, in: known))
    return nil
  }
}
