import Foundation
import StrataEval
import StrataStore

/// The data of a reliability diagram: for each cell, task and method that gives
/// a confidence, the 10 equal-width confidence bins with their item count, mean
/// confidence and accuracy (a well-calibrated model has accuracy ≈ confidence).
public struct ReliabilityRow: Sendable, Hashable, Codable {
  public var cell: String
  public var label: String
  public var task: String
  public var method: String
  public var bins: [CalibrationBin]
  public var expectedCalibrationError: Double
  public var run: String = ""
  public var host: String = ""
}

extension ReliabilityRow: ReportRow {
  public static let fieldNames = ["run", "host", "cell", "label", "task", "method", "ece", "items"]

  public var fields: [String: FieldValue] {
    [
      "run": .text(run), "host": .text(host), "cell": .text(cell), "label": .text(label), "task": .text(task),
      "method": .text(method), "ece": .number(expectedCalibrationError),
      "items": .number(Double(bins.map(\.count).reduce(0, +))),
    ]
  }
}

public enum ReliabilityBuilder {
  public static func rows(store: ResultStore, runs: [RunSource]) throws(StoreError) -> [ReliabilityRow] {
    var rows: [ReliabilityRow] = []
    for source in runs {
      rows += try Self.rows(store: store, runId: source.id).map { row in
        var row = row
        row.host = source.host.hostname
        return row
      }
    }
    return rows
  }

  public static func rows(store: ResultStore, runId: String) throws(StoreError) -> [ReliabilityRow] {
    let cells = try store.cells(runId: runId).filter { $0.status != .skipped }
    let results = Dictionary(grouping: try store.taskResults(runId: runId), by: \.cellHash)
    var rows: [ReliabilityRow] = []
    for cell in cells {
      let label = [cell.engine, cell.model, cell.quant, cell.variant].filter { !$0.isEmpty }.joined(separator: " ")
      let mine = results[cell.hash] ?? []
      let ways = mine.reduce(into: [(String, String)]()) { ways, answer in
        if !ways.contains(where: { $0 == (answer.task, answer.method) }) { ways.append((answer.task, answer.method)) }
      }
      for (task, method) in ways {
        let answers = mine.filter { $0.task == task && $0.method == method }
        let outcomes = answers.compactMap { answer in
          answer.confidence.map { ConfidenceOutcome(confidence: min(1, max(0, $0)), correct: answer.correct) }
        }
        guard !outcomes.isEmpty, outcomes.count == answers.count,
          let report = try? CalibrationReport(outcomes)
        else { continue }
        rows.append(
          ReliabilityRow(
            cell: cell.hash, label: label, task: task, method: method, bins: report.bins,
            expectedCalibrationError: report.expectedCalibrationError, run: runId))
      }
    }
    return rows
  }

  public static func render(_ rows: [ReliabilityRow], format: ReportFormat) -> String {
    render([ReportSection(title: nil, rows: rows)], format: format)
  }

  public static func render(_ sections: [ReportSection<ReliabilityRow>], format: ReportFormat) -> String {
    let rows = sections.flatMap(\.rows)
    switch format {
    case .json:
      return ReportEncoding.json(rows)
    case .csv:
      var lines = ["run,host,cell,label,task,method,bin_low,bin_high,items,mean_confidence,accuracy"]
      for row in rows {
        for bin in row.bins {
          lines.append(
            [
              ReportEncoding.csvField(row.run), ReportEncoding.csvField(row.host), row.cell,
              ReportEncoding.csvField(row.label), row.task, row.method, String(bin.lower), String(bin.upper),
              String(bin.count), bin.meanConfidence.map { String($0) } ?? "", bin.accuracy.map { String($0) } ?? "",
            ].joined(separator: ","))
        }
      }
      return lines.joined(separator: "\n") + "\n"
    case .table, .markdown:
      var text = ""
      let severalHosts = Set(rows.map(\.host)).count > 1
      // Markdown shows the same blocks; its names are escaped for a Markdown viewer.
      let markdown = format == .markdown
      let safe = { (text: String) -> String in markdown ? TextSafety.markdownCell(text) : TextSafety.terminal(text) }
      for section in sections {
        if let title = section.title { text += (text.isEmpty ? "" : "\n") + safe(title) + ":\n" }
        for row in section.rows {
          let source = severalHosts ? safe(row.host) + " · " : ""
          text +=
            "\(source)\(safe(row.label)) · \(safe(row.task)) · \(safe(row.method)): ECE \(String(format: "%.3f", row.expectedCalibrationError))\n"
          text += "  confidence   items  mean conf  accuracy\n"
          for bin in row.bins {
            let range = String(format: "%.1f–%.1f", bin.lower, bin.upper)
            let mean = bin.meanConfidence.map { String(format: "%.3f", $0) } ?? "-"
            let accuracy = bin.accuracy.map { String(format: "%.3f", $0) } ?? "-"
            text +=
              "  \(range.padding(toLength: 11, withPad: " ", startingAt: 0))  "
              + "\(String(bin.count).padding(toLength: 5, withPad: " ", startingAt: 0))  "
              + "\(mean.padding(toLength: 9, withPad: " ", startingAt: 0))  \(accuracy)\n"
          }
        }
      }
      return text
    }
  }
}
