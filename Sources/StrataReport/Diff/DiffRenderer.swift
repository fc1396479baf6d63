import Foundation
import StrataEval

/// `strata diff` as text: terminal, Markdown, CSV (one row per figure) or JSON.
public enum DiffRenderer {
  public static func render(_ diff: RunDiff, format: ReportFormat) -> String {
    switch format {
    case .table: text(diff, markdown: false)
    case .markdown: text(diff, markdown: true)
    case .csv: csv(diff)
    case .json: ReportEncoding.json(diff)
    }
  }

  /// The settings the cells differ in within the diff, beyond engine, model and quant.
  static func axes(_ diff: RunDiff) -> [String] {
    let keys = Set(diff.cells.flatMap(\.axes.keys))
    return keys.filter { key in Set(diff.cells.map { $0.axes[key] ?? "-" }).count > 1 }.sorted()
  }

  static func header(_ diff: RunDiff) -> [String] {
    let started = { (run: RunDiff.Run) in
      let formatter = ISO8601DateFormatter()
      formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withSpaceBetweenDateAndTime]
      return formatter.string(from: Date(timeIntervalSince1970: run.startedAt)) + " UTC"
    }
    var lines = [
      "A: run \(diff.before.id) on \(diff.before.host), started \(started(diff.before)) (\(diff.before.database))",
      "B: run \(diff.after.id) on \(diff.after.host), started \(started(diff.after)) (\(diff.after.database))",
    ]
    if !diff.settings.isEmpty {
      lines.append(
        "settings that differ: "
          + diff.settings.map { "\($0.axis) \($0.before ?? "unset") → \($0.after ?? "unset")" }.joined(separator: ", "))
    }
    lines.append(
      diff.suspects.isEmpty
        ? "engines and hosts: the same (build, image, devices, kernel, OS)"
        : "what else differs: "
          + diff.suspects.map { "\($0.subject) \($0.before) → \($0.after)" }.joined(separator: "; "))
    lines.append(noiseLine(diff.noise))
    return lines
  }

  static func noiseLine(_ noise: BetweenRunNoise) -> String {
    let percent = { (value: Double) in String(format: "%.1f%%", value * 100) }
    let figures = DiffMetric.allCases.compactMap { metric in
      noise.sigma[metric].map { "\(metric.label) \(percent($0))" }
    }
    let line = "between-run noise (σ of one run's mean): " + figures.joined(separator: ", ")
    func each(_ values: [DiffMetric: Double]) -> String {
      DiffMetric.allCases.compactMap { values[$0].map(percent) }.joined(separator: ", ")
    }
    var sources: [String] = []
    if noise.source == .given { return line + " — given with --noise" }
    if noise.checks > 0 {
      sources.append(
        "\(noise.checks) noise check\(noise.checks == 1 ? "" : "s") on \(noise.hosts.joined(separator: ", ")) (\(each(noise.measured)))"
      )
    }
    if noise.cellsCompared > 0 {
      sources.append("the spread across \(noise.cellsCompared) matched cells (\(each(noise.acrossCells)))")
    }
    guard !sources.isEmpty else {
      return line
        + " — assumed: neither run has a noise check (strata run makes one unless --no-noise-check) and fewer than \(BetweenRunNoise.minimumCells) cells matched; --noise sets it"
    }
    let assumed = noise.source == .assumed && DiffMetric.allCases.contains { noise.acrossCells[$0] == nil }
    return line + " — the larger of " + sources.joined(separator: " and ")
      + ", at least \(String(format: "%.0f", noise.floor * 100))%"
      + (assumed ? "; \(percent(BetweenRunNoise.assumed)) assumed where neither measured it" : "")
  }

  static func columns(_ diff: RunDiff) -> [String] {
    ["engine", "model", "quant"] + axes(diff) + ["scenario"]
      + DiffMetric.allCases.flatMap { [$0.label + " A → B", "Δ " + $0.label.split(separator: " ")[0]] }
      + ["accuracy A → B", "Δ accuracy", "status"]
  }

  static func cells(_ cell: CellDiff, axes: [String]) -> [String] {
    var fields = [cell.engine, cell.model, cell.quant] + axes.map { cell.axes[$0] ?? "-" } + [cell.scenario ?? "-"]
    for metric in DiffMetric.allCases {
      guard let speed = cell.speeds.first(where: { $0.metric == metric }) else {
        fields += ["-", "-"]
        continue
      }
      fields.append("\(DiffText.figure(speed.before.mean)) → \(DiffText.figure(speed.after.mean))")
      fields.append(
        "\(DiffText.percent(speed.percent)) \(DiffText.interval(speed.test))\(speed.significant ? " *" : "")")
    }
    if let way = cell.accuracy.first {
      fields.append("\(DiffText.share(way.before.value)) → \(DiffText.share(way.after.value))")
      let points = (way.after.value - way.before.value) * 100
      fields.append(
        "\(DiffText.signed(points)) pt, p \(DiffText.p(way.test.pValue))\(way.significant ? " *" : "")")
    } else {
      fields += ["-", "-"]
    }
    fields.append(
      cell.beforeStatus == cell.afterStatus ? cell.beforeStatus : "\(cell.beforeStatus) → \(cell.afterStatus)")
    return fields
  }

  static func text(_ diff: RunDiff, markdown: Bool) -> String {
    func safe(_ text: String) -> String { markdown ? TextSafety.markdownCell(text) : TextSafety.terminal(text) }
    let axes = Self.axes(diff)
    let header = columns(diff).map(safe)
    let rows = diff.cells.map { cells($0, axes: axes).map(safe) }
    var lines = Self.header(diff).map(safe)
    lines.append("")
    if rows.isEmpty {
      lines.append("no cell of A matches one of B: the runs share no engine, model and quant with the same settings")
    } else if markdown {
      lines += ["| " + header.joined(separator: " | ") + " |", "|" + header.map { _ in "---|" }.joined()]
      lines += rows.map { "| " + $0.joined(separator: " | ") + " |" }
    } else {
      let table = TextTable(header: header, rows: rows)
      lines += table.heading(header) + rows.map(table.line)
    }
    let changed = diff.changedCells
    lines.append("")
    lines.append(
      "changed: \(changed.count) of \(diff.cells.count) matched cell\(diff.cells.count == 1 ? "" : "s")"
        + (changed.isEmpty ? "" : ":"))
    let bullet = markdown ? "- " : "  "
    for cell in changed {
      let speeds = cell.speeds.filter(\.significant).map {
        "\($0.metric.label) \(DiffText.percent($0.percent)) \(DiffText.interval($0.test)), p \(DiffText.p($0.test.pValue))"
      }
      let ways = cell.accuracy.filter(\.significant).map {
        "\($0.way) \(DiffText.share($0.before.value)) → \(DiffText.share($0.after.value)) on \($0.before.trials) items, McNemar p \(DiffText.p($0.test.pValue))"
      }
      lines.append(bullet + safe("\(cell.label): " + (speeds + ways).joined(separator: "; ")))
    }
    if !diff.onlyBefore.isEmpty { lines.append("only in A: " + safe(diff.onlyBefore.joined(separator: ", "))) }
    if !diff.onlyAfter.isEmpty { lines.append("only in B: " + safe(diff.onlyAfter.joined(separator: ", "))) }
    lines += [
      "",
      "Δ: B against A, the ratio of geometric means over the repetitions with its 95% interval; the interval and the test (Welch's, on log figures) count both runs' spread and the between-run noise twice over, once for each run.",
      "Δ accuracy: accuracy points on the items both cells answered from the same prompt (the first task and method in the table; the list above names any other), McNemar's exact test on the items that changed verdict.",
      "*: significant, with Benjamini–Hochberg at q = \(String(format: "%.2f", diff.falseDiscoveryRate)) over all \(diff.tests) tests of this diff, so that a bigger matrix does not mean more false calls.",
    ]
    return lines.joined(separator: "\n") + "\n"
  }

  static func csv(_ diff: RunDiff) -> String {
    let axes = Array(Set(diff.cells.flatMap(\.axes.keys))).sorted()
    let header =
      ["run_a", "run_b", "cell_a", "cell_b", "engine", "model", "quant"] + axes + [
        "scenario", "figure", "a", "a_sd", "a_n", "b", "b_sd", "b_n", "change_pct", "low_pct", "high_pct", "p",
        "significant", "status_a", "status_b",
      ]
    func number(_ value: Double) -> String { String(format: "%.4f", value) }
    var lines = [header.joined(separator: ",")]
    for cell in diff.cells {
      let identity =
        [diff.before.id, diff.after.id, cell.beforeCell, cell.afterCell, cell.engine, cell.model, cell.quant]
        + axes.map { cell.axes[$0] ?? "" } + [cell.scenario ?? ""]
      let status = [cell.beforeStatus, cell.afterStatus]
      for speed in cell.speeds {
        let figures = [
          speed.metric.rawValue, number(speed.before.mean), number(speed.before.standardDeviation),
          "\(speed.before.count)", number(speed.after.mean), number(speed.after.standardDeviation),
          "\(speed.after.count)", number(speed.percent), number((speed.test.lower - 1) * 100),
          number((speed.test.upper - 1) * 100), String(format: "%.4g", speed.test.pValue),
          speed.significant ? "1" : "0",
        ]
        lines.append((identity + figures + status).map(ReportEncoding.csvField).joined(separator: ","))
      }
      for way in cell.accuracy {
        let figures = [
          "accuracy:\(way.way)", number(way.before.value), "", "\(way.before.trials)", number(way.after.value), "",
          "\(way.after.trials)", number((way.after.value - way.before.value) * 100), "", "",
          String(format: "%.4g", way.test.pValue),
          way.significant ? "1" : "0",
        ]
        lines.append((identity + figures + status).map(ReportEncoding.csvField).joined(separator: ","))
      }
      if cell.speeds.isEmpty && cell.accuracy.isEmpty {
        let empty = ["status", "", "", "", "", "", "", "", "", "", "", ""]
        lines.append((identity + empty + status).map(ReportEncoding.csvField).joined(separator: ","))
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }
}
