import Foundation
import Prometheus
import StrataStore

/// The headline figures of runs in Prometheus's text format, for node_exporter's
/// textfile collector: one gauge per figure, one series per cell, labelled by host,
/// engine, model, quant and the cell's other settings (`variant`). The metric names
/// follow Prometheus's conventions: base units (seconds, bytes), `_ratio` for shares.
public enum PrometheusExport {
  /// Written with swift-prometheus's registry, which escapes label values and keeps one
  /// `# HELP`/`# TYPE` pair per metric, so a hostname or model name with a quote or a
  /// newline cannot break the file node_exporter parses.
  public static func text(store: ResultStore, runs: [RunSource]) throws(StoreError) -> String {
    let registry = PrometheusCollectorRegistry()
    for source in runs {
      let run = source.run
      let runLabels = [("host", source.host.hostname), ("run", run.id)]
      registry.makeGauge(
        name: "strata_run_info", labels: runLabels + [("status", run.status.rawValue), ("strata", run.strataVersion)],
        help: "A run strata stored: always 1, its labels say which"
      ).set(1.0)
      registry.makeGauge(
        name: "strata_run_started_timestamp_seconds", labels: runLabels, help: "When the run started (Unix time)"
      ).set(run.startedAt)
      if let finished = run.finishedAt {
        registry.makeGauge(
          name: "strata_run_finished_timestamp_seconds", labels: runLabels, help: "When the run ended (Unix time)"
        ).set(finished)
      }
      let rows = try ComparisonBuilder.rows(store: store, runId: run.id)
      var statuses: [String: Int] = [:]
      for row in rows {
        statuses[row.status.split(separator: ":").first.map(String.init) ?? row.status, default: 0] += 1
      }
      for status in ["done", "failed", "skipped", "planned", "running"] {
        registry.makeGauge(
          name: "strata_run_cells", labels: runLabels + [("status", status)], help: "Cells of the run by status"
        ).set(Double(statuses[status] ?? 0))
      }
      for row in rows { cell(row, registry: registry) }
    }
    return canonicalOrder(registry.emitToString())
  }

  /// The registry emits its families and series in hash order, which changes from one
  /// process to the next; the file is easier to diff (and to test) sorted: families by
  /// name, each with its `# HELP` and `# TYPE` first and its series in label order.
  static func canonicalOrder(_ text: String) -> String {
    var families: [(header: [String], samples: [String])] = []
    for line in text.split(separator: "\n").map(String.init) {
      if line.hasPrefix("# HELP ") || (line.hasPrefix("# TYPE ") && families.last?.samples.isEmpty == false)
        || families.isEmpty
      {
        families.append(([], []))
      }
      if line.hasPrefix("#") {
        families[families.count - 1].header.append(line)
      } else {
        families[families.count - 1].samples.append(line)
      }
    }
    return families.sorted { ($0.header.first ?? "") < ($1.header.first ?? "") }
      .map { ($0.header + $0.samples.sorted()).joined(separator: "\n") }.joined(separator: "\n") + "\n"
  }

  static func cell(_ row: ComparisonRow, registry: PrometheusCollectorRegistry) {
    let variant = row.axes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    // `run` keeps two runs' (or two same-named hosts') series apart: the registry would merge them.
    let labels = [
      ("host", row.host), ("run", row.run), ("engine", row.engine), ("model", row.model), ("quant", row.quant),
      ("variant", variant),
    ]
    let scenario = labels + [("scenario", row.scenario ?? "")]
    func gauge(_ name: String, _ labels: [(String, String)], _ help: String, _ value: Double?) {
      guard let value, value.isFinite else { return }
      registry.makeGauge(name: name, labels: labels, help: help).set(value)
    }
    gauge(
      "strata_decode_tokens_per_second", scenario, "Decode speed, llama-server's own timing, mean over repetitions",
      row.decodeTPS?.mean)
    gauge(
      "strata_prompt_tokens_per_second", scenario, "Prompt processing speed, mean over repetitions",
      row.promptTPS?.mean)
    gauge(
      "strata_time_to_first_token_seconds", scenario, "Time to the first token, mean over repetitions",
      row.ttftMs.map { $0.mean / 1000 })
    gauge("strata_load_seconds", labels, "Server start to its first healthy answer", row.loadSeconds)
    gauge(
      "strata_peak_rss_bytes", labels, "The server process's peak resident memory",
      row.peakRSSBytes.map(Double.init))
    gauge(
      "strata_peak_vram_bytes", labels, "Peak device memory above the baseline before the server started",
      row.peakVRAMBytes.map(Double.init))
    gauge("strata_power_watts", labels, "Mean device power over the cell", row.meanPowerWatts)
    gauge(
      "strata_energy_per_token_joules", labels, "Device energy per generated token in the measured repetitions",
      row.joulesPerGeneratedToken)
    if let accuracy = row.accuracy, let way = row.accuracyWay {
      gauge(
        "strata_accuracy_ratio", labels + [("task", way)], "Share of items answered correctly (first task and method)",
        accuracy.value)
    }
  }
}
