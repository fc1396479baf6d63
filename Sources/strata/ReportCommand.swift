import ArgumentParser
import Foundation
import StrataReport
import StrataStore

struct ReportCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract: "Print the comparison tables of runs from the database.",
    discussion: """
      Without options: the comparison table of the newest run, its quality table and
      its engines. --run (repeatable) picks runs; rows from several runs or hosts get a
      host and run column. --hardware prints one row per host × device × engine for
      one model and quant, each from the newest run that measured it (default: every run
      in the database, so a merged one compares its hosts).

      Every table takes --where FIELD=VALUE (also !=, ~ for a substring, <, <=, >, >=
      for numbers; repeat for AND; a,b for either), --sort FIELD[,-FIELD] (- for
      descending) and --by FIELD[,FIELD] (one section per value). Field names are the
      tables' machine names: host, run, engine, model, quant, any matrix axis
      (flash_attn, threads, …), decode_tps, prompt_tps, ttft_ms, load_s, accuracy, …;
      a name the table lacks is an error that lists the ones it has. --by category
      (accuracy per task category) and --by bin (reliability bins) choose those tables.
      """)

  @Option(help: "SQLite database file.")
  var db: String = "strata.sqlite"

  @Option(help: "Run id; repeat for several, or `all` (default: the newest run). `--list` shows them.")
  var run: [String] = []

  @Flag(help: "List the runs in the database instead.")
  var list = false

  @Option(help: "Output format: \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
  var format: ReportFormat = .table

  @Option(help: "Write the HTML report (tables, charts, answers, failures) to this file instead.")
  var html: String?

  @Flag(help: "One row per host × device × engine for one model and quant (see --model, --quant).")
  var hardware = false

  @Option(help: "With --hardware: the model to compare (default: the one most cells measured).")
  var model: String?

  @Option(help: "With --hardware: the quant to compare (default: the one most cells measured).")
  var quant: String?

  @Option(
    help:
      "Price the energy above idle per million generated tokens at this tariff, e.g. 0.30/kWh, €0.30/kWh or '0.30 EUR/kWh'."
  )
  var tariff: String?

  var parsedTariff: Tariff? {
    get throws { try tariff.map { text in try Tariff.parse(text) } }
  }

  @Option(name: .customLong("where"), help: "Keep rows whose field matches, e.g. engine=cpu or decode_tps>=20.")
  var filters: [String] = []

  // Unconditional: the value of `--sort -decode_tps` starts with a dash and is no option.
  @Option(parsing: .unconditional, help: "Sort by fields, `-` for descending, e.g. -decode_tps,model.")
  var sort: String?

  @Option(name: .customLong("by"), help: "Group rows into sections by fields; `category` and `bin` pick those tables.")
  var groups: [String] = []

  /// `--by` minus the two names that choose a table rather than group one.
  var breakdown: (category: Bool, bin: Bool, query: RowQuery) {
    get throws {
      let fields = groups.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
      let lowered = fields.map { $0.lowercased() }
      let rest = lowered.filter { $0 != "category" && $0 != "bin" }
      return (
        lowered.contains("category"), lowered.contains("bin"),
        try RowQuery.parse(where: filters, sort: sort, by: rest)
      )
    }
  }

  func validate() throws {
    if !hardware, model != nil || quant != nil {
      throw ValidationError(
        "--model and --quant choose the model and quant the hardware table compares; add --hardware")
    }
    do {
      _ = try parsedTariff
    } catch {
      throw ValidationError("\(error)")
    }
    let chosen = try breakdown
    if tariff != nil, list || chosen.category || chosen.bin {
      throw ValidationError("--tariff prices the comparison and hardware tables and the HTML report; drop it here")
    }
    if hardware, chosen.category || chosen.bin {
      throw ValidationError("--hardware has no --by category or bin; those are quality tables")
    }
    if chosen.category && chosen.bin { throw ValidationError("--by category and --by bin are two tables; pick one") }
    if html != nil, list || hardware || format != .table || !filters.isEmpty || sort != nil || !groups.isEmpty {
      throw ValidationError(
        "--html writes every table and chart of the chosen runs; it takes --run and --db, not --list, --hardware, --format, --where, --sort or --by"
      )
    }
  }

  func run() async throws {
    guard FileManager.default.fileExists(atPath: db) else {
      printError("\(db) does not exist; run `strata run` first, or pass the database with --db")
      throw ExitCode(2)
    }
    try exitingOnInputErrors {
      let store = try ResultStore(path: db)
      if list {
        for record in try store.runs() {
          let started = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: record.startedAt))
          let host = ReportHost.decode(record.hostJSON).hostname
          emit("\(record.id)  \(record.status)  \(host)  started \(started)  \(record.matrixPath)")
        }
        return
      }
      let (category, bin, query) = try breakdown
      let runs = try RunSource.select(from: store, ids: run, all: hardware)
      if let html {
        let content = try HTMLReportContent.gather(store: store, runs: runs, tariff: try parsedTariff)
        let page = HTMLReport.render(content, generatedAt: Date())
        try writeAtomically(page, to: html)
        printError("wrote \(html) (\(page.utf8.count / 1024) KiB, \(runs.count) run\(runs.count == 1 ? "" : "s"))")
        return
      }
      if hardware {
        let table = try HardwareBuilder.table(
          store: store, runs: runs, model: model, quant: quant, query: query, tariff: try parsedTariff)
        // The cells were filtered before grouping; what is left is about the rows themselves.
        var rowQuery = query
        rowQuery.filters = query.filters.filter { HardwareBuilder.rowOnlyFields.contains($0.field) }
        let sections = try rowQuery.apply(table.rows, table: "hardware table")
        emit(HardwareRenderer.render(table, sections: sections, format: format), terminator: "")
      } else if bin {
        let rows = try ReliabilityBuilder.rows(store: store, runs: runs)
        guard !rows.isEmpty else {
          printError("the run has no answers with a confidence (score a task with method: letter_likelihood)")
          throw ExitCode(2)
        }
        let sections = try query.apply(rows, table: "reliability table")
        emit(ReliabilityBuilder.render(sections, format: format), terminator: "")
      } else if category {
        let rows = try QualityBuilder.rows(store: store, runs: runs, byCategory: true)
        guard !rows.isEmpty else {
          printError("the run has no task results to break down")
          throw ExitCode(2)
        }
        let sections = try query.apply(rows, table: "quality table")
        emit(QualityRenderer.render(sections, format: format), terminator: "")
      } else {
        try comparison(store: store, runs: runs, query: query)
      }
    }
  }

  /// The comparison table, then (terminal and Markdown) the quality of the cells it kept and the engines.
  func comparison(store: ResultStore, runs: [RunSource], query: RowQuery) throws {
    let read = try ComparisonBuilder.rows(store: store, runs: runs)
    let rows = try parsedTariff.map { $0.price(read) } ?? read
    let sections = try query.apply(rows, table: "comparison table")
    if sections.allSatisfy(\.rows.isEmpty), !rows.isEmpty {
      let which = runs.count == 1 ? "run \(runs[0].id)" : "the \(runs.count) runs"
      let hint = run.isEmpty ? "; `--run all` reads every run" : ""
      printError("no row of \(which) matches --where (\(rows.count) before filtering)\(hint)")
    }
    emit(ReportRenderer.render(sections, format: format), terminator: "")
    guard format == .table || format == .markdown else { return }
    struct Kept: Hashable {
      var run: String
      var cell: String
    }
    let kept = Set(sections.flatMap(\.rows).map { Kept(run: $0.run, cell: $0.cell) })
    let quality = try QualityBuilder.rows(store: store, runs: runs).filter {
      kept.contains(Kept(run: $0.run, cell: $0.cell))
    }
    let text = QualityRenderer.render(quality, format: format)
    if !text.isEmpty { emit("\nquality:\n" + text, terminator: "") }
    for source in runs {
      let engines = EngineSection.render(try EngineSection.lines(store: store, runId: source.id))
      guard !engines.isEmpty else { continue }
      let heading = runs.count > 1 ? "\n\(source.id) on \(TextSafety.terminal(source.host.hostname)) — " : "\n"
      emit(heading + engines, terminator: "")
    }
  }
}
