import Foundation
import StrataEval
import StrataStore

/// Quality of one cell on one task, scored one way (and, with `--by category`,
/// in one category): accuracy with its interval, calibration where the method
/// gives a confidence, and a paired test against the run's first cell.
public struct QualityRow: Sendable, Hashable, Codable {
  public var cell: String
  /// "engine model quant [variant]".
  public var label: String
  public var task: String
  public var method: String
  public var category: String?
  public var accuracy: Proportion
  /// Expected calibration error (10 equal-width bins) with a seeded bootstrap 95% interval.
  public var ece: BootstrapInterval?
  /// Mean squared error of the confidence in the chosen answer (binary Brier score).
  public var brier: Double?
  /// McNemar exact test against the first cell with the same task and method, on the items both answered.
  public var versus: String?
  public var mcnemar: McNemarTest?
  /// Wall-clock time the cell took to answer these items (runs before task
  /// timings were stored: the sum of the items' latencies).
  public var evalSeconds: Double
  /// Items in flight at once (the server's slots, `-np`); nil for older runs.
  public var concurrency: Int? = nil
  public var run: String = ""
  public var host: String = ""
  public var engine: String = ""
  public var model: String = ""
  public var quant: String = ""
}

extension QualityRow: ReportRow {
  public static let fieldNames = [
    "run", "host", "cell", "label", "engine", "model", "quant", "task", "method", "category", "accuracy", "correct",
    "items", "ece", "brier", "mcnemar_p", "eval_s",
  ]

  public var fields: [String: FieldValue] {
    [
      "run": .text(run), "host": .text(host), "cell": .text(cell), "label": .text(label), "engine": .text(engine),
      "model": .text(model), "quant": .text(quant), "task": .text(task), "method": .text(method),
      "category": .text(category), "accuracy": .number(accuracy.value),
      "correct": .number(Double(accuracy.successes)), "items": .number(Double(accuracy.trials)),
      "ece": .number(ece?.estimate), "brier": .number(brier), "mcnemar_p": .number(mcnemar?.pValue),
      "eval_s": .number(evalSeconds),
    ]
  }
}

public enum QualityBuilder {
  /// The rows of several runs, one after another; each run's baseline is its own first cell.
  /// `intervals: false` leaves out the bootstrap interval of ECE, the one costly figure
  /// (a thousand resamples a row), for readers that show accuracy alone.
  public static func rows(
    store: ResultStore, runs: [RunSource], byCategory: Bool = false, intervals: Bool = true
  ) throws(StoreError) -> [QualityRow] {
    var rows: [QualityRow] = []
    for source in runs {
      rows += try Self.rows(store: store, runId: source.id, byCategory: byCategory, intervals: intervals).map { row in
        var row = row
        row.host = source.host.hostname
        return row
      }
    }
    return rows
  }

