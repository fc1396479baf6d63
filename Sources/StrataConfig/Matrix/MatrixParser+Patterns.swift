import Yams

extension MatrixParser {
  /// An exclude rule or override condition; `role` ("exclude", "override") starts value errors.
  mutating func pattern(_ node: Node, context: String, role: String) -> AxisPattern? {
    guard let fields = reader.fields(of: node, context: context, known: AxisRules.axisNames) else { return nil }
    if case .mapping(let mapping) = node, mapping.isEmpty {
      reader.error("\(context) names no axis", at: node, hint: "e.g. `{engine: vulkan, quant: Q3_K_S}`")
      return nil
    }
    var constraints: [String: [AxisValue]] = [:]
    var ok = true
    for entry in fields.entries {
      let what = "\(role) \(entry.key)"
      guard let nodes = reader.list(entry.value, what, allowScalar: true) else {
        ok = false
        continue
      }
      guard !nodes.isEmpty else {
        reader.error(
          "\(what) lists no value", at: entry.value, hint: "give a value or a list of values, or remove the key")
        ok = false
        continue
      }
      var values: [AxisValue] = []
      for item in nodes {
        guard let value = AxisRules.value(for: entry.key, item, what: what, reader: &reader),
          checkMembership(value, axis: entry.key, node: item, role: role)
        else {
          ok = false
          continue
        }
        if !values.contains(value) { values.append(value) }
      }
      constraints[entry.key] = values
    }
    return ok ? AxisPattern(constraints: constraints, location: reader.location(of: node)) : nil
  }

  /// True when `value` is among the axis's values (or cannot be checked in this file).
  private mutating func checkMembership(_ value: AxisValue, axis: String, node: Node, role: String) -> Bool {
    if axesFailed || failedAxes.contains(axis) { return true }
    let place = AxisRules.declaration(of: axis)
    if axis == "quant", axes.quants.isEmpty {
      references.append(MatrixReference(kind: .quant, name: value.canonical, location: reader.location(of: node)))
      return true
    }
    guard let values = axisValues[axis] else {
      reader.error(
        "\(role) value '\(value)' for \(axis) is not in \(place)", at: node,
        hint:
          "the matrix has no \(axis) axis; add it under \(place.split(separator: ".").dropLast().joined(separator: ".")) or remove it here"
      )
      return false
    }
    guard values.contains(value) else {
      let listed = values.map(\.canonical)
      let close = Suggestions.closest(to: value.canonical, in: listed).map { "did you mean '\($0)'? " } ?? ""
      reader.error(
        "\(role) value '\(value)' for \(axis) is not in \(place)", at: node,
        hint: "\(close)\(place) lists: \(Suggestions.list(listed))")
      return false
    }
    return true
  }

  /// One `overrides:` entry.
  mutating func override(_ node: Node, index: Int) -> Override? {
    let context = "overrides entry \(index + 1)"
    guard let fields = reader.fields(of: node, context: context, known: ["when", "scenarios", "tasks", "repeats"])
    else {
      return nil
    }
    var ok = true
    var result = Override(when: AxisPattern(constraints: [:], location: reader.location(of: node)))
    if let whenNode = fields["when"] {
      if let when = pattern(whenNode, context: "the override condition", role: "override") {
        result.when = when
      } else {
        ok = false
      }
    } else {
      reader.missing(
        "when", in: fields, context: context, hint: "add `when: {engine: vulkan}` to say which cells it changes")
      ok = false
    }
    if let scenariosNode = fields["scenarios"] {
      result.scenarios = scenarios(scenariosNode, what: "override scenarios")
      if result.scenarios == nil { ok = false }
    }
    if let tasksNode = fields["tasks"] {
      result.tasks = tasks(tasksNode, what: "override tasks")
      if result.tasks == nil { ok = false }
    }
    if let repeatsNode = fields["repeats"] {
      result.repeats = reader.int(repeatsNode, "override repeats", range: 1...100)
      if result.repeats == nil { ok = false }
    }
    if !fields.has("scenarios"), !fields.has("tasks"), !fields.has("repeats") {
      reader.error("\(context) changes nothing", at: node, hint: "add scenarios, tasks or repeats next to `when:`")
      ok = false
    }
    return ok ? result : nil
  }
}
