import Foundation
import StrataEval

public enum HardwareRenderer {
  public static func render(_ table: HardwareTable, format: ReportFormat) -> String {
    render(table, sections: [ReportSection(title: nil, rows: table.rows)], format: format)
  }

  public static func render(
    _ table: HardwareTable, sections: [ReportSection<HardwareRow>], format: ReportFormat
  ) -> String {
    let rows = sections.flatMap(\.rows)
    switch format {
    case .json:
      var shown = table
      shown.rows = rows
      return ReportEncoding.json(shown)
    case .csv: return csv(rows)
    case .table: return terminal(table, sections: sections)
    case .markdown: return markdown(table, sections: sections)
    }
  }

  struct Column {
    var header: String
    var value: (HardwareRow) -> String
  }

  /// Columns shown: the optional ones only where some row has the figure, the
  /// settings and scenario only where rows differ in them.
  static func columns(_ rows: [HardwareRow], forum: Bool) -> [Column] {
    let settings = Set(rows.flatMap(\.settings.keys)).filter { key in
      Set(rows.map { $0.settings[key] ?? "-" }).count > 1
    }.sorted()
    let scenarios = Set(rows.map { $0.scenario ?? "-" })
    let (prompt, decode) = speedHeaders(scenarios.count == 1 ? rows.first?.scenario : nil)
    var columns = [
      Column(header: "host") { $0.host }, Column(header: "device") { $0.device },
      Column(header: "engine") { row in
        row.backend.flatMap { $0 == row.engine ? nil : "\(row.engine) (\($0))" } ?? row.engine
      },
    ]
    if rows.contains(where: { $0.build != nil }) { columns.append(Column(header: "build") { $0.build ?? "-" }) }
    columns += settings.map { key in Column(header: key) { $0.settings[key] ?? "-" } }
    if scenarios.count > 1 { columns.append(Column(header: "scenario") { $0.scenario ?? "-" }) }
    let format = ReportRenderer.format
    columns += [
      Column(header: prompt) { $0.promptTPS.map { ReportRenderer.meanSD($0, digits: 2) } ?? "-" },
      Column(header: decode) { $0.decodeTPS.map { ReportRenderer.meanSD($0, digits: 2) } ?? "-" },
    ]
    columns += optional(
      rows,
      [
        (
          ReportRenderer.rooflineHeader,
          { row in
            row.fractionOfBound.map { ReportRenderer.ofBound($0, bound: row.decodeBoundTPS) }
          }
        )
      ])
    columns += [
      Column(header: "TTFT ms") { $0.ttftMs.map { format($0.mean, 1) } ?? "-" },
      Column(header: "load s") { $0.loadSeconds.map { format($0, 2) } ?? "-" },
      Column(header: "peak MiB") { row in
        row.peakMemoryBytes.map { format(Double($0) / 1_048_576, 0) + (row.peakMemory == .vram ? " VRAM" : " RSS") }
          ?? "-"
      },
    ]
    let soc = { (row: HardwareRow) in ReportRenderer.soc(row.powerIncludesCPU) }
    columns += optional(
      rows,
      [
        ("W", { row in row.meanPowerWatts.map { format($0, 1) + soc(row) } }),
        ("J/tok", { row in row.joulesPerGeneratedToken.map { ReportRenderer.joules($0) + soc(row) } }),
        ("idle W", { row in row.idlePowerWatts.map { format($0, 1) + soc(row) } }),
        ("J/tok net", { row in row.netJoulesPerGeneratedToken.map { ReportRenderer.joules($0) + soc(row) } }),
        ("cost/Mtok", { $0.energyCost?.text }),
        ("accuracy", { $0.accuracy.map(ReportRenderer.accuracy) }),
      ])
    if !forum {
      columns.append(Column(header: "cells") { String($0.cells) })
      columns.append(Column(header: "status") { $0.status })
    }
    return columns
  }

  /// The columns some row has a figure for, "-" in the rows without.
  static func optional(_ rows: [HardwareRow], _ all: [(String, (HardwareRow) -> String?)]) -> [Column] {
    all.filter { _, value in rows.contains { value($0) != nil } }.map { header, value in
      Column(header: header) { value($0) ?? "-" }
    }
  }

  /// "pp512 t/s" and "tg128 t/s" where every row ran one `ppN-tgM` scenario, as
  /// llama-bench and llama.cpp's performance threads name them.
  static func speedHeaders(_ scenario: String?) -> (String, String) {
    guard let scenario, scenario.hasPrefix("pp") else { return ("prompt t/s", "decode t/s") }
    let parts = scenario.split(separator: "-")
    guard parts.count == 2, parts[1].hasPrefix("tg") else { return ("prompt t/s", "decode t/s") }
    return ("\(parts[0]) t/s", "\(parts[1]) t/s")
  }

  static func title(_ table: HardwareTable, rows: [HardwareRow]) -> String {
    let scenarios = Set(rows.compactMap(\.scenario)).sorted()
    return "\(table.model) \(table.quant)" + (scenarios.count == 1 ? " · \(scenarios[0])" : "")
  }