  public static func rows(
    store: ResultStore, runId: String, byCategory: Bool = false, intervals: Bool = true
  ) throws(StoreError) -> [QualityRow] {
    let cells = try store.cells(runId: runId).filter { $0.status != .skipped }
    let order = Dictionary(uniqueKeysWithValues: cells.enumerated().map { ($1.hash, $0) })
    let byHash = Dictionary(cells.map { ($0.hash, $0) }, uniquingKeysWith: { first, _ in first })
    let labels = Dictionary(
      uniqueKeysWithValues: cells.map { cell in
        (cell.hash, [cell.engine, cell.model, cell.quant, cell.variant].filter { !$0.isEmpty }.joined(separator: " "))
      })
    let results = try store.taskResults(runId: runId)
    let timings = Dictionary(
      try store.taskRuns(runId: runId).map { ("\($0.cellHash)\u{1F}\($0.task)\u{1F}\($0.method)", $0) },
      uniquingKeysWith: { first, _ in first })
    struct Key: Hashable {
      var cell: String
      var task: String
      var method: String
      var category: String?
    }
    let grouped = Dictionary(grouping: results) {
      Key(cell: $0.cellHash, task: $0.task, method: $0.method, category: byCategory ? ($0.category ?? "-") : nil)
    }
    // Baseline per task and method: the first cell (run order) that answered it.
    var baseline: [String: String] = [:]
    for key in grouped.keys.sorted(by: { (order[$0.cell] ?? 0) < (order[$1.cell] ?? 0) }) {
      let id = "\(key.task)\u{1F}\(key.method)"
      if baseline[id] == nil { baseline[id] = key.cell }
    }
    let byItem = Dictionary(grouping: results) { "\($0.cellHash)\u{1F}\($0.task)\u{1F}\($0.method)" }
    func verdicts(_ cell: String, _ task: String, _ method: String, _ category: String?) -> [String: Bool] {
      var result: [String: Bool] = [:]
      for answer in byItem["\(cell)\u{1F}\(task)\u{1F}\(method)"] ?? []
      where category == nil || (answer.category ?? "-") == category {
        result[answer.itemId] = answer.correct
      }
      return result
    }
    let rows = grouped.map { key, answers -> QualityRow in
      let outcomes = answers.compactMap { answer in
        answer.confidence.map { ConfidenceOutcome(confidence: min(1, max(0, $0)), correct: answer.correct) }
      }
      let calibrated = outcomes.count == answers.count && !outcomes.isEmpty
      var versus: String?
      var test: McNemarTest?
      if let base = baseline["\(key.task)\u{1F}\(key.method)"], base != key.cell {
        let mine = verdicts(key.cell, key.task, key.method, key.category)
        let theirs = verdicts(base, key.task, key.method, key.category)
        let shared = mine.keys.filter { theirs[$0] != nil }.sorted()
        test = try? McNemarTest(first: shared.compactMap { theirs[$0] }, second: shared.compactMap { mine[$0] })
        versus = labels[base]
      }
      return QualityRow(
        cell: key.cell, label: labels[key.cell] ?? key.cell, task: key.task, method: key.method,
        category: key.category,
        accuracy: Proportion(successes: answers.filter(\.correct).count, trials: answers.count),
        ece: calibrated && intervals ? try? Calibration.expectedCalibrationErrorInterval(outcomes, seed: 1) : nil,
        brier: calibrated ? try? BrierScore.binary(outcomes) : nil, versus: versus, mcnemar: test,
        evalSeconds: key.category == nil
          ? timings["\(key.cell)\u{1F}\(key.task)\u{1F}\(key.method)"]?.wallSeconds
            ?? answers.map(\.latencyMs).reduce(0, +) / 1000
          : answers.map(\.latencyMs).reduce(0, +) / 1000,
        concurrency: timings["\(key.cell)\u{1F}\(key.task)\u{1F}\(key.method)"]?.concurrency, run: runId,
        engine: byHash[key.cell]?.engine ?? "", model: byHash[key.cell]?.model ?? "",
        quant: byHash[key.cell]?.quant ?? "")
    }
    return rows.sorted {
      ((order[$0.cell] ?? 0), $0.task, $0.method, $0.category ?? "")
        < ((order[$1.cell] ?? 0), $1.task, $1.method, $1.category ?? "")
    }
  }
}

public enum QualityRenderer {
  public static func render(_ rows: [QualityRow], format: ReportFormat) -> String {
    render([ReportSection(title: nil, rows: rows)], format: format)
  }

