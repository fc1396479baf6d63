import Foundation
import StrataConfig
import StrataMatrix
import StrataStore

/// Estimated durations of cells and server starts: from earlier runs of the same
/// cell on this host where the store has them, else from the model's size and the
/// scenarios' lengths.
public struct RunEstimator: Sendable {
  /// Seconds of the latest done run of each cell hash on this host.
  public var cellHistory: [String: Double]
  /// Seconds of the latest load of each load group on this host.
  public var loadHistory: [String: Double]
  /// Per server start, what a run spends outside cells and loads (baseline ticks,
  /// stopping the server, engine checks), learnt from earlier runs; a guess without them.
  public var perServerOverheadSeconds: Double
  /// Model file size per (model, quant), for the estimate without history.
  public var modelBytes: [String: UInt64]
  public var taskItems: [String: Int]

  public init(
    cellHistory: [String: Double] = [:], loadHistory: [String: Double] = [:], perServerOverheadSeconds: Double = 2,
    modelBytes: [String: UInt64] = [:], taskItems: [String: Int] = [:]
  ) {
    self.cellHistory = cellHistory
    self.loadHistory = loadHistory
    self.perServerOverheadSeconds = perServerOverheadSeconds
    self.modelBytes = modelBytes
    self.taskItems = taskItems
  }

  /// The estimator for `project` without any history (no database yet).
  public static func from(project: Project, itemLimit: Int?) -> RunEstimator {
    var estimator = RunEstimator()
    estimator.learnSizes(project, itemLimit: itemLimit)
    return estimator
  }

  /// The estimator for `project` on the host called `hostname`, from the store's history.
  public static func from(
    store: ResultStore, hostname: String, project: Project, itemLimit: Int? = nil
  ) throws(StoreError) -> RunEstimator {
    var estimator = RunEstimator()
    var overheads: [Double] = []
    for run in try store.timingHistory() where Self.hostname(run.hostJSON) == hostname {
      for (hash, seconds) in run.cellSeconds where seconds > 0 { estimator.cellHistory[hash] = seconds }
      for (group, seconds) in run.loads { estimator.loadHistory[group] = seconds }
      guard !run.loads.isEmpty, !run.cellSeconds.isEmpty else { continue }
      let inside = run.cellSeconds.reduce(0) { $0 + $1.1 } + run.loads.reduce(0) { $0 + $1.1 }
      overheads.append(max(0, (run.finishedAt - run.startedAt - inside) / Double(run.loads.count)))
    }
    if let last = overheads.last { estimator.perServerOverheadSeconds = last }
    estimator.learnSizes(project, itemLimit: itemLimit)
    return estimator
  }

  private mutating func learnSizes(_ project: Project, itemLimit: Int?) {
    for model in project.models.models {
      guard case .local(let files) = model.source else { continue }
      for (quant, path) in files {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.uint64Value
        modelBytes["\(model.name)/\(quant)"] = size
      }
    }
    for (name, task) in project.tasks {
      taskItems[name] = itemLimit ?? task.limit
    }
  }

  static func hostname(_ hostJSON: String) -> String? {
    struct Host: Decodable { var hostname: String }
    return try? JSONDecoder().decode(Host.self, from: Data(hostJSON.utf8)).hostname
  }

  /// Whether the estimate of this cell comes from an earlier run of it.
  public func isMeasured(_ cellPlan: CellPlan) -> Bool { cellHistory[cellPlan.cell.id] != nil }

  public func cellSeconds(_ cellPlan: CellPlan, stored: StoredCellProgress = .none) -> Double {
    let whole = cellHistory[cellPlan.cell.id] ?? modelled(cellPlan)
    // A resumed cell only does what it lacks: scale by the share of its repetitions still missing.
    let planned = cellPlan.scenarios.count * max(1, cellPlan.repeats)
    guard planned > 0, !stored.repetitions.isEmpty else { return whole }
    let missing = max(0, planned - stored.repetitions.count)
    return whole * max(0.1, Double(missing) / Double(planned))
  }

  public func loadSeconds(_ key: LoadGroupKey) -> Double {
    perServerOverheadSeconds + (loadHistory[key.id] ?? (1 + Double(bytes(key.model, key.quant)) / 500e6))
  }

  /// Without history: decode reads the whole model per token, so its rate follows the
  /// model's size over a modest memory bandwidth (10 GB/s); prompts go ~8× faster.
  private func modelled(_ cellPlan: CellPlan) -> Double {
    let size = Double(max(bytes(cellPlan.cell.model, cellPlan.cell.quant), 50_000_000))
    let decodeTPS = 10e9 / size
    let promptTPS = decodeTPS * 8
    var seconds = 0.0
    for scenario in cellPlan.scenarios {
      let one = Double(scenario.promptTokens) / promptTPS + Double(scenario.generateTokens) / decodeTPS
      seconds += one * Double(max(1, cellPlan.repeats)) + 0.2
    }
    for task in cellPlan.tasks {
      let items = task.limit ?? taskItems[task.name] ?? 50
      seconds += Double(items) * (200 / promptTPS + 64 / decodeTPS)
    }
    return seconds
  }

  private func bytes(_ model: String, _ quant: String) -> UInt64 { modelBytes["\(model)/\(quant)"] ?? 0 }
}
