import Foundation
import StrataMatrix
import StrataStore

/// The plan of one invocation: which cells run, in what order, what each already
/// has stored, and the limits it runs under. The sweep does what it says; every
/// decision to leave a cell out (done before, failed and not retried, over the
/// budget) is taken here.
public struct RunSchedule: Sendable {
  /// One cell to run, with what the store already has of it.
  public struct Entry: Sendable {
    public var cellPlan: CellPlan
    public var stored: StoredCellProgress
    public var estimateSeconds: Double
  }

  /// One load group's cells that still need work.
  public struct Group: Sendable {
    public var group: LoadGroup
    public var entries: [Entry]
    /// The server's expected load time, counted once per start.
    public var loadEstimateSeconds: Double
  }

  public var groups: [Group]
  /// Cells of a resumed run that are done already, with the same cell hash.
  public var keptDone: Int
  /// Failed cells of a resumed run that stay failed (no `--retry-failed`).
  public var keptFailed: Int
  public var budget: RunBudget

  public var entries: [Entry] { groups.flatMap(\.entries) }
  public var estimateSeconds: Double {
    groups.reduce(0) { $0 + $1.loadEstimateSeconds + $1.entries.reduce(0) { $0 + $1.estimateSeconds } }
  }
}

/// How much time a run may take; checked at each cell boundary.
public struct RunBudget: Sendable, Equatable {
  /// Seconds the run may last; nil for no limit.
  public var maxSeconds: Double?
  /// Cells this invocation may run; nil for no limit.
  public var maxCells: Int?

  public init(maxSeconds: Double? = nil, maxCells: Int? = nil) {
    self.maxSeconds = maxSeconds
    self.maxCells = maxCells
  }

  public static let unlimited = RunBudget()

  /// nil when the next cell fits, else why it does not.
  public func refusal(elapsed: Double, nextEstimate: Double, cellsRun: Int) -> String? {
    if let maxCells, cellsRun >= maxCells { return "the budget of \(maxCells) cells is used" }
    guard let maxSeconds else { return nil }
    guard elapsed + nextEstimate > maxSeconds else { return nil }
    return String(
      format: "the next cell needs about %@ and %@ of the %@ budget is left", Duration.words(nextEstimate),
      Duration.words(max(0, maxSeconds - elapsed)), Duration.words(maxSeconds))
  }
}

/// What a stored run already has, for `--resume`.
public struct ResumeState: Sendable {
  public var run: RunRecord
  public var cells: [String: CellRecord]
  public var progress: [String: StoredCellProgress]

  public init(run: RunRecord, cells: [String: CellRecord], progress: [String: StoredCellProgress]) {
    self.run = run
    self.cells = cells
    self.progress = progress
  }

  /// Reads what the store has of `run`'s unfinished cells.
  public static func read(_ run: RunRecord, store: ResultStore) throws(StoreError) -> ResumeState {
    let cells = try store.cells(runId: run.id)
    var progress: [String: StoredCellProgress] = [:]
    for cell in cells where cell.status != .done && cell.status != .skipped {
      progress[cell.hash] = try store.storedProgress(runId: run.id, cellHash: cell.hash)
    }
    return ResumeState(
      run: run, cells: Dictionary(cells.map { ($0.hash, $0) }, uniquingKeysWith: { first, _ in first }),
      progress: progress)
  }
}

public enum RunPlanner {
  /// The schedule of `plan`: everything for a new run; for a resumed one, the cells
  /// not done, each with what it has stored (failed ones only with `retryFailed`;
  /// interrupted ones always, since they did not fail).
  public static func schedule(
    _ plan: MatrixPlan, resume: ResumeState?, retryFailed: Bool, budget: RunBudget, estimator: RunEstimator
  ) -> RunSchedule {
    var keptDone = 0
    var keptFailed = 0
    var groups: [RunSchedule.Group] = []
    for group in plan.groups {
      var entries: [RunSchedule.Entry] = []
      for cellPlan in group.cells {
        let stored = resume?.cells[cellPlan.cell.id]
        switch (stored?.status, stored?.failureKind) {
        case (.done?, _):
          keptDone += 1
          continue
        case (.failed?, let kind) where kind != .interrupted && !retryFailed:
          keptFailed += 1
          continue
        default:
          break
        }
        let progress = resume?.progress[cellPlan.cell.id] ?? .none
        entries.append(
          .init(
            cellPlan: cellPlan, stored: progress, estimateSeconds: estimator.cellSeconds(cellPlan, stored: progress)))
      }
      guard !entries.isEmpty else { continue }
      groups.append(.init(group: group, entries: entries, loadEstimateSeconds: estimator.loadSeconds(group.key)))
    }
    return RunSchedule(groups: groups, keptDone: keptDone, keptFailed: keptFailed, budget: budget)
  }
}

/// Why a stored run cannot be continued as it is.
public enum ResumeRefusal: Error, Sendable, CustomStringConvertible {
  case noRun(String)
  case finished(String)
  case matrixChanged(runId: String, added: Int, removed: Int, path: String)
  case engineChanged(runId: String, changes: [String])

  public var description: String {
    switch self {
    case .noRun(let id):
      "no run \(id) in this database; `strata report --runs` lists them, or use --resume auto"
    case .finished(let id):
      "run \(id) is done; there is nothing to resume (start a new run without --resume)"
    case .matrixChanged(let id, let added, let removed, let path):
      "run \(id) was planned from a different matrix: \(added) cell(s) are new in \(path) and \(removed) of the run's are gone; start a new run, or restore the matrix the run used"
    case .engineChanged(let id, let changes):
      "run \(id) measured other engine builds than this host has now (\(changes.joined(separator: "; "))); its figures would mix builds: start a new run"
    }
  }
}

/// Short human durations: "45 s", "12 min", "3 h 20 min".
public enum Duration {
  public static func words(_ seconds: Double) -> String {
    let s = max(0, seconds.isFinite ? seconds : 0)
    if s < 90 { return "\(Int(s.rounded())) s" }
    if s < 3600 { return "\(Int((s / 60).rounded())) min" }
    let hours = Int(s / 3600)
    let minutes = Int(((s - Double(hours) * 3600) / 60).rounded())
    return minutes == 0 ? "\(hours) h" : "\(hours) h \(minutes) min"
  }

  /// Parses "8h", "90m", "45s", "1h30m", or bare seconds.
  public static func parse(_ text: String) -> Double? {
    let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
    if let plain = Double(trimmed), plain > 0 { return plain }
    var total = 0.0
    var number = ""
    var sawUnit = false
    for character in trimmed {
      if character.isNumber || character == "." {
        number.append(character)
        continue
      }
      guard let value = Double(number) else { return nil }
      switch character {
      case "h": total += value * 3600
      case "m": total += value * 60
      case "s": total += value
      case "d": total += value * 86_400
      default: return nil
      }
      number = ""
      sawUnit = true
    }
    guard number.isEmpty, sawUnit, total > 0 else { return nil }
    return total
  }
}
