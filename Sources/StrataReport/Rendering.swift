import Foundation
import StrataEval

/// Output formats of `strata report`.
public enum ReportFormat: String, Sendable, CaseIterable {
  case table, markdown, csv, json
}

/// Turns comparison rows into text.
public enum ReportRenderer {
  public static func render(_ rows: [ComparisonRow], format: ReportFormat) -> String {
    switch format {
    case .table: renderTable(rows)
    case .markdown: renderMarkdown(rows)
    case .csv: renderCSV(rows)
    case .json: renderJSON(rows)
    }
  }

  /// The axes beyond engine/model/quant whose value differs between rows: only
  /// those earn a column.
  static func varyingAxes(_ rows: [ComparisonRow]) -> [String] {
    let keys = Set(rows.flatMap(\.axes.keys))
    return keys.filter { key in Set(rows.map { $0.axes[key] ?? "-" }).count > 1 }.sorted()
  }

  static let figureHeaders = ["scenario", "load s", "TTFT ms", "prompt t/s", "decode t/s", "accuracy", "status"]

  static func cells(_ row: ComparisonRow, axes: [String]) -> [String] {
    let identity: [String] = [row.engine, row.model, row.quant] + axes.map { row.axes[$0] ?? "-" }
    let load: String = row.loadSeconds.map { format($0, digits: 2) } ?? "-"
    let ttft: String = row.ttftMs.map { meanSD($0, digits: 1) } ?? "-"
    let prompt: String = row.promptTPS.map { meanSD($0, digits: 1) } ?? "-"
    let decode: String = row.decodeTPS.map { meanSD($0, digits: 1) } ?? "-"
    let quality: String = row.accuracy.map(accuracy) ?? "-"
    return identity + [row.scenario ?? "-", load, ttft, prompt, decode, quality, row.status]
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

  static func renderTable(_ rows: [ComparisonRow]) -> String {
    let axes = varyingAxes(rows)
    let header = ["engine", "model", "quant"] + axes + figureHeaders
    let body = rows.map { cells($0, axes: axes) }
    let widths = header.indices.map { column in
      ([header[column]] + body.map { $0[column] }).map(\.count).max() ?? 0
    }
    func line(_ fields: [String]) -> String {
      zip(fields, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
        .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
    }
    var lines = [line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
    lines += body.map(line)
    let failures = rows.filter { $0.status == "failed" }.map { row in
      "  \(row.engine) \(row.model) \(row.quant) \(row.axes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")): \(row.failure ?? "unknown")"
    }
    if !failures.isEmpty { lines += ["", "failures:"] + failures }
    lines += [
      "",
      "prompt and decode t/s: llama-server's own timings, mean ± sd over repetitions; decode is measured after the scenario's prompt (context depth = prompt tokens).",
      "accuracy: share of items answered correctly, 95% Wilson interval in brackets.",
    ]
    return lines.joined(separator: "\n") + "\n"
  }

  static func renderMarkdown(_ rows: [ComparisonRow]) -> String {
    let axes = varyingAxes(rows)
    let header = ["engine", "model", "quant"] + axes + figureHeaders
    var lines = ["| " + header.joined(separator: " | ") + " |", "|" + header.map { _ in "---|" }.joined()]
    lines += rows.map {
      "| " + cells($0, axes: axes).map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |"
    }
    return lines.joined(separator: "\n") + "\n"
  }

  static func renderCSV(_ rows: [ComparisonRow]) -> String {
    let axes = Array(Set(rows.flatMap(\.axes.keys))).sorted()
    let header =
      ["cell", "engine", "model", "quant"] + axes + [
        "scenario", "load_s", "ttft_ms_mean", "ttft_ms_sd", "prompt_tps_mean", "prompt_tps_sd",
        "decode_tps_mean", "decode_tps_sd", "client_decode_tps_mean", "accuracy", "accuracy_low",
        "accuracy_high", "items", "status", "failure",
      ]
    func number(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "" }
    func quote(_ field: String) -> String {
      field.contains(where: { ",\"\n".contains($0) })
        ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
    }
    var lines = [header.joined(separator: ",")]
    for row in rows {
      let fields: [String] =
        [row.cell, row.engine, row.model, row.quant] + axes.map { row.axes[$0] ?? "" } + [
          row.scenario ?? "", number(row.loadSeconds), number(row.ttftMs?.mean), number(row.ttftMs?.standardDeviation),
          number(row.promptTPS?.mean), number(row.promptTPS?.standardDeviation), number(row.decodeTPS?.mean),
          number(row.decodeTPS?.standardDeviation), number(row.clientDecodeTPS?.mean), number(row.accuracy?.value),
          number(row.accuracy?.lower), number(row.accuracy?.upper), row.accuracy.map { String($0.trials) } ?? "",
          row.status, row.failure ?? "",
        ]
      lines.append(fields.map(quote).joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
  }

  static func renderJSON(_ rows: [ComparisonRow]) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    guard let data = try? encoder.encode(rows) else { return "[]\n" }
    return String(decoding: data, as: UTF8.self) + "\n"
  }
}
