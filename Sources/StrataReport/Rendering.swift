import Foundation
import StrataEval

/// Output formats of `strata report`.
public enum ReportFormat: String, Sendable, CaseIterable {
  case table, markdown, csv, json
}

/// Turns comparison rows into text.
public enum ReportRenderer {
  public static func render(_ rows: [ComparisonRow], format: ReportFormat) -> String {
    render([ReportSection(title: nil, rows: rows)], format: format)
  }

  /// Sections (from `--by`) share one set of columns and one legend; CSV and JSON
  /// carry the grouping fields in every row, so they are the rows in section order.
  public static func render(_ sections: [ReportSection<ComparisonRow>], format: ReportFormat) -> String {
    let rows = sections.flatMap(\.rows)
    switch format {
    case .table: return renderTable(sections)
    case .markdown: return renderMarkdown(sections)
    case .csv: return renderCSV(rows)
    case .json: return ReportEncoding.json(rows)
    }
  }

  /// `host` and `run` earn a column only when the rows come from several.
  static func sourceColumns(_ rows: [ComparisonRow]) -> [String] {
    (Set(rows.map(\.host)).count > 1 ? ["host"] : []) + (Set(rows.map(\.run)).count > 1 ? ["run"] : [])
  }

  /// The axes beyond engine/model/quant whose value differs between rows: only
  /// those earn a column.
  static func varyingAxes(_ rows: [ComparisonRow]) -> [String] {
    let keys = Set(rows.flatMap(\.axes.keys))
    return keys.filter { key in Set(rows.map { $0.axes[key] ?? "-" }).count > 1 }.sorted()
  }

  /// Hardware columns appear only when some row has the figure (no GPU: no VRAM column).
  static func hardwareColumns(_ rows: [ComparisonRow]) -> [(header: String, value: (ComparisonRow) -> String?)] {
    let mib = { (bytes: Int64) in format(Double(bytes) / 1_048_576, digits: 0) }
    let all: [(String, (ComparisonRow) -> String?)] = [
      (rooflineHeader, { row in row.fractionOfBound.map { ofBound($0, bound: row.decodeBoundTPS) } }),
      ("peak RSS MiB", { $0.peakRSSBytes.map(mib) }),
      ("peak VRAM MiB", { $0.peakVRAMBytes.map(mib) }),
      ("predicted MiB", { row in row.predictedBytes.map { mib($0) + predictionError(row, predicted: $0) } }),
      ("mean VRAM MiB", { $0.meanVRAMBytes.map(mib) }),
      ("power W", { row in row.meanPowerWatts.map { format($0, digits: 1) + soc(row) } }),
      ("idle W", { row in row.idlePowerWatts.map { format($0, digits: 1) + soc(row) } }),
      ("J/tok", { row in row.joulesPerGeneratedToken.map { joules($0) + soc(row) } }),
      ("J/tok net", { row in row.netJoulesPerGeneratedToken.map { joules($0) + soc(row) } }),
      ("cost/Mtok", { row in row.energyCost?.text }),
      ("energy J", { row in row.energyJoules.map { format($0, digits: 0) + soc(row) } }),
    ]
    return all.filter { column in rows.contains { column.1($0) != nil } }.map { (header: $0.0, value: $0.1) }
  }

  /// The roofline, idle power and cost legends, for the columns shown (terminal and HTML).
  static func figureLegends(_ rows: [ComparisonRow], shown: Set<String>) -> [String] {
    var lines: [String] = []
    if shown.contains(rooflineHeader) { lines.append(rooflineLegend) }
    if shown.contains("idle W") || shown.contains("J/tok net") { lines.append(idleLegend) }
    if let tariff = rows.lazy.compactMap(\.energyCost).first?.tariff { lines.append(costLegend(tariff)) }
    return lines
  }

  static let idleLegend =
    "idle W: device power in the 2 s before the server started; J/tok net: J/tok less that idle power over the same time, the energy the tokens cost beyond keeping the device on."

  static func costLegend(_ tariff: Tariff) -> String {
    "cost/Mtok: J/tok net for a million generated tokens at \(tariff.description) (1 kWh = 3.6 MJ)."
  }

  static let rooflineHeader = "decode of bound"

  /// "34% of 291": the share of the roofline bound, and the bound in t/s.
  static func ofBound(_ fraction: Double, bound: Double?) -> String {
    // A compute-bound software device (llvmpipe) decodes far below its memory's bound.
    (fraction < 0.005 ? "<1" : format(fraction * 100, digits: 0)) + "%"
      + (bound.map { " of " + format($0, digits: 0) } ?? "")
  }

  static let rooflineLegend =
    "decode of bound: mean decode t/s as a share of the roofline bound, the host memory bandwidth measured before the run (STREAM triad) ÷ the bytes one token reads (every weight the GGUF tensor table says decode touches, one embedding row, the routed experts only, plus the KV cache at the decode depth); shown where all of it sits in host memory (CPU backends, llvmpipe): a GPU's own bandwidth is not probed yet."

