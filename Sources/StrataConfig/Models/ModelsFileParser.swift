import Yams

/// Parses `models.yaml`.
public enum ModelsFileParser {
  /// Parses the text of a `models.yaml`; `file` is the name used in error positions.
  ///
  /// Paths are expanded with `expander` and made absolute against `file`'s
  /// directory, but need not exist. Throws every problem found.
  public static func parse(
    yaml: String, file: String = "models.yaml", expander: PathExpander
  ) throws(ConfigErrors) -> ModelsFile {
    let result = try parseCollecting(yaml: yaml, file: file, expander: expander)
    guard result.errors.isEmpty else { throw ConfigErrors(errors: result.errors).sorted() }
    return result.file
  }

  /// The valid entries, the names of all entries (valid or not), and the problems.
  ///
  /// Throws only when the file cannot be read as a mapping at all.
  static func parseCollecting(
    yaml: String, file: String, expander: PathExpander
  ) throws(ConfigErrors) -> (file: ModelsFile, declaredNames: Set<String>, errors: [ConfigError]) {
    let root = try YAMLLoader.rootMapping(
      yaml: yaml, file: file,
      expected: "a mapping with a `models:` list, e.g. `models: [{name: tiny, path: ~/tiny.Q8_0.gguf}]`")
    var reader = ConfigReader(file: file)
    guard let top = reader.fields(of: root, context: "models.yaml", known: ["models"]) else {
      return (ModelsFile(models: []), [], reader.errors)
    }
    guard let listNode = top["models"] else {
      reader.missing("models", in: top, context: "models.yaml", hint: "list the models under `models:`")
      return (ModelsFile(models: []), [], reader.errors)
    }
    var models: [ModelSpec] = []
    var declared: Set<String> = []
    var firstLine: [String: Int] = [:]
    for (index, entry) in (reader.list(listNode, "models") ?? []).enumerated() {
      var entryParser = ModelEntryParser(reader: reader, expander: expander)
      let spec = entryParser.parse(entry, index: index)
      reader = entryParser.reader
      guard let name = entryParser.name else { continue }
      declared.insert(name.value)
      if let line = firstLine[name.value] {
        reader.error(
          "duplicate model name '\(name.value)'; first defined at line \(line)", at: name.node,
          hint: "model names must be unique; rename or remove one entry")
        continue
      }
      firstLine[name.value] = name.node.mark?.line ?? 0
      if let spec { models.append(spec) }
    }
    return (ModelsFile(models: models), declared, reader.errors)
  }
}
