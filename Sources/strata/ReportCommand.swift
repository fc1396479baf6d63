import ArgumentParser
import Foundation
import StrataReport
import StrataStore

struct ReportCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract: "Print the comparison table of a run from the database.")

  @Option(help: "SQLite database file.")
  var db: String = "strata.sqlite"

  @Option(help: "Run id (default: the newest run). `--list` shows them.")
  var run: String?

  @Flag(help: "List the runs in the database instead.")
  var list = false

  @Option(help: "Output format: \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
  var format: ReportFormat = .table

  @Option(
    name: .customLong("by"),
    help:
      "Break quality down: `category` prints accuracy per task category (MedMCQA subject, ARC source, …) instead of the comparison table."
  )
  var breakdown: Breakdown?

  enum Breakdown: String, ExpressibleByArgument, CaseIterable {
    case category, bin
  }

  func run() async throws {
    guard FileManager.default.fileExists(atPath: db) else {
      printError("\(db) does not exist; run `strata run` first, or pass the database with --db")
      throw ExitCode(2)
    }
    let store: ResultStore
    do {
      store = try ResultStore(path: db)
      let runs = try store.runs()
      if list {
        for record in runs {
          let started = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: record.startedAt))
          emit("\(record.id)  \(record.status)  started \(started)  \(record.matrixPath)")
        }
        return
      }
      guard let runId = run ?? runs.first?.id else {
        printError("\(db) holds no runs yet; run `strata run` first")
        throw ExitCode(2)
      }
      guard runs.contains(where: { $0.id == runId }) else {
        printError("no run \(runId) in \(db); `strata report --list` shows the runs")
        throw ExitCode(2)
      }
      if breakdown == .bin {
        let rows = try ReliabilityBuilder.rows(store: store, runId: runId)
        guard !rows.isEmpty else {
          printError("run \(runId) has no answers with a confidence (score a task with method: letter_likelihood)")
          throw ExitCode(2)
        }
        emit(ReliabilityBuilder.render(rows, format: format), terminator: "")
        return
      }
      if breakdown == .category {
        let rows = try QualityBuilder.rows(store: store, runId: runId, byCategory: true)
        guard !rows.isEmpty else {
          printError("run \(runId) has no task results to break down")
          throw ExitCode(2)
        }
        emit(QualityRenderer.render(rows, format: format), terminator: "")
        return
      }
      emit(
        ReportRenderer.render(try ComparisonBuilder.rows(store: store, runId: runId), format: format), terminator: "")
      if format == .table || format == .markdown {
        let quality = QualityRenderer.render(try QualityBuilder.rows(store: store, runId: runId), format: format)
        if !quality.isEmpty { emit("\nquality:\n" + quality, terminator: "") }
        emit("\n" + EngineSection.render(try EngineSection.lines(store: store, runId: runId)), terminator: "")
      }
    } catch let error as StoreError {
      printError(error.description)
      throw ExitCode(2)
    }
  }
}
