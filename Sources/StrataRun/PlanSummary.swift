import Foundation
import StrataConfig
import StrataMatrix
import StrataStore

/// What `strata plan` shows: the cells of the next run in order, their servers,
/// the models that must be fetched first, and how long it should take.
public struct PlanSummary: Sendable, Encodable {
  public struct CellLine: Sendable, Encodable {
    public var server: Int
    public var hash: String
    public var engine: String
    public var model: String
    public var quant: String
    public var variant: String
    public var estimateSeconds: Double
    /// "measured" (an earlier run of this cell on this host) or "modelled" (model size, scenario lengths).
    public var basis: String
  }
  public struct ServerLine: Sendable, Encodable {
    public var server: Int
    public var engine: String
    public var mode: String
    public var model: String
    public var quant: String
    public var flags: [String]
    public var loadEstimateSeconds: Double
    public var cells: Int
    /// Predicted memory of the server (host + device), and whether it fits the memory free now.
    public var predictedBytes: Int?
    /// "fits", "does not fit" or "unknown"; nil without a fit check.
    public var fit: String?
    public var memory: String?
  }

  public var matrix: String
  public var cells: [CellLine]
  public var servers: [ServerLine]
  public var skipped: [String]
  public var processStarts: Int
  public var containerStarts: Int
  /// Models the plan needs that are not on disk: "name quant (repo)".
  public var modelsToFetch: [String]
  public var estimateSeconds: Double
  /// The cells of a stored run the plan continues (`--resume`), if any.
  public var resuming: String?

  public static func make(
    project: Project, plan: MatrixPlan, schedule: RunSchedule, estimator: RunEstimator, resuming: String? = nil,
    memoryFit: MemoryFit? = nil
  ) -> PlanSummary {
    var cells: [CellLine] = []
    var servers: [ServerLine] = []
    for (index, group) in schedule.groups.enumerated() {
      let mode = project.engines[group.group.key.engine]?.mode.rawValue ?? "process"
      let verdict = memoryFit?.verdict(group.group, project: project)
      servers.append(
        ServerLine(
          server: index + 1, engine: group.group.key.engine, mode: mode, model: group.group.key.model,
          quant: group.group.key.quant, flags: group.group.cells.first?.cell.flagArguments ?? [],
          loadEstimateSeconds: group.loadEstimateSeconds, cells: group.entries.count,
          predictedBytes: verdict?.estimate?.totalBytes, fit: verdict.map { Self.word($0.outcome) },
          memory: verdict?.detail))
      for entry in group.entries {
        let cell = entry.cellPlan.cell
        cells.append(
          CellLine(
            server: index + 1, hash: cell.id, engine: cell.engine, model: cell.model, quant: cell.quant,
            variant: cell.variantLabel, estimateSeconds: entry.estimateSeconds,
            basis: estimator.isMeasured(entry.cellPlan) ? "measured" : "modelled"))
      }
    }
    var fetch: [String] = []
    for key in Set(plan.groups.map { "\($0.key.model)\u{0}\($0.key.quant)" }).sorted() {
      let parts = key.split(separator: "\u{0}").map(String.init)
      guard let model = project.model(named: parts[0]) else { continue }
      let notPulled = { (repo: String) in
        "\(model.name) \(parts[1]): from Hugging Face \(repo), not pulled yet (`strata run` pulls it; `strata models pull \(model.name)` now)"
      }
      switch model.source {
      case .local(let files):
        if let path = files[parts[1]], let repo = NotPulled.repository(of: path) {
          fetch.append(notPulled(repo))
        } else if let path = files[parts[1]], !FileManager.default.fileExists(atPath: path) {
          fetch.append("\(model.name) \(parts[1]): \(path) is missing")
        }
      case .huggingFace(let repo, _, let revision):
        // A project not resolved through the Hugging Face cache (the callers resolve it first).
        fetch.append(notPulled("\(repo)@\(revision ?? "main")"))
      case .api:
        fetch.append("\(model.name) \(parts[1]) (an API model: sweeps do not run it)")
      }
    }
    return PlanSummary(
      matrix: project.matrixPath, cells: cells, servers: servers,
      skipped: plan.skipped.map { "\($0.cell.label): \($0.reason)" },
      processStarts: servers.filter { $0.mode == "process" }.count,
      containerStarts: servers.filter { $0.mode == "container" }.count, modelsToFetch: fetch,
      estimateSeconds: schedule.estimateSeconds, resuming: resuming)
  }

  static func word(_ outcome: FitVerdict.Outcome) -> String {
    switch outcome {
    case .fits: "fits"
    case .doesNotFit: "does not fit"
    case .unknown: "unknown"
    }
  }

  /// The plan as a terminal table.
  public var table: String {
    var lines: [String] = []
    if let resuming { lines.append(resuming) }
    lines.append(
      "\(cells.count) cells on \(servers.count) server starts (\(processStarts) process, \(containerStarts) container); \(skipped.count) left out"
    )
    lines.append(
      "models to fetch: "
        + (modelsToFetch.isEmpty ? "none" : "\n" + modelsToFetch.map { "  \($0)" }.joined(separator: "\n")))
    let header = ["server", "engine", "model", "quant", "variant", "estimate", "basis", "memory"]
    var rows: [[String]] = []
    for server in servers {
      rows.append([
        "\(server.server)", server.engine, server.model, server.quant,
        "(\(server.mode) start\(server.flags.isEmpty ? "" : " " + server.flags.joined(separator: " ")))",
        Duration.words(server.loadEstimateSeconds), "load",
        server.predictedBytes.map { "\(ByteCount.text($0)), \(server.fit ?? "")" } ?? server.fit ?? "-",
      ])
      for cell in cells where cell.server == server.server {
        rows.append([
          "", cell.engine, cell.model, cell.quant, cell.variant.isEmpty ? "-" : cell.variant,
          Duration.words(cell.estimateSeconds), cell.basis, "",
        ])
      }
    }
    let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
    func line(_ fields: [String]) -> String {
      var text = zip(fields, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
        .joined(separator: "  ")
      while text.hasSuffix(" ") { text.removeLast() }
      return text
    }
    lines.append(line(header))
    lines += rows.map(line)
    lines.append("estimated total: \(Duration.words(estimateSeconds))")
    for server in servers where server.fit == "does not fit" {
      lines.append(
        "does not fit: server \(server.server) (\(server.cells) cell(s)) \(server.memory ?? ""); `strata run` skips them, --no-fit-check tries"
      )
    }
    for note in skipped { lines.append("left out: \(note)") }
    return lines.joined(separator: "\n") + "\n"
  }
}
