import Yams

/// Parses one entry of the `models:` list.
struct ModelEntryParser {
  var reader: ConfigReader
  let expander: PathExpander
  /// The entry's name and its node, once read (even when the rest is invalid).
  private(set) var name: (value: String, node: Node)?

  init(reader: ConfigReader, expander: PathExpander) {
    self.reader = reader
    self.expander = expander
  }

  /// The keys of each source form, with the form's first key as its label.
  static let forms: [(label: String, keys: [String])] = [
    ("local files", ["files"]),
    ("local file", ["path", "quant"]),
    ("Hugging Face", ["repo_id", "quant_tags", "revision"]),
    ("API", ["provider", "base_url", "api_key_env", "model"]),
  ]
  /// Keys any form may carry.
  static let commonKeys = ["name", "thinking", "thinking_budget"]
  static let knownKeys = commonKeys + forms.flatMap(\.keys)
  static let providers = ["openai"]

  /// The spec, or nil after recording why not.
  mutating func parse(_ entry: Node, index: Int) -> ModelSpec? {
    guard let fields = reader.fields(of: entry, context: context(entry, index: index), known: Self.knownKeys) else {
      return nil
    }
    let context = context(entry, index: index)
    guard let nameNode = fields["name"] else {
      reader.missing("name", in: fields, context: context, hint: "add `name: my-model`")
      return nil
    }
    guard let nameText = reader.string(nameNode, "the model name") else { return nil }
    name = (nameText, nameNode)
    guard Self.isValidName(nameText) else {
      reader.error(
        "invalid model name '\(nameText)'; use only a-z, 0-9, '.', '_' and '-'", at: nameNode,
        hint: "e.g. '\(Self.suggestedName(nameText))'")
      return nil
    }
    guard let form = detectForm(fields, context: context) else { return nil }
    let source: ModelSource?
    switch form {
    case 0: source = localFiles(fields)
    case 1: source = localPath(fields)
    case 2: source = huggingFace(fields)
    default: source = api(fields, modelName: nameText)
    }
    var spec = source.map { ModelSpec(name: nameText, source: $0, location: reader.location(of: entry)) }
    if let node = fields["thinking"], let thinking = reader.bool(node, "thinking") { spec?.thinking = thinking }
    if let node = fields["thinking_budget"] {
      if let budget = reader.int(node, "thinking_budget", range: 1...131_072) {
        if spec?.thinking == true {
          spec?.thinkingBudget = budget
        } else {
          reader.error(
            "thinking_budget is only used with thinking: true", at: node,
            hint: "add `thinking: true` for a model that reasons before it answers, or remove thinking_budget")
        }
      }
    }
    return spec
  }

  /// `model 'x'` when the entry has a readable name, else `models entry N`.
  private func context(_ entry: Node, index: Int) -> String {
    if case .mapping(let mapping) = entry, case .scalar(let scalar)? = mapping["name"], !scalar.string.isEmpty {
      return "model '\(scalar.string)'"
    }
    return "models entry \(index + 1)"
  }

  /// Index into `forms` of the one form used, or nil after an error for none or several.
  private mutating func detectForm(_ fields: Fields, context: String) -> Int? {
    var firstKeyOfForm: [(form: Int, key: String)] = []
    for entry in fields.entries {
      guard let form = Self.forms.firstIndex(where: { $0.keys.contains(entry.key) }) else { continue }
      if !firstKeyOfForm.contains(where: { $0.form == form }) { firstKeyOfForm.append((form, entry.key)) }
    }
    guard let first = firstKeyOfForm.first else {
      reader.error(
        "\(context) has no source", at: fields.node,
        hint:
          "add one of `files:`, `path:`, `repo_id:` with `quant_tags:`, or `provider:` with `base_url:` and `api_key_env:`"
      )
      return nil
    }
    if firstKeyOfForm.count > 1 {
      let second = firstKeyOfForm[1]
      reader.error(
        "\(context) mixes `\(first.key)` (\(Self.forms[first.form].label)) and `\(second.key)` (\(Self.forms[second.form].label)); an entry uses exactly one form",
        at: fields.keyNode(second.key) ?? fields.node,
        hint: "remove one of them, or split the entry into two models")
      return nil
    }
    return first.form
  }