  public static func render(_ sections: [ReportSection<QualityRow>], format: ReportFormat) -> String {
    let rows = sections.flatMap(\.rows)
    guard !rows.isEmpty else { return "" }
    let (headers, line) = columns(rows)
    let tables = sections.map { $0.rows.map(line) }
    switch format {
    case .json:
      return ReportEncoding.json(rows)
    case .csv:
      let csvHeaders =
        [
          "run", "host", "cell", "label", "task", "method", "category", "correct", "n", "accuracy", "accuracy_low",
          "accuracy_high",
          "ece", "ece_low", "ece_high", "brier", "mcnemar_b", "mcnemar_c", "mcnemar_p", "eval_seconds",
        ]
      let lines = rows.map { row -> String in
        let fields: [String] = [
          row.run, row.host, row.cell, row.label, row.task, row.method, row.category ?? "",
          String(row.accuracy.successes),
          String(row.accuracy.trials), String(row.accuracy.value), String(row.accuracy.lower),
          String(row.accuracy.upper), row.ece.map { String($0.estimate) } ?? "", row.ece.map { String($0.lower) } ?? "",
          row.ece.map { String($0.upper) } ?? "", row.brier.map { String($0) } ?? "",
          row.mcnemar.map { String($0.b) } ?? "", row.mcnemar.map { String($0.c) } ?? "",
          row.mcnemar.map { String($0.pValue) } ?? "", String(row.evalSeconds),
        ]
        return fields.map(ReportEncoding.csvField).joined(separator: ",")
      }
      return ([csvHeaders.joined(separator: ",")] + lines).joined(separator: "\n") + "\n"
    case .markdown:
      let head = "| " + headers.joined(separator: " | ") + " |\n|" + headers.map { _ in "---|" }.joined() + "\n"
      return zip(sections, tables).map { section, table in
        (section.title.map { "**\(TextSafety.markdownCell($0))**\n\n" } ?? "") + head
          + table.map { "| " + $0.map(TextSafety.markdownCell).joined(separator: " | ") + " |" }
          .joined(separator: "\n") + "\n"
      }.joined(separator: "\n")
    case .table:
      let safe = tables.map { $0.map { $0.map(TextSafety.terminal) } }
      let widths = headers.indices.map { column in ([headers] + safe.joined()).map { $0[column].count }.max() ?? 0 }
      func text(_ cells: [String]) -> String {
        cells.enumerated().map { index, cell in
          index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
        }.joined(separator: "  ")
      }
      let blocks = zip(sections, safe).map { section, table in
        (section.title.map { [TextSafety.terminal($0) + ":"] } ?? [])
          + [text(headers), text(widths.map { String(repeating: "-", count: $0) })] + table.map(text)
      }
      return blocks.map { $0.joined(separator: "\n") }.joined(separator: "\n\n") + "\n\n" + legend
    }
  }

  static let legend = """
    accuracy: share right, 95% Wilson interval, n items. ECE: expected calibration error of the model's confidence \
    (10 equal-width bins), 95% bootstrap interval (1000 resamples, seed 1); Brier: mean (confidence − right)²; \
    both only where the method gives a confidence (letter_likelihood). McNemar: exact test on the items both \
    cells answered; b = right only in the first cell, c = right only in this one. eval s: wall clock for the \
    items, with how many were in flight at once (-np); per category, the sum of item latencies.

    """

  /// The headers of the terminal, Markdown and HTML tables, and each row's cells under them.
  static func columns(_ rows: [QualityRow]) -> (headers: [String], cells: (QualityRow) -> [String]) {
    let byCategory = rows.contains { $0.category != nil }
    let sources = (Set(rows.map(\.host)).count > 1 ? ["host"] : []) + (Set(rows.map(\.run)).count > 1 ? ["run"] : [])
    let headers =
      sources + ["cell", "task", "method"] + (byCategory ? ["category"] : [])
      + ["accuracy", "ECE [95% bootstrap]", "Brier", "vs first cell (McNemar)", "eval s (at once)"]
    func line(_ row: QualityRow) -> [String] {
      let accuracy =
        "\(format2(row.accuracy.value)) [\(format2(row.accuracy.lower))–\(format2(row.accuracy.upper))] n=\(row.accuracy.trials)"
      let ece = row.ece.map { "\(format3($0.estimate)) [\(format3($0.lower))–\(format3($0.upper))]" } ?? "-"
      let brier = row.brier.map(format3) ?? "-"
      let paired =
        row.mcnemar.map { "b=\($0.b) c=\($0.c) p=\(formatP($0.pValue))" } ?? (row.versus == nil ? "(baseline)" : "-")
      return sources.map { $0 == "host" ? row.host : row.run } + [row.label, row.task, row.method]
        + (byCategory ? [row.category ?? "-"] : [])
        + [
          accuracy, ece, brier, paired,
          String(format: "%.1f", row.evalSeconds) + (row.concurrency.map { " (\($0))" } ?? ""),
        ]
    }
    return (headers, line)
  }

  static func format2(_ value: Double) -> String { String(format: "%.2f", value) }
  static func format3(_ value: Double) -> String { String(format: "%.3f", value) }
  static func formatP(_ value: Double) -> String { value < 0.001 ? "<0.001" : String(format: "%.3f", value) }
}
