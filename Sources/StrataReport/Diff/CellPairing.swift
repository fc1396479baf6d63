import Foundation
import StrataStore

/// A setting that is one value throughout one run and another throughout the other
/// (`threads: 2 → 1`): the thing the operator changed on purpose, so cells are
/// matched without it and it is named above the table.
public struct SettingChange: Sendable, Hashable, Codable {
  public var axis: String
  /// nil: the run's matrix has no such axis.
  public var before: String?
  public var after: String?
}

/// Matches the cells of two runs: by their whole assignment, less the settings
/// that changed wholesale between the runs. Cells left out by the matrix are not
/// cells of the run and take no part.
struct CellPairing {
  struct Pair {
    var before: CellRecord
    var after: CellRecord
    /// The assignment both share, engine, model and quant included.
    var key: [String: String]
  }

  var pairs: [Pair] = []
  var settings: [SettingChange] = []
  var onlyBefore: [CellRecord] = []
  var onlyAfter: [CellRecord] = []

  init(before: [CellRecord], after: [CellRecord]) {
    // A cell the matrix excludes is no cell of the run; one whose engine was unavailable is (its engine broke).
    let planned = { (cell: CellRecord) in
      cell.status != .skipped || cell.failureKind == .doesNotFit
        || (cell.failure?.hasPrefix("engine ") == true && cell.failure?.contains(" unavailable") == true)
    }
    let before = before.filter(planned)
    let after = after.filter(planned)
    let assignmentsBefore = before.map { Self.assignment($0.assignmentJSON) }
    let assignmentsAfter = after.map { Self.assignment($0.assignmentJSON) }
    let axes = Set(assignmentsBefore.flatMap(\.keys)).union(assignmentsAfter.flatMap(\.keys))
    var dropped: Set<String> = []
    for axis in axes.sorted() {
      let one = Set(assignmentsBefore.map { $0[axis] })
      let other = Set(assignmentsAfter.map { $0[axis] })
      guard one.count == 1, other.count == 1, one != other, !before.isEmpty, !after.isEmpty else { continue }
      dropped.insert(axis)
      settings.append(SettingChange(axis: axis, before: one.first ?? nil, after: other.first ?? nil))
    }
    func key(_ assignment: [String: String]) -> [String: String] { assignment.filter { !dropped.contains($0.key) } }
    var waiting: [[String: String]: [CellRecord]] = [:]
    for (cell, assignment) in zip(after, assignmentsAfter) { waiting[key(assignment), default: []].append(cell) }
    for (cell, assignment) in zip(before, assignmentsBefore) {
      let shared = key(assignment)
      if var candidates = waiting[shared], !candidates.isEmpty {
        pairs.append(Pair(before: cell, after: candidates.removeFirst(), key: shared))
        waiting[shared] = candidates
      } else {
        onlyBefore.append(cell)
      }
    }
    let paired = Set(pairs.map(\.after.hash))
    onlyAfter = after.filter { !paired.contains($0.hash) }
  }

  /// A stored assignment as text values (`"2"` for the number 2).
  static func assignment(_ json: String) -> [String: String] {
    guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { return [:] }
    return object.mapValues { "\($0)" }
  }
}
