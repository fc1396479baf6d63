/// The values of every axis the matrix varies.
public struct AxisSet: Sendable, Hashable {
  public var engines: [String]
  public var models: [String]
  /// Empty means "every quant each model offers".
  public var quants: [String]
  public var flags: [ServerFlag: [AxisValue]]
  public var sampling: [SamplingParameter: [AxisValue]]

  /// Creates an axis set; flags and sampling default to none.
  public init(
    engines: [String], models: [String], quants: [String] = [],
    flags: [ServerFlag: [AxisValue]] = [:], sampling: [SamplingParameter: [AxisValue]] = [:]
  ) {
    self.engines = engines
    self.models = models
    self.quants = quants
    self.flags = flags
    self.sampling = sampling
  }
}

/// A partial assignment used by exclude rules and override conditions: axis name → allowed values
/// (a rule matches a cell when every key matches one of its values).
///
/// Axis names: "engine", "model", "quant", ServerFlag raw values, SamplingParameter raw values.
/// Values are normalised like the axes' (flash_attn true → "on", temperature 0 → 0.0).
public struct AxisPattern: Sendable, Hashable {
  public var constraints: [String: [AxisValue]]
  /// Where the rule is written.
  public var location: SourceLocation

  /// Creates a pattern; `location` defaults to an unknown place in `matrix.yaml`.
  public init(constraints: [String: [AxisValue]], location: SourceLocation = SourceLocation(file: "matrix.yaml")) {
    self.constraints = constraints
    self.location = location
  }

  /// True when every constrained axis is present in `assignment` with one of the allowed values.
  ///
  /// An axis the assignment lacks does not match; an empty pattern matches everything.
  public func matches(_ assignment: [String: AxisValue]) -> Bool {
    constraints.allSatisfy { axis, allowed in
      guard let value = assignment[axis] else { return false }
      return allowed.contains(value)
    }
  }
}

/// Per-cell changes for the cells a pattern matches; later overrides win.
public struct Override: Sendable, Hashable {
  public var when: AxisPattern
  public var scenarios: [Scenario]?
  public var tasks: [TaskSelection]?
  public var repeats: Int?

  /// Creates an override; nil fields keep the matrix-wide value.
  public init(when: AxisPattern, scenarios: [Scenario]? = nil, tasks: [TaskSelection]? = nil, repeats: Int? = nil) {
    self.when = when
    self.scenarios = scenarios
    self.tasks = tasks
    self.repeats = repeats
  }
}

/// `budget:` in matrix.yaml: how long one invocation may take, and how many cells it may run.
public struct MatrixBudget: Sendable, Hashable {
  public var hours: Double?
  public var cells: Int?
  public init(hours: Double? = nil, cells: Int? = nil) {
    self.hours = hours
    self.cells = cells
  }
}

/// The parsed `matrix.yaml`: what to vary, what to skip, and what to run on each cell.
public struct MatrixSpec: Sendable, Hashable {
  public var design: Design
  /// Limits of one `strata run`; nil for none (the command line's `--max-duration` wins).
  public var budget: MatrixBudget? = nil
  /// Repetitions of each scenario per cell, 1...100.
  public var repeats: Int
  public var axes: AxisSet
  public var exclude: [AxisPattern]
  public var overrides: [Override]
  public var scenarios: [Scenario]
  public var tasks: [TaskSelection]
  /// Where the file's root mapping starts.
  public var location: SourceLocation
  /// Where each axis (engine, model, quant, flag and sampling names) is declared, for cross-reference errors.
  public var axisLocations: [String: SourceLocation]
  /// Every name matrix.yaml refers to in other files, with its position (filled by the parser).
  var references: [MatrixReference] = []

  /// Creates a spec with the file format's defaults (full design, 3 repeats, pp512-tg128).
  public init(
    design: Design = .full, repeats: Int = 3, axes: AxisSet, exclude: [AxisPattern] = [],
    overrides: [Override] = [], scenarios: [Scenario] = [.standard], tasks: [TaskSelection] = [],
    location: SourceLocation = SourceLocation(file: "matrix.yaml"), axisLocations: [String: SourceLocation] = [:]
  ) {
    self.design = design
    self.repeats = repeats
    self.axes = axes
    self.exclude = exclude
    self.overrides = overrides
    self.scenarios = scenarios
    self.tasks = tasks
    self.location = location
    self.axisLocations = axisLocations
  }
}

/// A name in matrix.yaml that must exist elsewhere in the project.
struct MatrixReference: Sendable, Hashable {
  enum Kind: String, Sendable, Hashable {
    case engine, model, quant, task
  }

  var kind: Kind
  var name: String
  var location: SourceLocation
}