  /// How far the measured peak is from the prediction: " (+12%)" when the peak is higher.
  static func predictionError(_ row: ComparisonRow, predicted: Int64) -> String {
    let measured: Int64? =
      switch row.predictedAgainst {
      case .rss?: row.peakRSSBytes
      case .vram?: row.peakVRAMBytes
      default: nil
      }
    guard let peak = measured, predicted > 0 else { return "" }
    let percent = (Double(peak) - Double(predicted)) / Double(predicted) * 100
    return " (" + (percent >= 0 ? "+" : "") + format(percent, digits: 0) + "%)"
  }

  /// The mark on an APU's power figures, which are the SoC's (see the legend).
  static let socMark = " SoC"
  static func soc(_ row: ComparisonRow) -> String { soc(row.powerIncludesCPU) }
  static func soc(_ includesCPU: Bool?) -> String { includesCPU == true ? socMark : "" }

  static func headers(_ rows: [ComparisonRow], axes: [String]) -> [String] {
    sourceColumns(rows) + ["engine", "model", "quant"] + axes + [
      "scenario", "load s", "TTFT ms", "prompt t/s", "decode t/s",
    ]
      + hardwareColumns(rows).map(\.header) + ["accuracy", "status"]
  }

  static func cells(
    _ row: ComparisonRow, sources: [String], axes: [String],
    hardware: [(header: String, value: (ComparisonRow) -> String?)]
  )
    -> [String]
  {
    let source = sources.map { $0 == "host" ? row.host : row.run }
    let identity: [String] = source + [row.engine, row.model, row.quant] + axes.map { row.axes[$0] ?? "-" }
    let load: String = row.loadSeconds.map { format($0, digits: 2) } ?? "-"
    let ttft: String = row.ttftMs.map { meanSD($0, digits: 1) } ?? "-"
    let prompt: String = row.promptTPS.map { meanSD($0, digits: 1) } ?? "-"
    let decode: String = row.decodeTPS.map { meanSD($0, digits: 1) } ?? "-"
    let machine: [String] = hardware.map { $0.value(row) ?? "-" }
    let quality: String =
      row.accuracy.map(accuracy) ?? (row.scoredWays > 1 ? "\(row.scoredWays) ways: see quality" : "-")
    return identity + [row.scenario ?? "-", load, ttft, prompt, decode] + machine + [quality, row.status]
  }

  /// Three significant digits: a small model on a big GPU spends millijoules per
  /// token, a big one on a small GPU joules.
  static func joules(_ value: Double) -> String {
    let digits = value >= 100 ? 0 : value >= 10 ? 1 : value >= 1 ? 2 : value >= 0.1 ? 3 : 4
    return format(value, digits: digits)
  }

  /// Says which task and method the accuracy column is of when a cell was scored several ways.
  static func accuracyLegend(_ rows: [ComparisonRow]) -> String {
    let base = "accuracy: share of items answered correctly, 95% Wilson interval in brackets"
    let ways = Set(rows.filter { $0.scoredWays > 1 }.compactMap(\.accuracyWay)).sorted()
    guard !ways.isEmpty else { return base + "." }
    return base + " — of \(ways.joined(separator: ", ")), each cell's first task and method; the quality table has all."
  }

  static func meanSD(_ summary: Summary, digits: Int) -> String {
    "\(format(summary.mean, digits: digits)) ± \(format(summary.standardDeviation, digits: digits))"
  }

  static func accuracy(_ p: Proportion) -> String {
    "\(format(p.value, digits: 2)) [\(format(p.lower, digits: 2))–\(format(p.upper, digits: 2))] n=\(p.trials)"
  }

  static func format(_ value: Double, digits: Int) -> String {
    String(format: "%.\(digits)f", value)
  }