  private mutating func localFiles(_ fields: Fields) -> ModelSource? {
    guard let filesNode = fields["files"] else { return nil }
    guard case .mapping(let mapping) = filesNode, !mapping.isEmpty else {
      reader.error(
        "expected a mapping of quant tag to path for files, found \(reader.describe(filesNode))", at: filesNode,
        hint: "e.g. `files: {Q4_K_M: ~/models/m.Q4_K_M.gguf}`")
      return nil
    }
    var files: [String: String] = [:]
    var ok = true
    for (keyNode, valueNode) in mapping {
      guard let tag = reader.string(keyNode, "a quant tag in files") else {
        ok = false
        continue
      }
      guard Self.isValidTag(tag) else {
        reader.error("invalid quant tag '\(tag)'; use letters, digits, '_', '.' and '-'", at: keyNode)
        ok = false
        continue
      }
      guard let path = reader.path(valueNode, "files.\(tag)", expander: expander) else {
        ok = false
        continue
      }
      files[tag] = path
    }
    return ok ? .local(files: files) : nil
  }

  private mutating func localPath(_ fields: Fields) -> ModelSource? {
    guard let pathNode = fields["path"] else {
      reader.error(
        "`quant` needs `path`", at: fields.keyNode("quant") ?? fields.node, hint: "add `path: ~/models/m.gguf`")
      return nil
    }
    guard let path = reader.path(pathNode, "path", expander: expander) else { return nil }
    if let quantNode = fields["quant"] {
      guard let quant = reader.string(quantNode, "quant") else { return nil }
      guard Self.isValidTag(quant) else {
        reader.error("invalid quant tag '\(quant)'; use letters, digits, '_', '.' and '-'", at: quantNode)
        return nil
      }
      return .local(files: [quant: path])
    }
    guard let quant = QuantInference.quant(inFileName: path) else {
      reader.error(
        "cannot infer the quant of '\(path)' from its file name, add `quant: Q4_K_M`", at: pathNode,
        hint: "name the quant with `quant:` next to `path:`")
      return nil
    }
    return .local(files: [quant: path])
  }

  private mutating func huggingFace(_ fields: Fields) -> ModelSource? {
    guard let repoNode = fields["repo_id"] else {
      reader.error("`quant_tags` and `revision` need `repo_id`", at: fields.node, hint: "add `repo_id: owner/name`")
      return nil
    }
    guard let repo = reader.string(repoNode, "repo_id") else { return nil }
    let parts = repo.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && Self.isValidTag(String($0)) }) else {
      reader.error(
        "repo_id '\(repo)' is not of the form owner/name", at: repoNode, hint: "e.g. `repo_id: unsloth/Qwen3-0.6B-GGUF`"
      )
      return nil
    }
    guard let tagsNode = fields["quant_tags"] else {
      reader.missing(
        "quant_tags", in: fields, context: "model '\(name?.value ?? repo)'", hint: "add `quant_tags: [Q4_K_M]`")
      return nil
    }
    guard let tagNodes = reader.list(tagsNode, "quant_tags", allowScalar: true) else { return nil }
    guard !tagNodes.isEmpty else {
      reader.error(
        "quant_tags must list at least one quant tag", at: tagsNode, hint: "e.g. `quant_tags: [Q4_K_M, Q8_0]`")
      return nil
    }
    var tags: [String] = []
    for node in tagNodes {
      guard let tag = reader.string(node, "a quant tag") else { return nil }
      guard Self.isValidTag(tag) else {
        reader.error("invalid quant tag '\(tag)'; use letters, digits, '_', '.' and '-'", at: node)
        return nil
      }
      guard !tags.contains(tag) else {
        reader.error("duplicate quant tag '\(tag)' in quant_tags", at: node)
        return nil
      }
      tags.append(tag)
    }
    var revision: String?
    if let revisionNode = fields["revision"] {
      guard let text = reader.string(revisionNode, "revision") else { return nil }
      revision = text
    }
    return .huggingFace(repoID: repo, quantTags: tags, revision: revision)
  }
}
