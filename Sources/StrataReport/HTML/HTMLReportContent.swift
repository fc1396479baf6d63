import Foundation
import StrataStore

/// Everything the HTML report shows, read from the store once: the tables' rows, what
/// the charts draw, the drill-down's answers and prompts, and the failures.
public struct HTMLReportContent: Sendable {
  /// Caps that keep the file small enough to mail, whatever the database holds.
  public struct Limits: Sendable {
    /// Answers shown per cell, task and method (wrong ones first)…
    public var itemsPerWay = 40
    /// …for at most this many cells, tasks and methods (in run order).
    public var ways = 120
    /// Servers whose life is charted.
    public var chartedServers = 24
    /// Points per charted series.
    public var seriesPoints = 200
    /// Characters of a reply, and of a prompt, before the rest is cut (with a note).
    public var replyCharacters = 1500
    public var promptCharacters = 3000

    public init() {}
  }

  public struct RunPart: Sendable {
    public var source: RunSource
    public var engines: [EngineIdentityLine]
    public var samplers: [SamplerStatusRecord]
  }

  public struct Failure: Sendable {
    public var label: String
    public var status: String
    public var message: String
    public var logTail: String?
  }

  /// One cell's answers to one task one way.
  public struct Way: Sendable {
    public var anchor: String
    public var label: String
    public var task: String
    public var method: String
    public var correct: Int
    public var total: Int
    public var shown: [TaskResultRecord]
  }

  public struct ServerSeries: Sendable {
    public var title: String
    public var buckets: [TelemetryBucket]
  }

  public var runs: [RunPart]
  public var comparison: [ComparisonRow]
  public var hardware: HardwareTable?
  public var quality: [QualityRow]
  public var categories: [QualityRow]
  public var reliability: [ReliabilityRow]
  public var latencies: [(label: String, repetitions: [PerfRepetitionRecord])]
  public var series: [ServerSeries]
  public var omittedServers: Int
  public var ways: [Way]
  /// Cells × tasks × methods past `limits.ways`, not drilled into.
  public var omittedWays = 0
  /// Prompt hash → text, for the prompts the shown answers asked (each printed once).
  public var prompts: [String: String]
  public var failures: [Failure]
  public var limits: Limits
  public var multiHost: Bool
  public var multiRun: Bool

