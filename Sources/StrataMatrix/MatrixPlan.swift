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

extension MatrixPlan {
  /// The plan without the groups of `engines` (name → why), whose cells become
  /// skipped with that reason, so the run records why they never ran.
  public func skipping(engines reasons: [String: String]) -> MatrixPlan {
    guard !reasons.isEmpty else { return self }
    var kept: [LoadGroup] = []
    var skipped = self.skipped
    for group in groups {
      if let reason = reasons[group.key.engine] {
        skipped += group.cells.map {
          SkippedCell(cell: $0.cell, reason: "engine \(group.key.engine) unavailable: \(reason)")
        }
      } else {
        kept.append(group)
      }
    }
    return MatrixPlan(groups: kept, skipped: skipped)
  }

  /// The engines the planned cells use, sorted.
  public var engines: [String] { Set(groups.map(\.key.engine)).sorted() }
}