  static func renderTable(_ sections: [ReportSection<ComparisonRow>]) -> String {
    let rows = sections.flatMap(\.rows)
    let axes = varyingAxes(rows)
    let sources = sourceColumns(rows)
    let hardware = hardwareColumns(rows)
    let header = headers(rows, axes: axes)
    let bodies = sections.map { section in
      section.rows.map { cells($0, sources: sources, axes: axes, hardware: hardware).map(TextSafety.terminal) }
    }
    let table = TextTable(header: header, rows: Array(bodies.joined()))
    var lines: [String] = []
    for (section, body) in zip(sections, bodies) {
      if let title = section.title { lines += (lines.isEmpty ? [] : [""]) + [TextSafety.terminal(title) + ":"] }
      lines += table.heading(header) + body.map(table.line)
    }
    func reasons(_ prefix: String) -> [String] {
      rows.filter { $0.status.hasPrefix(prefix) }.map { row in
        let settings = row.axes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let source = sources.isEmpty ? "" : "\(row.host) \(row.run) "
        return TextSafety.terminal(
          "  \(source)\(row.engine) \(row.model) \(row.quant) \(settings): \(row.failure ?? "unknown")")
      }
    }
    let failures = reasons("failed")
    if !failures.isEmpty { lines += ["", "failures:"] + failures }
    let skipped = reasons("skipped")
    if !skipped.isEmpty { lines += ["", "skipped:"] + skipped }
    lines += [
      "",
      "prompt and decode t/s: llama-server's own timings, mean ± sd over repetitions; decode is measured after the scenario's prompt (context depth = prompt tokens).",
      accuracyLegend(rows),
      "peak RSS: the server process's resident memory; peak and mean VRAM: device memory above the baseline before the server started.",
    ]
    let shown = Set(hardware.map(\.header))
    if shown.contains("predicted MiB") {
      lines.append(
        "predicted: the memory the fit check predicted from the GGUF header before the server started (weights + KV cache + compute; device memory where VRAM is sampled), with how far the measured peak is from it."
      )
    }
    if shown.contains("power W") {
      lines.append("power W, energy J: mean device power over the cell, and its integral over the cell's time.")
    }
    if shown.contains("J/tok") {
      lines.append(
        "J/tok: device energy during the measured repetitions ÷ the tokens they generated (their prompts' processing included; warm-up and task items left out)."
      )
    }
    lines += figureLegends(rows, shown: shown)
    if rows.contains(where: { $0.powerIncludesCPU == true }) {
      lines.append(
        "SoC: an APU's power (amdgpu power1_* covers the whole chip, CPU cores included), so its watts, joules and J/tok are not the GPU's alone."
      )
    }
    return lines.joined(separator: "\n") + "\n"
  }

  static func renderMarkdown(_ sections: [ReportSection<ComparisonRow>]) -> String {
    let rows = sections.flatMap(\.rows)
    let axes = varyingAxes(rows)
    let sources = sourceColumns(rows)
    let hardware = hardwareColumns(rows)
    let header = headers(rows, axes: axes)
    var lines: [String] = []
    for section in sections {
      if let title = section.title {
        lines += (lines.isEmpty ? [] : [""]) + ["**\(TextSafety.markdownCell(title))**", ""]
      }
      lines += ["| " + header.joined(separator: " | ") + " |", "|" + header.map { _ in "---|" }.joined()]
      lines += section.rows.map {
        "| "
          + cells($0, sources: sources, axes: axes, hardware: hardware).map(TextSafety.markdownCell)
          .joined(separator: " | ") + " |"
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }

  static func renderCSV(_ rows: [ComparisonRow]) -> String {
    let axes = Array(Set(rows.flatMap(\.axes.keys))).sorted()
    let header =
      ["run", "host", "cell", "engine", "model", "quant"] + axes + [
        "scenario", "load_s", "ttft_ms_mean", "ttft_ms_sd", "prompt_tps_mean", "prompt_tps_sd",
        "decode_tps_mean", "decode_tps_sd", "client_decode_tps_mean", "bound_tps", "of_bound", "peak_rss_bytes",
        "peak_vram_bytes",
        "mean_vram_bytes", "mean_power_w", "joules_per_token", "energy_j", "power_includes_cpu", "idle_power_w",
        "net_joules_per_token", "cost_per_mtok", "accuracy",
        "accuracy_low",
        "accuracy_high", "items", "status", "failure",
      ]
    func number(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "" }
    var lines = [header.joined(separator: ",")]
    for row in rows {
      func bytes(_ value: Int64?) -> String { value.map(String.init) ?? "" }
      let identity: [String] =
        [row.run, row.host, row.cell, row.engine, row.model, row.quant] + axes.map { row.axes[$0] ?? "" }
      let speed: [String] = [
        row.scenario ?? "", number(row.loadSeconds), number(row.ttftMs?.mean), number(row.ttftMs?.standardDeviation),
        number(row.promptTPS?.mean), number(row.promptTPS?.standardDeviation), number(row.decodeTPS?.mean),
        number(row.decodeTPS?.standardDeviation), number(row.clientDecodeTPS?.mean), number(row.decodeBoundTPS),
        number(row.fractionOfBound),
      ]
      let machine: [String] = [
        bytes(row.peakRSSBytes), bytes(row.peakVRAMBytes), bytes(row.meanVRAMBytes), number(row.meanPowerWatts),
        number(row.joulesPerGeneratedToken), number(row.energyJoules), row.powerIncludesCPU == true ? "1" : "",
        number(row.idlePowerWatts), number(row.netJoulesPerGeneratedToken), number(row.energyCost?.perMillionTokens),
      ]
      let quality: [String] = [
        number(row.accuracy?.value), number(row.accuracy?.lower), number(row.accuracy?.upper),
        row.accuracy.map { String($0.trials) } ?? "", row.status, row.failure ?? "",
      ]
      let fields = identity + speed + machine + quality
      lines.append(fields.map(ReportEncoding.csvField).joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
  }
}
