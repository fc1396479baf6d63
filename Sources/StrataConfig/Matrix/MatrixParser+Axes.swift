import Yams

extension MatrixParser {
  /// Parses `axes:` into `axes`, `axisValues`, `axisLocations` and engine/model/quant references.
  mutating func parseAxes(_ node: Node) {
    let known = ["engine", "model", "quant", "args", "sampling"]
    guard let fields = reader.fields(of: node, context: "axes", known: known) else {
      axesFailed = true
      return
    }
    for key in ["engine", "model"] where !fields.has(key) {
      reader.missing(key, in: fields, context: "axes", hint: "add `\(key): [...]` listing the \(key)s to compare")
      failedAxes.insert(key)
    }
    for axis in ["engine", "model", "quant"] {
      guard let valueNode = fields[axis], let keyNode = fields.keyNode(axis) else { continue }
      axisLocations[axis] = reader.location(of: keyNode)
      guard let values = axisList(axis, valueNode, allowEmpty: axis == "quant") else { continue }
      let names = values.compactMap(\.value.stringValue)
      switch axis {
      case "engine": axes.engines = names
      case "model": axes.models = names
      default: axes.quants = names
      }
      if let kind = MatrixReference.Kind(rawValue: axis) {
        for (value, valueNode) in values {
          references.append(
            MatrixReference(kind: kind, name: value.canonical, location: reader.location(of: valueNode)))
        }
      }
    }
    if let argsNode = fields["args"] {
      let names = ServerFlag.allCases.map(\.rawValue)
      if let args = reader.fields(of: argsNode, context: "axes.args", known: names) {
        for entry in args.entries {
          guard let flag = ServerFlag(rawValue: entry.key) else { continue }
          axisLocations[entry.key] = reader.location(of: entry.keyNode)
          if let values = axisList(entry.key, entry.value, allowEmpty: false) { axes.flags[flag] = values.map(\.value) }
        }
      } else {
        failedAxes.formUnion(names)
      }
    }
    if let samplingNode = fields["sampling"] {
      let names = SamplingParameter.allCases.map(\.rawValue)
      if let sampling = reader.fields(of: samplingNode, context: "axes.sampling", known: names + ["preset"]) {
        if let presetNode = sampling["preset"], let text = reader.string(presetNode, "axes.sampling.preset") {
          if let preset = SamplingPreset(rawValue: text) {
            for (parameter, values) in preset.axes {
              axes.sampling[parameter] = values
              axisLocations[parameter.rawValue] = reader.location(of: presetNode)
            }
          } else {
            let known = SamplingPreset.allCases.map(\.rawValue)
            reader.error(
              "unknown sampling preset '\(text)'; known presets: \(Suggestions.list(known))", at: presetNode,
              hint: Suggestions.hint(for: text, in: known))
          }
        }
        for entry in sampling.entries {
          guard let parameter = SamplingParameter(rawValue: entry.key) else { continue }
          axisLocations[entry.key] = reader.location(of: entry.keyNode)
          if let values = axisList(entry.key, entry.value, allowEmpty: false) {
            axes.sampling[parameter] = values.map(\.value)
          }
        }
      } else {
        failedAxes.formUnion(names)
      }
    }
  }

  /// The values of one axis with their nodes; nil (and the axis marked failed) after any problem.
  private mutating func axisList(_ axis: String, _ node: Node, allowEmpty: Bool) -> [(value: AxisValue, node: Node)]? {
    let place = AxisRules.declaration(of: axis)
    guard let nodes = reader.list(node, place, allowScalar: true) else {
      failedAxes.insert(axis)
      return nil
    }
    if nodes.isEmpty, !allowEmpty {
      reader.error(
        "\(place) is empty; list at least one value", at: node,
        hint: "e.g. `\(axis): [\(Self.example(for: axis))]`, or remove the key")
      failedAxes.insert(axis)
      return nil
    }
    var values: [(value: AxisValue, node: Node)] = []
    var ok = true
    for item in nodes {
      guard let value = AxisRules.value(for: axis, item, what: place, reader: &reader) else {
        ok = false
        continue
      }
      if let first = values.first(where: { $0.value == value }) {
        reader.error(
          "duplicate value '\(value)' in \(place); first listed at line \(first.node.mark?.line ?? 0)", at: item,
          hint: "list each value once")
        ok = false
        continue
      }
      values.append((value, item))
    }
    guard ok else {
      failedAxes.insert(axis)
      return nil
    }
    axisValues[axis] = values.map(\.value)
    return values
  }

  /// A plausible value for hints.
  static func example(for axis: String) -> String {
    switch axis {
    case "engine": return "cpu"
    case "model": return "my-model"
    case "quant": return "Q4_K_M"
    case "ctk": return "f16, q8_0"
    case "flash_attn": return "on, off"
    case "temperature": return "0.0"
    default: return "1"
    }
  }
}
