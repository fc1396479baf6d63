import StrataConfig

/// What to run against one cell, after per-cell overrides.
public struct CellPlan: Sendable, Hashable {
  public var cell: Cell
  public var scenarios: [Scenario]
  public var tasks: [TaskSelection]
  public var repeats: Int
}

/// The cells that share one server, in the order they run.
public struct LoadGroup: Sendable, Hashable {
  public var key: LoadGroupKey
  public var cells: [CellPlan]
}

/// A cell the design produced but will not run, and why.
public struct SkippedCell: Sendable, Hashable {
  public var cell: Cell
  public var reason: String
}

/// The expanded matrix: load groups to run, and the cells left out with reasons.
public struct MatrixPlan: Sendable {
  public var groups: [LoadGroup]
  public var skipped: [SkippedCell]

  /// Every planned cell, in run order.
  public var cells: [CellPlan] { groups.flatMap(\.cells) }
}
