import Foundation
import Yams

/// Parses `matrix.yaml`.
public enum MatrixSpecParser {
  /// Parses the text of a matrix file; `file` is the name used in error positions.
  ///
  /// Checks everything that needs only this file (types, ranges, duplicates, that
  /// exclude and override values appear in the axes); names of engines, models,
  /// quants and tasks are checked against the project by `ProjectLoader`.
  public static func parse(yaml: String, file: String = "matrix.yaml") throws(ConfigErrors) -> MatrixSpec {
    let result = try parseCollecting(yaml: yaml, file: file)
    guard result.errors.isEmpty else { throw ConfigErrors(errors: result.errors).sorted() }
    return result.spec
  }

  /// The spec with defaults wherever a part was invalid, plus every problem found.
  ///
  /// Throws only when the file cannot be read as a mapping at all.
  static func parseCollecting(yaml: String, file: String) throws(ConfigErrors) -> (
    spec: MatrixSpec, errors: [ConfigError]
  ) {
    let root = try YAMLLoader.rootMapping(
      yaml: yaml, file: file, expected: "a mapping with `axes:` (engine, model) and optionally scenarios and tasks")
    var parser = MatrixParser(reader: ConfigReader(file: file))
    let spec = parser.parse(root)
    return (spec, parser.reader.errors)
  }
}

/// The state of one matrix parse: values seen so far and the problems found.
struct MatrixParser {
  var reader: ConfigReader
  var axes = AxisSet(engines: [], models: [])
  /// Axis name → its values, for axes that parsed without problems.
  var axisValues: [String: [AxisValue]] = [:]
  /// Axes whose declaration had problems: their values are not cross-checked.
  var failedAxes: Set<String> = []
  /// True when `axes:` itself was missing or not a mapping.
  var axesFailed = false
  var axisLocations: [String: SourceLocation] = [:]
  var references: [MatrixReference] = []

  static let topKeys = ["design", "budget", "repeats", "axes", "exclude", "overrides", "scenarios", "tasks"]

  /// Parses the root mapping, substituting defaults for anything invalid.
  mutating func parse(_ root: Node) -> MatrixSpec {
    let fileName = (reader.file as NSString).lastPathComponent
    var spec = MatrixSpec(axes: axes, location: reader.location(of: root))
    guard let fields = reader.fields(of: root, context: fileName, known: Self.topKeys) else { return spec }
    if let node = fields["design"] { spec.design = design(node) ?? .full }
    if let node = fields["budget"] { spec.budget = budget(node) }
    if let node = fields["repeats"] { spec.repeats = reader.int(node, "repeats", range: 1...100) ?? spec.repeats }
    if let node = fields["axes"] {
      parseAxes(node)
      checkCellCount(node)
    } else {
      reader.missing("axes", in: fields, context: fileName, hint: "add `axes:` with at least `engine:` and `model:`")
      axesFailed = true
    }
    if let node = fields["exclude"], let items = reader.list(node, "exclude") {
      spec.exclude = items.compactMap { pattern($0, context: "an exclude rule", role: "exclude") }
    }
    if let node = fields["overrides"], let items = reader.list(node, "overrides") {
      spec.overrides = items.enumerated().compactMap { override($0.element, index: $0.offset) }
    }
    if let node = fields["scenarios"] { spec.scenarios = scenarios(node, what: "scenarios") ?? spec.scenarios }
    if let node = fields["tasks"] { spec.tasks = tasks(node, what: "tasks") ?? [] }
    spec.axes = axes
    spec.axisLocations = axisLocations
    spec.references = references
    return spec
  }

  /// `budget: {hours: 8, cells: 40}`: either or both; `strata run --max-duration` wins over `hours`.
  mutating func budget(_ node: Node) -> MatrixBudget? {
    guard let fields = reader.fields(of: node, context: "budget", known: ["hours", "cells"]) else { return nil }
    var budget = MatrixBudget()
    if let hours = fields["hours"] { budget.hours = reader.double(hours, "budget.hours", range: 0.01...720) }
    if let cells = fields["cells"] { budget.cells = reader.int(cells, "budget.cells", range: 1...100_000) }
    return budget
  }

