import Yams

/// Parses one `tasks/<name>.yaml`.
public enum TaskSpecParser {
  static let knownKeys = [
    "name", "kind", "items", "prompt", "format", "max_tokens", "limit", "seed", "method", "scoring", "categories",
    "stop",
  ]

  /// Parses the text of a task file; `name:` must equal `file`'s base name.
  ///
  /// Defaults: prompt zero_shot, format chat, max_tokens by kind (multiple_choice 8,
  /// exact_answer 256, code 512), limit 20, seed 1, method generative (multiple
  /// choice), scoring numeric (exact answer), categories false. `items` (and a
  /// json_schema `schema`) are expanded and made absolute against `file`'s
  /// directory; they need not exist yet.
  public static func parse(
    yaml: String, file: String, expander: PathExpander
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
      kind = choice(
        node, "kind", reader: &reader, TaskKind.init(rawValue:), known: TaskKind.allCases.map(\.rawValue))
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
    var maxTokens: Int?? = .some(nil)
    if let node = fields["max_tokens"] {
      maxTokens = reader.int(node, "max_tokens", range: 1...4096).map { Optional($0) }
    }
    var limit: Int? = 20
    if let node = fields["limit"] { limit = reader.int(node, "limit", range: 1...Int.max) }
    var seed: UInt64? = 1
    if let node = fields["seed"] { seed = reader.uint64(node, "seed") }
    var categories: Bool? = false
    if let node = fields["categories"] { categories = reader.bool(node, "categories") }
    var stop: [String]?? = .some(nil)
    if let node = fields["stop"] { stop = stopTexts(node, reader: &reader).map { Optional($0) } }

    let methods = kindSpecific(fields, "method", for: .multipleChoice, kind: kind, reader: &reader) {
      node, reader in choiceMethods(node, reader: &reader)
    }
    let scoring = kindSpecific(fields, "scoring", for: .exactAnswer, kind: kind, reader: &reader) {
      node, reader in answerScoring(node, reader: &reader, expander: expander)
    }

    guard let name, let kind, let items, let prompt, let format, let maxTokens, let limit, let seed,
      let categories, let stop, let methods, let scoring
    else { return nil }
    return TaskSpec(
      name: name, kind: kind, items: items, prompt: prompt, format: format, maxTokens: maxTokens, limit: limit,
      seed: seed, methods: methods ?? [.generative], scoring: scoring, categories: categories, stop: stop,
      location: reader.location(of: root))
  }

  /// A key that only one kind uses: parsed when the kind matches, an error otherwise.
  /// The outer optional is nil on an error; the inner one is nil when the key is absent.
  private static func kindSpecific<T>(
    _ fields: Fields, _ key: String, for owner: TaskKind, kind: TaskKind?, reader: inout ConfigReader,
    parse: (Node, inout ConfigReader) -> T?
  ) -> T?? {
    guard let node = fields[key] else { return .some(nil) }
    if let kind, kind != owner {
      reader.error(
        "\(key) is only used with kind: \(owner.rawValue)", at: fields.keyNode(key) ?? node,
        hint: "remove \(key), or set `kind: \(owner.rawValue)`")
      return nil
    }
    return parse(node, &reader).map { .some($0) }
  }

  /// `method: generative` or a list of methods, each at most once.
  private static func choiceMethods(_ node: Node, reader: inout ConfigReader) -> [ChoiceMethod]? {
    guard let nodes = reader.list(node, "method", allowScalar: true) else { return nil }
    guard !nodes.isEmpty else {
      reader.error(
        "method is empty; list at least one of \(Suggestions.list(ChoiceMethod.allCases.map(\.rawValue)))", at: node)
      return nil
    }
    var methods: [ChoiceMethod] = []
    var failed = false
    for item in nodes {
      guard
        let method = choice(
          item, "method", reader: &reader, ChoiceMethod.init(rawValue:), known: ChoiceMethod.allCases.map(\.rawValue))
      else {
        failed = true
        continue
      }
      if methods.contains(method) {
        reader.error("duplicate method '\(method.rawValue)'", at: item, hint: "list each method once")
        failed = true
      }
      methods.append(method)
    }
    return failed ? nil : methods
  }

  /// `stop: "\n\n"` or a list of non-empty texts.
  private static func stopTexts(_ node: Node, reader: inout ConfigReader) -> [String]? {
    guard let nodes = reader.list(node, "stop", allowScalar: true) else { return nil }
    var texts: [String] = []
    for item in nodes {
      guard let text = reader.string(item, "stop") else { return nil }
      texts.append(text)
    }
    return texts
  }

  /// A string that must be one of `known`, converted by `make`.
  static func choice<T>(
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