  static func legend(_ table: HardwareTable, rows: [HardwareRow]) -> [String] {
    var lines = [
      "One row per host × device × engine: the fastest-decoding of its cells for this model and quant, from the newest run that measured it (cells: how many were compared; --where on a cell's figures or settings narrows them).",
      "t/s: llama-server's own timings, mean ± sd over repetitions. peak MiB: device memory above the baseline where VRAM was sampled, else the server's resident memory.",
    ]
    if Set(rows.compactMap(\.scenario)).count > 1 {
      lines.append(
        "warning: the rows ran different scenarios; their speeds are not comparable (--where scenario=… picks one).")
    }
    let others = table.available.filter { !($0.model == table.model && $0.quant == table.quant) }
    if !others.isEmpty {
      lines.append(
        "also in these runs: "
          + others.map { "\($0.model) \($0.quant) (\($0.cells) cells measured)" }
          .joined(separator: ", ")
          + " — pick with --model and --quant.")
    }
    if rows.contains(where: { $0.measuredBy == "llama-bench" }) {
      lines.append(
        "llama-bench rows (strata import llama-bench): the engine's own kernel timings without a server; TTFT there is the prompt's processing time, and decode runs at depth 0 rather than after the prompt."
      )
    }
    if rows.contains(where: { $0.fractionOfBound != nil }) { lines.append(ReportRenderer.rooflineLegend) }
    if rows.contains(where: { $0.idlePowerWatts != nil || $0.netJoulesPerGeneratedToken != nil }) {
      lines.append(ReportRenderer.idleLegend)
    }
    if let tariff = rows.lazy.compactMap(\.energyCost).first?.tariff {
      lines.append(ReportRenderer.costLegend(tariff))
    }
    if rows.contains(where: { $0.powerIncludesCPU == true }) {
      lines.append("SoC: an APU's power (amdgpu power1_* covers the whole chip, CPU cores included).")
    }
    return lines
  }

  static func terminal(_ table: HardwareTable, sections: [ReportSection<HardwareRow>]) -> String {
    let rows = sections.flatMap(\.rows)
    let columns = columns(rows, forum: false)
    let bodies = sections.map { $0.rows.map { row in columns.map { TextSafety.terminal($0.value(row)) } } }
    let layout = TextTable(header: columns.map(\.header), rows: Array(bodies.joined()))
    var lines = [TextSafety.terminal(title(table, rows: rows)), ""]
    for (section, body) in zip(sections, bodies) {
      if let title = section.title { lines += [TextSafety.terminal(title) + ":"] }
      lines += layout.heading(columns.map(\.header))
      lines += body.map(layout.line) + [""]
    }
    return (lines + legend(table, rows: rows)).joined(separator: "\n") + "\n"
  }

  /// The shape of llama.cpp's performance threads: the model and test above a
  /// pipe table of one row per machine, speeds as mean ± sd.
  static func markdown(_ table: HardwareTable, sections: [ReportSection<HardwareRow>]) -> String {
    let rows = sections.flatMap(\.rows)
    let columns = columns(rows, forum: true)
    var lines = ["**\(TextSafety.markdownCell(title(table, rows: rows)))**", ""]
    for section in sections {
      if let title = section.title { lines += ["*\(TextSafety.markdownCell(title))*", ""] }
      lines += [
        "| " + columns.map(\.header).joined(separator: " | ") + " |",
        "|" + columns.map { _ in " --- |" }.joined(),
      ]
      lines += section.rows.map { row in
        "| " + columns.map { TextSafety.markdownCell($0.value(row)) }.joined(separator: " | ") + " |"
      }
      lines.append("")
    }
    return lines.joined(separator: "\n")
  }

  static func csv(_ rows: [HardwareRow]) -> String {
    let settings = Array(Set(rows.flatMap(\.settings.keys))).sorted()
    let header =
      ["host", "device", "engine", "backend", "build", "model", "quant", "run", "cell", "cells"] + settings + [
        "scenario", "prompt_tps_mean", "prompt_tps_sd", "decode_tps_mean", "decode_tps_sd", "ttft_ms_mean", "load_s",
        "peak_bytes", "peak_kind", "power_w", "joules_per_token", "power_includes_cpu", "accuracy", "accuracy_low",
        "accuracy_high", "items", "status", "measured_by", "bound_tps", "of_bound", "idle_power_w",
        "net_joules_per_token", "cost_per_mtok",
      ]
    func number(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "" }
    var lines = [header.joined(separator: ",")]
    for row in rows {
      let fields: [String] =
        [
          row.host, row.device, row.engine, row.backend ?? "", row.build ?? "", row.model, row.quant, row.run,
          row.cell, String(row.cells),
        ] + settings.map { row.settings[$0] ?? "" } + [
          row.scenario ?? "", number(row.promptTPS?.mean), number(row.promptTPS?.standardDeviation),
          number(row.decodeTPS?.mean), number(row.decodeTPS?.standardDeviation), number(row.ttftMs?.mean),
          number(row.loadSeconds), row.peakMemoryBytes.map(String.init) ?? "", row.peakMemory?.rawValue ?? "",
          number(row.meanPowerWatts), number(row.joulesPerGeneratedToken), row.powerIncludesCPU == true ? "1" : "",
          number(row.accuracy?.value), number(row.accuracy?.lower), number(row.accuracy?.upper),
          row.accuracy.map { String($0.trials) } ?? "", row.status, row.measuredBy, number(row.decodeBoundTPS),
          number(row.fractionOfBound), number(row.idlePowerWatts), number(row.netJoulesPerGeneratedToken),
          number(row.energyCost?.perMillionTokens),
        ]
      lines.append(fields.map(ReportEncoding.csvField).joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
  }
}
