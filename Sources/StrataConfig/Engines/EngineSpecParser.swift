import Foundation
import Yams

/// Parses one `engines/<name>.yaml`.
public enum EngineSpecParser {
  static let knownKeys = ["name", "backend", "mode", "binary", "env", "args"]

  /// Parses the text of an engine file; `name:` must equal `file`'s base name.
  ///
  /// `binary` is expanded and made absolute against `file`'s directory unless it is
  /// a bare command name; it need not exist yet.
  public static func parse(
    yaml: String, file: String, expander: PathExpander = .standard()
  ) throws(ConfigErrors) -> EngineSpec {
    let root = try YAMLLoader.rootMapping(
      yaml: yaml, file: file, expected: "a mapping with name, backend and binary, e.g. `name: cpu`")
    var reader = ConfigReader(file: file)
    let spec = parse(root, reader: &reader, expander: expander)
    guard reader.errors.isEmpty, let spec else { throw ConfigErrors(errors: reader.errors).sorted() }
    return spec
  }

  private static func parse(_ root: Node, reader: inout ConfigReader, expander: PathExpander) -> EngineSpec? {
    let context = "the engine file"
    guard let fields = reader.fields(of: root, context: context, known: knownKeys) else { return nil }
    let baseName = FileNames.baseName(of: reader.file)
    let name = FileNames.checkName(fields, reader: &reader, kind: "engine", folder: "engines", baseName: baseName)

    var backend: Backend?
    if let node = fields["backend"] {
      if let text = reader.string(node, "backend") {
        backend = Backend(rawValue: text)
        if backend == nil {
          let known = Backend.allCases.map(\.rawValue)
          reader.error(
            "unknown backend '\(text)'; known backends: \(Suggestions.list(known))", at: node,
            hint: Suggestions.hint(for: text, in: known))
        }
      }
    } else {
      reader.missing("backend", in: fields, context: context, hint: "add `backend: cpu` (or vulkan, cuda, rocm)")
    }

    var mode: EngineMode? = .process
    if let node = fields["mode"] {
      mode = nil
      if let text = reader.string(node, "mode") {
        switch EngineMode(rawValue: text) {
        case .process: mode = .process
        case .container: reader.error("container mode is not supported yet", at: node, hint: "use mode: process")
        case nil:
          reader.error(
            "unknown mode '\(text)'; known modes: process, container", at: node,
            hint: Suggestions.hint(for: text, in: ["process", "container"]))
        }
      }
    }

    var binary: String?
    if let node = fields["binary"] {
      binary = reader.path(node, "binary", expander: expander, allowCommandName: true)
    } else if mode == .process {
      reader.missing(
        "binary", in: fields, context: context, hint: "add `binary: ${STRATA_CACHE}/bin/\(baseName)/llama-server`")
    }

    let env = fields["env"].flatMap { environment($0, reader: &reader) } ?? [:]
    let args = fields["args"].flatMap { arguments($0, reader: &reader) } ?? []

    guard let name, let backend, let mode, let binary else { return nil }
    return EngineSpec(
      name: name, backend: backend, mode: mode, binary: binary, env: env, args: args,
      location: reader.location(of: root))
  }

  /// `env:`: variable name → text (numbers and booleans are taken as written).
  private static func environment(_ node: Node, reader: inout ConfigReader) -> [String: String]? {
    if case .scalar(let scalar) = node, ScalarValue(scalar) == .null { return [:] }
    guard case .mapping(let mapping) = node else {
      reader.error(
        "expected a mapping of variable name to value for env, found \(reader.describe(node))", at: node,
        hint: "e.g. `env: {GGML_VK_VISIBLE_DEVICES: \"0\"}`")
      return nil
    }
    var env: [String: String] = [:]
    for (keyNode, valueNode) in mapping {
      guard let key = reader.string(keyNode, "an env variable name") else { continue }
      guard PathExpander.isVariableName(key) else {
        reader.error("'\(key)' is not a valid environment variable name", at: keyNode)
        continue
      }
      guard case .scalar(let scalar) = valueNode, ScalarValue(scalar) != .null else {
        reader.error("expected a text value for env.\(key), found \(reader.describe(valueNode))", at: valueNode)
        continue
      }
      env[key] = scalar.string
    }
    return env
  }

  /// `args:`: a list of extra arguments (a single scalar is one argument).
  private static func arguments(_ node: Node, reader: inout ConfigReader) -> [String]? {
    guard let nodes = reader.list(node, "args", allowScalar: true) else { return nil }
    var args: [String] = []
    for item in nodes {
      guard case .scalar(let scalar) = item, ScalarValue(scalar) != .null else {
        reader.error(
          "expected a text value in args, found \(reader.describe(item))", at: item,
          hint: "write each argument as a separate list item, e.g. [\"--no-warmup\"]")
        continue
      }
      args.append(scalar.string)
    }
    return args
  }
}
