import Foundation
import Yams

/// Parses one `engines/<name>.yaml`.
public enum EngineSpecParser {
  static let knownKeys = [
    "name", "backend", "mode", "binary", "image", "runtime", "pull", "devices", "gpus", "seccomp",
    "hsa_override_gfx_version", "container_args", "env", "args",
  ]
  /// Keys that only mean something for `mode: container`.
  static let containerKeys = ["image", "runtime", "pull", "devices", "seccomp", "container_args"]

  /// Parses the text of an engine file; `name:` must equal `file`'s base name.
  ///
  /// `binary` is expanded and made absolute against `file`'s directory unless it is
  /// a bare command name; it need not exist yet.
  public static func parse(
    yaml: String, file: String, expander: PathExpander
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
        mode = EngineMode(rawValue: text)
        if mode == nil {
          reader.error(
            "unknown mode '\(text)'; known modes: process, container", at: node,
            hint: Suggestions.hint(for: text, in: EngineMode.allCases.map(\.rawValue)))
        }
      }
    }

    var binary: String?
    if let node = fields["binary"] {
      binary = reader.path(node, "binary", expander: expander, allowCommandName: true)
    } else if mode == .process {
      reader.missing(
        "binary", in: fields, context: context, hint: "add `binary: ${STRATA_CACHE}/bin/\(baseName)/llama-server`")
    } else {
      binary = EngineSpec.imageServerPath
    }

    var container: ContainerSpec?
    if mode == .container {
      container = containerSpec(fields, reader: &reader, context: context, backend: backend)
    } else if mode == .process {
      for key in containerKeys {
        guard let keyNode = fields.keyNode(key) else { continue }
        reader.error(
          "\(key) is only used with mode: container", at: keyNode,
          hint: "add `mode: container`, or remove \(key)")
      }
    }

    var gpus: [String] = []
    if let node = fields["gpus"] {
      gpus = gpuList(node, reader: &reader) ?? []
      if backend == .cpu, !gpus.isEmpty {
        reader.error("gpus selects GPUs, but the cpu backend uses none", at: node, hint: "remove gpus")
      }
    }

    var env = fields["env"].flatMap { environment($0, reader: &reader) } ?? [:]
    if let node = fields["hsa_override_gfx_version"] {
      if backend != .rocm {
        reader.error("hsa_override_gfx_version only applies to the rocm backend", at: node)
      } else if let text = reader.string(node, "hsa_override_gfx_version") {
        if text.split(separator: ".").count != 3 || !text.allSatisfy({ $0.isNumber || $0 == "." }) {
          reader.error(
            "hsa_override_gfx_version must look like 11.0.0, found '\(text)'", at: node,
            hint: "write the GFX version as major.minor.stepping, e.g. \"10.3.0\" for gfx1030")
        } else {
          env["HSA_OVERRIDE_GFX_VERSION"] = text
        }
      }
    }
    let args = fields["args"].flatMap { arguments($0, reader: &reader, what: "args") } ?? []

    guard let name, let backend, let mode, let binary else { return nil }
    guard mode == .process || container != nil else { return nil }
    return EngineSpec(
      name: name, backend: backend, mode: mode, binary: binary, container: container, gpus: gpus, env: env,
      args: args, location: reader.location(of: root))
  }

  /// `image`, `runtime`, `pull`, `devices`, `seccomp` and `container_args` of a container engine.
  private static func containerSpec(
    _ fields: Fields, reader: inout ConfigReader, context: String, backend: Backend?
  ) -> ContainerSpec? {
    var image: String?
    if let node = fields["image"] {
      image = reader.string(node, "image")
      if let text = image, text.contains(where: \.isWhitespace) {
        reader.error("image '\(text)' contains whitespace", at: node)
        image = nil
      }
    } else {
      let suffix = backend.map { $0 == .cpu ? "" : "-\($0.rawValue)" } ?? ""
      reader.missing(
        "image", in: fields, context: context, hint: "add `image: ghcr.io/ggml-org/llama.cpp:server\(suffix)`")
    }
    var runtime = ContainerRuntimeChoice.auto
    if let node = fields["runtime"] {
      runtime = choice(node, "runtime", reader: &reader) ?? .auto
    }
    var pull = PullPolicy.missing
    if let node = fields["pull"] {
      pull = choice(node, "pull", reader: &reader) ?? .missing
    }
    var devices: [String]?
    if let node = fields["devices"] {
      devices = arguments(node, reader: &reader, what: "devices")
      for path in devices ?? [] where !path.hasPrefix("/dev/") && !path.contains("=") {
        reader.error(
          "device '\(path)' is neither a /dev path nor a CDI name (vendor.com/class=name)", at: node,
          hint: "e.g. /dev/dri/renderD128 or nvidia.com/gpu=0")
      }
    }
    var seccompUnconfined = false
    if let node = fields["seccomp"] {
      switch reader.string(node, "seccomp") {
      case "unconfined": seccompUnconfined = true
      case "default", nil: break
      case let other?:
        reader.error("unknown seccomp '\(other)'; known values: default, unconfined", at: node)
      }
    }
    let runtimeArgs = fields["container_args"].flatMap { arguments($0, reader: &reader, what: "container_args") } ?? []
    guard let image else { return nil }
    return ContainerSpec(
      image: image, runtime: runtime, pull: pull, devices: devices, seccompUnconfined: seccompUnconfined,
      runtimeArgs: runtimeArgs)
  }

  /// A value of a closed set of words, with did-you-mean.
  private static func choice<T: RawRepresentable & CaseIterable>(
    _ node: Node, _ what: String, reader: inout ConfigReader
  ) -> T? where T.RawValue == String {
    guard let text = reader.string(node, what) else { return nil }
    if let value = T(rawValue: text) { return value }
    let known = T.allCases.map(\.rawValue)
    reader.error(
      "unknown \(what) '\(text)'; known values: \(Suggestions.list(known))", at: node,
      hint: Suggestions.hint(for: text, in: known))
    return nil
  }

  /// `gpus:` — `0`, `[0, 1]`, `"0,1"` or GPU UUIDs; each entry one device.
  private static func gpuList(_ node: Node, reader: inout ConfigReader) -> [String]? {
    guard let entries = arguments(node, reader: &reader, what: "gpus") else { return nil }
    let gpus = entries.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
    if let bad = gpus.first(where: { $0.isEmpty || $0.contains(where: \.isWhitespace) }) {
      reader.error("gpus entry '\(bad)' is empty or contains spaces", at: node, hint: "e.g. `gpus: [0, 1]`")
      return nil
    }
    return gpus
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

  /// A list of text values (a single scalar is a one-element list), e.g. `args:`.
  private static func arguments(_ node: Node, reader: inout ConfigReader, what: String) -> [String]? {
    guard let nodes = reader.list(node, what, allowScalar: true) else { return nil }
    var args: [String] = []
    for item in nodes {
      guard case .scalar(let scalar) = item, ScalarValue(scalar) != .null else {
        reader.error(
          "expected a text value in \(what), found \(reader.describe(item))", at: item,
          hint: "write each argument as a separate list item, e.g. [\"--no-warmup\"]")
        continue
      }
      args.append(scalar.string)
    }
    return args
  }
}