  /// The most cells a matrix may plan. A night of a few hundred cells is a big
  /// sweep; tens of thousands is a typo (an axis of ranges, say) that would plan
  /// for minutes and run for months.
  static let maxCells = 10_000

  /// The product of the axes (a quant axis left out counts once per model), so a
  /// matrix past ``maxCells`` is refused before it is expanded.
  private mutating func checkCellCount(_ node: Node) {
    let counts =
      [axes.engines.count, axes.models.count, max(1, axes.quants.count)] + axes.flags.values.map(\.count)
      + axes.sampling.values.map(\.count)
    var cells = 1
    for count in counts {
      let (product, overflow) = cells.multipliedReportingOverflow(by: max(1, count))
      cells = overflow ? Int.max : product
    }
    guard cells > Self.maxCells else { return }
    reader.error(
      "the axes multiply to \(cells == Int.max ? "more than \(Int.max)" : String(cells)) cells, over the limit of \(Self.maxCells)",
      at: node, hint: "narrow an axis, or split the sweep into several matrices")
  }

  private mutating func design(_ node: Node) -> Design? {
    guard let text = reader.string(node, "design") else { return nil }
    if let design = Design(rawValue: text) { return design }
    if ["pairwise", "sample"].contains(text) {
      reader.error("design '\(text)' is not supported yet; use full", at: node, hint: "write `design: full`")
    } else {
      reader.error(
        "unknown design '\(text)'; known designs: full", at: node, hint: Suggestions.hint(for: text, in: ["full"]))
    }
    return nil
  }

  /// A scenario list (a single name is accepted); nil after any problem.
  mutating func scenarios(_ node: Node, what: String) -> [Scenario]? {
    guard let nodes = reader.list(node, what, allowScalar: true) else { return nil }
    guard !nodes.isEmpty else {
      reader.error("\(what) is empty; list at least one scenario", at: node, hint: "e.g. `\(what): [pp512-tg128]`")
      return nil
    }
    var result: [Scenario] = []
    var ok = true
    for item in nodes {
      guard let name = reader.string(item, "a scenario name") else {
        ok = false
        continue
      }
      guard let scenario = Scenario(name: name) else {
        reader.error(
          "invalid scenario name '\(name)'; expected pp<N>-tg<M> with N and M between 1 and \(Scenario.maximumTokens)",
          at: item, hint: "e.g. pp512-tg128: a 512-token prompt, then 128 generated tokens")
        ok = false
        continue
      }
      guard !result.contains(scenario) else {
        reader.error("duplicate scenario '\(name)' in \(what)", at: item, hint: "list each scenario once")
        ok = false
        continue
      }
      result.append(scenario)
    }
    return ok ? result : nil
  }

  /// A task list: names or `{name, limit}` mappings; records task references.
  mutating func tasks(_ node: Node, what: String) -> [TaskSelection]? {
    guard let nodes = reader.list(node, what, allowScalar: true) else { return nil }
    var result: [TaskSelection] = []
    var ok = true
    for item in nodes {
      var selection: TaskSelection?
      var nameNode = item
      if case .mapping = item {
        if let fields = reader.fields(of: item, context: "a task selection", known: ["name", "limit"]) {
          if let node = fields["name"] {
            nameNode = node
            selection = reader.string(node, "the task name").map { TaskSelection(name: $0) }
          } else {
            reader.missing(
              "name", in: fields, context: "a task selection", hint: "e.g. `{name: arc_challenge, limit: 20}`")
          }
          if let node = fields["limit"] {
            let limit = reader.int(node, "limit", range: 1...Int.max)
            if limit == nil { selection = nil } else { selection?.limit = limit }
          }
        }
      } else {
        selection = reader.string(item, "a task name").map { TaskSelection(name: $0) }
      }
      guard let selection else {
        ok = false
        continue
      }
      guard !result.contains(where: { $0.name == selection.name }) else {
        reader.error("duplicate task '\(selection.name)' in \(what)", at: nameNode, hint: "list each task once")
        ok = false
        continue
      }
      references.append(MatrixReference(kind: .task, name: selection.name, location: reader.location(of: nameNode)))
      result.append(selection)
    }
    return ok ? result : nil
  }
}
