import StrataConfig

/// Expands a matrix into cells and orders them into load groups.
public enum MatrixExpander {
  /// Full factorial over every axis, then drops cells whose model lacks the quant
  /// and cells an exclude rule matches, then applies overrides (later ones win).
  ///
  /// `quantsByModel` gives the quants each model offers; an empty quant axis means
  /// "every quant of each model". Groups keep the order of first appearance, so
  /// the sweep restarts a server only when the load-time part changes.
  public static func plan(_ matrix: MatrixSpec, quantsByModel: [String: [String]]) -> MatrixPlan {
    var planned: [CellPlan] = []
    var skipped: [SkippedCell] = []
    let flagAxes = matrix.axes.flags.sorted { $0.key.rawValue < $1.key.rawValue }
    let samplingAxes = matrix.axes.sampling.sorted { $0.key.rawValue < $1.key.rawValue }

    for engine in matrix.axes.engines {
      for model in matrix.axes.models {
        let offered = quantsByModel[model] ?? []
        let quants = matrix.axes.quants.isEmpty ? offered : matrix.axes.quants
        for quant in quants {
          for flags in product(flagAxes) {
            for sampling in product(samplingAxes) {
              let cell = Cell(
                engine: engine, model: model, quant: quant, flags: flags, sampling: sampling)
              if !offered.contains(quant) {
                skipped.append(SkippedCell(cell: cell, reason: "model \(model) has no quant \(quant)"))
              } else if let rule = matrix.exclude.first(where: { $0.matches(cell.assignment) }) {
                skipped.append(SkippedCell(cell: cell, reason: "excluded by the rule at \(rule.location)"))
              } else {
                planned.append(applyOverrides(to: cell, matrix: matrix))
              }
            }
          }
        }
      }
    }
    return MatrixPlan(groups: group(planned), skipped: skipped)
  }

  static func applyOverrides(to cell: Cell, matrix: MatrixSpec) -> CellPlan {
    var plan = CellPlan(cell: cell, scenarios: matrix.scenarios, tasks: matrix.tasks, repeats: matrix.repeats)
    for override in matrix.overrides where override.when.matches(cell.assignment) {
      if let scenarios = override.scenarios { plan.scenarios = scenarios }
      if let tasks = override.tasks { plan.tasks = tasks }
      if let repeats = override.repeats { plan.repeats = repeats }
    }
    return plan
  }

  static func group(_ plans: [CellPlan]) -> [LoadGroup] {
    var order: [LoadGroupKey] = []
    var members: [LoadGroupKey: [CellPlan]] = [:]
    for plan in plans {
      let key = plan.cell.loadKey
      if members[key] == nil { order.append(key) }
      members[key, default: []].append(plan)
    }
    return order.map { LoadGroup(key: $0, cells: members[$0] ?? []) }
  }

  /// Cartesian product of keyed value lists; one empty assignment when there are no axes.
  static func product<Key: Hashable>(_ axes: [(key: Key, value: [AxisValue])]) -> [[Key: AxisValue]] {
    axes.reduce([[:]]) { partial, axis in
      partial.flatMap { assignment in
        axis.value.map { value in
          var next = assignment
          next[axis.key] = value
          return next
        }
      }
    }
  }
}
