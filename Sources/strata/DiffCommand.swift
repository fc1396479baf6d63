import ArgumentParser
import Foundation
import StrataReport
import StrataStore

struct DiffCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "diff",
    abstract: "Compare two runs cell by cell: speed and accuracy changes, each significant or not.",
    discussion: """
      A and B are run ids of --db (a unique prefix of 4 or more characters does, and so do
      `latest` and `previous`), database files (their newest run) or FILE:RUN. Cells are
      matched by their settings; a setting that is one value throughout A and another
      throughout B (threads 2 → 1) is named and left out of the match.

      Speeds (decode, prompt, TTFT) are compared with Welch's test on log figures, their
      variance widened by the between-run noise that each run's noise check measures (the
      first cell measured again after the last); accuracy with McNemar's test on the items
      both answered. Significance is Benjamini–Hochberg over all tests of the diff.

      --fail-on-regression 5% exits 1 when a significant change for the worse exceeds 5%
      (speed down, TTFT up, accuracy down 5 points) or a cell that ran in A fails in B,
      naming what differs between the runs' engines and hosts as the suspects.
      """)

  @Argument(help: "The run to compare against: a run id, a database file, or FILE:RUN.")
  var before: String

  @Argument(help: "The run to compare: a run id, a database file, or FILE:RUN.")
  var after: String

  @Option(help: "SQLite database the run ids are in.")
  var db: String = "strata.sqlite"

  @Option(help: "Output format: \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
  var format: ReportFormat = .table

  @Option(help: "Exit 1 when a significant change for the worse exceeds this, e.g. 5%.")
  var failOnRegression: String?

  @Option(help: "Between-run noise to assume, e.g. 4% (default: measured by the runs' noise checks).")
  var noise: String?

  @Option(help: "False discovery rate over all tests of the diff (Benjamini–Hochberg), 0.001…0.5.")
  var fdr: Double = 0.05

  func validate() throws {
    if let failOnRegression, Self.percent(failOnRegression) == nil {
      throw ValidationError("--fail-on-regression takes a percentage from 0% to 100%, e.g. 5%, not \(failOnRegression)")
    }
    if let noise, Self.percent(noise).map({ $0 > 0 }) != true {
      throw ValidationError("--noise takes a percentage above 0%, e.g. 4%, not \(noise)")
    }
    try OptionCheck.range(fdr, "--fdr", 0.001...0.5, "(a share of the calls)")
  }

  /// "5%" or "5" → 0.05.
  static func percent(_ text: String) -> Double? {
    let number = text.hasSuffix("%") ? String(text.dropLast()) : text
    guard let value = Double(number.trimmingCharacters(in: .whitespaces)), value.isFinite, (0...100).contains(value)
    else { return nil }
    return value / 100
  }

  func run() async throws {
    let exists = { (path: String) in
      var directory: ObjCBool = false
      return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && !directory.boolValue
    }
    let references = [before, after].map { DiffReference.parse($0, defaultDatabase: db, fileExists: exists) }
    var stores: [String: ResultStore] = [:]
    let diff = try exitingOnInputErrors { () throws -> RunDiff in
      var sides: [DiffSide] = []
      for reference in references {
        guard exists(reference.database) else {
          printError(
            "\(reference.database) does not exist; name a database file, or pass the one holding run \(reference.run ?? "?") with --db"
          )
          throw ExitCode(2)
        }
        let store = try stores[reference.database] ?? ResultStore(path: reference.database)
        stores[reference.database] = store
        sides.append(DiffSide(store: store, run: try reference.resolve(in: store)))
      }
      if sides[0].run.id == sides[1].run.id, sides[0].store.path == sides[1].store.path {
        printError("A and B are the same run (\(sides[0].run.id)); name two runs")
        throw ExitCode(2)
      }
      let noiseRuns = try RunDiff.noiseRuns(
        stores: sides.map(\.store), hosts: Set(sides.map(\.run.host.hostname)))
      return try RunDiff.build(
        before: sides[0], after: sides[1], noiseRuns: noiseRuns, noise: noise.flatMap(Self.percent),
        falseDiscoveryRate: fdr)
    }
    emit(DiffRenderer.render(diff, format: format), terminator: "")
    guard let threshold = failOnRegression.flatMap(Self.percent) else { return }
    let regressions = diff.regressions(beyond: threshold)
    guard !regressions.isEmpty else { return }
    printError("regression beyond \(failOnRegression ?? ""):")
    for regression in regressions {
      printError("  " + TextSafety.terminal("\(regression.cell): \(regression.what)"))
    }
    if !diff.settings.isEmpty {
      printError(
        "settings that differ: "
          + diff.settings.map { TextSafety.terminal("\($0.axis) \($0.before ?? "unset") → \($0.after ?? "unset")") }
          .joined(separator: ", "))
    }
    printError(
      diff.suspects.isEmpty
        ? "suspects: none recorded; the engines, images, devices and host are the same in both runs"
        : "suspects: "
          + diff.suspects.map { TextSafety.terminal("\($0.subject) \($0.before) → \($0.after)") }.joined(
            separator: "; "))
    throw ExitCode(1)
  }
}
