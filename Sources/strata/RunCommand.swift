import ArgumentParser
import Foundation
import StrataConfig
import StrataEngine
import StrataMatrix
import StrataReport
import StrataRun
import StrataStore

#if canImport(Glibc)
  import Glibc
#endif

struct RunCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Run the sweep a matrix describes and print the comparison table.",
    discussion: """
      One llama-server is started per load group and stopped when the group is done.
      Every repetition and every task item is committed to the database as it is
      measured. Ctrl-C stops the running server and marks the run interrupted; a
      second Ctrl-C kills the servers at once.
      """)

  @OptionGroup var options: ProjectOptions

  @Argument(help: "The matrix file (default: matrix.yaml in the project directory).")
  var matrix: String?

  @Option(help: "Directory for server logs (default: strata-logs beside the database).")
  var logs: String?

  @Option(help: "Seconds to wait for a server's /health to answer 200 (1…86400).")
  var healthTimeout: Double = 300

  @Option(help: "Telemetry samples per second for the whole life of each server (0.1…1000).")
  var telemetryRate: Double = 10

  @Flag(
    help:
      "Fail before starting when an engine the matrix uses cannot run here (default: skip its cells, with the reason recorded)."
  )
  var strict = false

  @Option(help: "Items per task for every task (overrides the matrix's and the task files' limits; 1…1000000).")
  var limit: Int?

  @Option(help: "Table format printed at the end: \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
  var format: ReportFormat = .table

  func validate() throws {
    try OptionCheck.range(healthTimeout, "--health-timeout", 1...86_400, "seconds")
    try OptionCheck.range(telemetryRate, "--telemetry-rate", OptionCheck.telemetryRates, "samples per second")
    if let limit { try OptionCheck.range(limit, "--limit", 1...1_000_000, "items") }
  }

  func run() async throws {
    let project = try loadProject(options, matrix: matrix)
    var plan = MatrixExpander.plan(project.matrix, quantsByModel: project.quantsByModel)
    guard !plan.cells.isEmpty else {
      printError("the matrix plans no cells: \(plan.skipped.count) were excluded (see `strata validate`)")
      throw ExitCode(2)
    }
    let store: ResultStore
    do {
      store = try ResultStore(path: options.db)
    } catch {
      printError(error.description)
      throw ExitCode(2)
    }
    let environment = ProcessInfo.processInfo.environment
    if let problem = await PlanPreflight.sandboxProblem(project, plan: plan, environment: environment) {
      printError(problem)
      throw ExitCode(2)
    }
    let registry = ProcessRegistry(environment: environment)
    let terminal = ProgressLine(interactive: isatty(STDERR_FILENO) == 1)
    let logDirectory =
      logs ?? URL(fileURLWithPath: options.db).deletingLastPathComponent().appendingPathComponent("strata-logs").path
    // A server a crashed strata left running takes CPU and memory from this run's
    // measurements: say so before anything is measured.
    let leftovers = await LeftoverCollector(
      environment: environment, leases: LeaseBook.standard(environment: environment)
    ).find().leftovers
    if !leftovers.isEmpty {
      terminal.note(
        "warning: \(leftovers.count) server(s) left by a crashed strata are still running and will skew this run's figures; `strata gc` removes them:"
      )
      for leftover in leftovers { terminal.note("  \(leftover)") }
    }
    let samplers = HostSamplers.detect()
    for status in samplers.statuses where !status.available {
      terminal.note("telemetry: \(status.sampler) not used: \(status.reason ?? "unavailable")")
    }
    var context = RunContext(
      environment: environment, logDirectory: logDirectory, registry: registry,
      progress: { terminal.show($0) }, healthTimeoutSeconds: healthTimeout, deviceSamplers: samplers.available,
      samplerStatuses: samplers.statuses, telemetryRateHz: telemetryRate,
      leases: LeaseBook.standard(environment: environment))
    let reports = await EnginePreparation(environment: environment).prepare(
      plan.engines, project: project, progress: { terminal.note($0) })
    let unavailable = reports.values.filter { !$0.available }.sorted { $0.engine < $1.engine }
    for report in unavailable {
      terminal.note("engine \(report.engine) unavailable: \(report.reason ?? "unknown")")
    }
    if strict, !unavailable.isEmpty {
      printError("--strict: \(unavailable.count) engine(s) cannot run here (see above); `strata engines` explains each")
      throw ExitCode(2)
    }
    plan = plan.skipping(
      engines: Dictionary(uniqueKeysWithValues: unavailable.map { ($0.engine, $0.reason ?? "unavailable") }))
    if let limit {
      guard limit > 0 else {
        printError("--limit must be at least 1, found \(limit)")
        throw ExitCode(2)
      }
      context.itemLimit = limit
    }
    let sweep = Sweep(
      project: project, plan: plan, store: store, context: context, strataVersion: Strata.version,
      engineReports: reports)

    let work = Task { try await sweep.run() }
    let signals = SignalForwarder(
      registry: registry,
      onFirst: {
        terminal.note("interrupted: stopping the running server (Ctrl-C again to kill it now)")
        work.cancel()
      },
      onLast: { try? store.interruptRun(id: sweep.runId, at: Date().timeIntervalSince1970) })
    defer { signals.cancel() }
    let outcome: SweepOutcome
    do {
      outcome = try await work.value
    } catch is CancellationError {
      terminal.finish()
      printError("interrupted; everything measured so far is in \(options.db)")
      throw ExitCode(130)
    } catch {
      terminal.finish()
      if Task.isCancelled || work.isCancelled {
        printError("interrupted; everything measured so far is in \(options.db)")
        throw ExitCode(130)
      }
      printError("\(error)")
      throw ExitCode(1)
    }
    terminal.finish()
    let rows = try ComparisonBuilder.rows(store: store, runId: outcome.runId)
    emit(ReportRenderer.render(rows, format: format), terminator: "")
    if format == .table || format == .markdown {
      let quality = QualityRenderer.render(try QualityBuilder.rows(store: store, runId: outcome.runId), format: format)
      if !quality.isEmpty { emit("\nquality:\n" + quality, terminator: "") }
      emit("\n" + EngineSection.render(try EngineSection.lines(store: store, runId: outcome.runId)), terminator: "")
    }
    printError(
      "run \(outcome.runId): \(outcome.done) cells done, \(outcome.failed) failed, \(outcome.skipped) skipped; database \(options.db)"
    )
    if outcome.failed > 0 { throw ExitCode(1) }
  }
}

extension ReportFormat: ExpressibleByArgument {}
