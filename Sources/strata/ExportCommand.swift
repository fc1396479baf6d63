import ArgumentParser
import Foundation
import StrataReport
import StrataStore

struct ExportGroupCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract: "Write stored figures for other tools.",
    subcommands: [ExportPrometheusCommand.self])
}

struct ExportPrometheusCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "prometheus",
    abstract: "The latest run's headline figures in Prometheus's text format, for node_exporter's textfile collector.",
    discussion: """
      One gauge per figure and cell (decode and prompt t/s, TTFT, load time, peak RSS and
      VRAM, power, J/token, accuracy), labelled by host, engine, model, quant and the
      cell's other settings, plus the run's status, times and cell counts. With
      --output the file is written beside itself and renamed into place, so the
      collector never reads half a file: point it at node_exporter's
      --collector.textfile.directory, e.g. -o /var/lib/prometheus/node-exporter/strata.prom.
      """)

  @Option(help: "SQLite database file.")
  var db: String = "strata.sqlite"

  @Option(help: "Run id; repeat for several (default: the newest run).")
  var run: [String] = []

  @Option(name: [.customShort("o"), .customLong("output")], help: "Write to this file (default: standard output).")
  var output: String?

  func run() async throws {
    guard FileManager.default.fileExists(atPath: db) else {
      printError("\(db) does not exist; run `strata run` first, or pass the database with --db")
      throw ExitCode(2)
    }
    let text = try exitingOnInputErrors {
      let store = try ResultStore(path: db)
      return try PrometheusExport.text(store: store, runs: RunSource.select(from: store, ids: run))
    }
    guard let output else {
      emit(text, terminator: "")
      return
    }
    // node_exporter reads every *.prom file in its directory at any moment.
    try writeAtomically(text, to: output)
  }
}