  public static func gather(
    store: ResultStore, runs: [RunSource], limits: Limits = Limits(), tariff: Tariff? = nil
  ) throws -> HTMLReportContent {
    let read = try ComparisonBuilder.rows(store: store, runs: runs)
    let comparison = tariff.map { $0.price(read) } ?? read
    let multiHost = Set(runs.map(\.host.hostname)).count > 1
    let multiRun = runs.count > 1
    var parts: [RunPart] = []
    var latencies: [(String, [PerfRepetitionRecord])] = []
    var series: [ServerSeries] = []
    var serverCount = 0
    var ways: [Way] = []
    var prompts: [String: String] = [:]
    var failures: [Failure] = []
    var omittedWays = 0
    for source in runs {
      let id = source.id
      parts.append(
        RunPart(
          source: source, engines: try EngineSection.lines(store: store, runId: id),
          samplers: try store.inventory(runId: id)?.samplers ?? []))
      let cells = try store.cells(runId: id)
      let labels = Dictionary(
        cells.map { ($0.hash, Self.label($0, host: multiHost ? source.host.hostname : nil, run: multiRun ? id : nil)) },
        uniquingKeysWith: { a, _ in a })
      let perf = Dictionary(grouping: try store.perfRepetitions(runId: id), by: \.cellHash)
      for cell in cells {
        guard let repetitions = perf[cell.hash], let first = repetitions.first?.scenario else { continue }
        latencies.append((labels[cell.hash] ?? cell.hash, repetitions.filter { $0.scenario == first }))
      }
      let servers = try store.servers(runId: id)
      // The noise check's server serves no cell: the run's last server that none points at.
      let checked = try store.noiseChecks(runId: id).first?.cellHash
      let served = Set(cells.compactMap(\.serverId))
      let checkServer = checked == nil ? nil : servers.compactMap(\.id).filter { !served.contains($0) }.max()
      for server in servers {
        serverCount += 1
        guard series.count < limits.chartedServers, let serverId = server.id else { continue }
        let members = cells.filter { $0.serverId == serverId }.compactMap { labels[$0.hash] }
        let fallback =
          serverId == checkServer
          ? "noise check, " + (checked.flatMap { labels[$0] } ?? server.loadGroup)
          : server.engine + " " + server.loadGroup
        let title =
          "Server \(serverId): " + (members.first ?? fallback)
          + (members.count > 1 ? " and \(members.count - 1) more cells" : "")
        series.append(
          ServerSeries(
            title: title, buckets: try store.telemetrySeries(serverId: serverId, buckets: limits.seriesPoints)))
      }
      let stored = try store.prompts(runId: id)
      let results = Dictionary(grouping: try store.taskResults(runId: id), by: \.cellHash)
      for cell in cells {
        let label = labels[cell.hash] ?? cell.hash
        if cell.status == .failed || (cell.status == .skipped && cell.failureKind == .doesNotFit) {
          failures.append(
            Failure(
              label: label, status: ComparisonBuilder.status(cell), message: cell.failure ?? "(no message stored)",
              logTail: cell.logTail))
        }
        let answers = results[cell.hash] ?? []
        var order: [String] = []
        let grouped = Dictionary(grouping: answers) { answer -> String in
          let key = answer.task + "\u{1F}" + answer.method
          if !order.contains(key) { order.append(key) }
          return key
        }
        for key in order {
          guard let mine = grouped[key], let first = mine.first else { continue }
          guard ways.count < limits.ways else {
            omittedWays += 1
            continue
          }
          let shown = Array((mine.filter { !$0.correct } + mine.filter(\.correct)).prefix(limits.itemsPerWay))
          // A run that kept no prompts (before v8) must not clear another run's.
          for answer in shown {
            if let text = stored[answer.promptHash] { prompts[answer.promptHash] = text }
          }
          ways.append(
            Way(
              anchor: "w-" + Markup.identifier("\(id.prefix(8))-\(cell.hash.prefix(10))-\(first.task)-\(first.method)"),
              label: label,
              task: first.task, method: first.method, correct: mine.filter(\.correct).count, total: mine.count,
              shown: shown))
        }
      }
      for server in servers where server.loadFailure != nil {
        failures.append(
          Failure(
            label: "server \(server.id.map(String.init) ?? "?") (\(server.engine), \(server.loadGroup))",
            status: "did not load", message: server.loadFailure ?? "", logTail: nil))
      }
    }
    // The comparison rows already read, not a second reading of every run.
    let hardware = try? HardwareBuilder.table(
      rows: comparison,
      engines: Dictionary(
        parts.map { part in
          (part.source.id, Dictionary(part.engines.map { ($0.engine, $0) }, uniquingKeysWith: { first, _ in first }))
        }, uniquingKeysWith: { first, _ in first }),
      hosts: Dictionary(parts.map { ($0.source.id, $0.source.host) }, uniquingKeysWith: { first, _ in first }),
      model: nil, quant: nil)
    return HTMLReportContent(
      runs: parts, comparison: comparison, hardware: hardware?.rows.isEmpty == false ? hardware : nil,
      quality: try QualityBuilder.rows(store: store, runs: runs),
      // The heatmap shows accuracy only: no bootstrap of each category's calibration.
      categories: try QualityBuilder.rows(store: store, runs: runs, byCategory: true, intervals: false),
      reliability: try ReliabilityBuilder.rows(store: store, runs: runs), latencies: latencies, series: series,
      omittedServers: serverCount - series.count, ways: ways, omittedWays: omittedWays, prompts: prompts,
      failures: failures, limits: limits,
      multiHost: multiHost, multiRun: multiRun)
  }

  /// "host run engine model quant settings": the host and a short run id only where
  /// several are shown, so that the same cell of two runs can be told apart.
  static func label(_ cell: CellRecord, host: String?, run: String?) -> String {
    [host ?? "", run.map { String($0.prefix(8)) } ?? "", cell.engine, cell.model, cell.quant, cell.variant]
      .filter { !$0.isEmpty }.joined(separator: " ")
  }
}
