import ArgumentParser
import Foundation
import StrataConfig
import StrataEngine
import StrataMatrix
import StrataReport
import StrataRun
import StrataStore
import StrataTelemetry

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
      measured. Ctrl-C (or SIGTERM, as systemd sends) stops the running server and
      marks the run interrupted; a second one kills the servers at once.

      --resume continues a stored run: done cells are kept, an interrupted cell keeps
      what it stored and asks only for the rest, failed cells stay failed unless
      --retry-failed. `--resume auto` resumes the newest unfinished run of this matrix
      if there is one and starts a new run otherwise (the form a timer uses).

      Models with `repo_id:` are pulled into the Hugging Face cache first when they are
      missing (`strata models pull` does it ahead of time; --no-pull refuses instead).

      Exit status: 0 every cell done; 3 partial (cells failed, did not fit in free
      memory, or the budget left some for --resume); 1 the run failed (or a model pull did); 2 bad input; 75 the database or a
      device is in use by another strata; 130 interrupted.
      """)

  @OptionGroup var options: ProjectOptions

  @Argument(help: "The matrix file (default: matrix.yaml in the project directory).")
  var matrix: String?

  @Option(
    help: ArgumentHelp(
      "Continue a stored run: its id, `latest` (the newest unfinished run of this matrix; what a bare --resume means) or `auto` (that run if there is one, else a new run).",
      valueName: "run"))
  var resume: String?

  @Flag(help: "With --resume: run the cells that failed again (interrupted cells always are).")
  var retryFailed = false

  @Option(help: "Stop at a cell boundary before this much time is spent, e.g. 8h, 90m, 1h30m (resume continues).")
  var maxDuration: String?

  @Option(
    help: "Seconds a server may send nothing mid-answer before its cell fails `timeout` (plus the prompt's share).")
  var stallTimeout: Double = 120

  @Option(help: "When a device is in use by another strata: wait or refuse.")
  var deviceBusy: RunLocks.BusyPolicy = .wait

  @Flag(help: "Do not download missing Hugging Face models; name them and stop instead.")
  var noPull = false

  @Flag(
    help:
      "Start every server even when its memory, predicted from the GGUF header, exceeds what is free (by default such cells are skipped: does not fit)."
  )
  var noFitCheck = false

  @Flag(
    help:
      "Skip the noise check: measuring the first cell again on a fresh server after the last, which `strata diff` uses to tell a change from the host's drift."
  )
  var noNoiseCheck = false

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
    try OptionCheck.range(stallTimeout, "--stall-timeout", 1...86_400, "seconds")
    if let limit { try OptionCheck.range(limit, "--limit", 1...1_000_000, "items") }
    if let maxDuration, Duration.parse(maxDuration) == nil {
      throw ValidationError("--max-duration: '\(maxDuration)' is not a duration; write it like 8h, 90m, 1h30m or 3600")
    }
    if retryFailed && resume == nil { throw ValidationError("--retry-failed only applies with --resume") }
  }

  /// A bare `--resume` (last, or followed by another option or the matrix file) means `--resume latest`.
  static func expandingBareResume(_ arguments: [String]) -> [String] {
    var result: [String] = []
    for (index, argument) in arguments.enumerated() {
      result.append(argument)
      guard argument == "--resume" else { continue }
      let next = arguments.indices.contains(index + 1) ? arguments[index + 1] : "-"
      if next.hasPrefix("-") || next.hasSuffix(".yaml") || next.hasSuffix(".yml") {
        result.append("latest")
      }
    }
    return result
  }

  func run() async throws {
    let host = LiveHost.context()
    let loaded = try loadProject(options, matrix: matrix, host: host)
    var plan = MatrixExpander.plan(loaded.matrix, quantsByModel: loaded.quantsByModel)
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
    let environment = host.environment
    let commandLine = Redaction.arguments(CommandLine.arguments).joined(separator: " ")
    let terminal = ProgressLine(interactive: host.interactive)
    // The database lock first: a second run on it refuses at once, before any slow step.
    let holder = LockHolder(
      pid: getpid(), host: host.hostname, startedAt: host.clock.wall(), runId: nil, commandLine: commandLine)
    let databaseLock: FileLock
    do {
      databaseLock = try FileLock(path: RunLocks.databaseLockPath(options.db), holder: holder)
    } catch {
      printError(error.description)
      throw ExitCode(75)
    }
    defer { databaseLock.release() }
    if let previous = databaseLock.tookOverFrom {
      terminal.note("note: took over the database lock last held by \(previous) (no longer running)")
    }
    // Under the lock, so two runs never fetch one model at once; before anything is measured.
    let project = try await HubPulling.prepare(loaded, plan: plan, host: host, noPull: noPull, terminal: terminal)
    let resumeState: ResumeState?
    do {
      resumeState = try findResume(store: store, project: project, host: host)
    } catch {
      printError("\(error)")
      throw ExitCode(2)
    }
    if let problem = await PlanPreflight.sandboxProblem(project, plan: plan, host: host) {
      printError(problem)
      throw ExitCode(2)
    }
    let registry = ProcessRegistry(environment: environment)
    let logDirectory =
      logs ?? URL(fileURLWithPath: options.db).deletingLastPathComponent().appendingPathComponent("strata-logs").path
    // A server a crashed strata left running takes CPU and memory from this run's
    // measurements: say so before anything is measured.
    let leftovers = await LeftoverCollector(
      environment: environment, leases: LeaseBook.standard(stateDirectory: host.directories.state),
      procRoot: host.roots.proc
    ).find().leftovers
    if !leftovers.isEmpty {
      terminal.note(
        "warning: \(leftovers.count) server(s) left by a crashed strata are still running and will skew this run's figures; `strata gc` removes them:"
      )
      for leftover in leftovers { terminal.note("  \(leftover)") }
    }
    let samplers = HostSamplers.detect(sysRoot: host.roots.sys, devRoot: host.roots.dev, searchPath: host.searchPath)
    for status in samplers.statuses where !status.available {
      terminal.note("telemetry: \(status.sampler) not used: \(status.reason ?? "unavailable")")
    }
    var context = RunContext(
      host: host, logDirectory: logDirectory, registry: registry,
      progress: { terminal.show($0) }, healthTimeoutSeconds: healthTimeout, deviceSamplers: samplers.available,
      samplerStatuses: samplers.statuses, telemetryRateHz: telemetryRate,
      leases: LeaseBook.standard(stateDirectory: host.directories.state))
    context.itemLimit = limit
    context.measureBandwidth = {
      try? MemoryBandwidth.measure(threads: max(1, ProcessInfo.processInfo.activeProcessorCount))
    }
    context.stall = StallBound(baseSeconds: stallTimeout)
    let reports = await EnginePreparation(host: host).prepare(
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
    var sweep = Sweep(
      project: project, plan: plan, store: store, context: context, strataVersion: Strata.version,
      engineReports: reports, resume: resumeState)
    sweep.retryFailed = retryFailed
    sweep.commandLine = commandLine
    sweep.noiseCheck = !noNoiseCheck
    if !noFitCheck {
      let procRoot = host.roots.proc
      let samplers = context.deviceSamplers
      sweep.memoryFit = MemoryFit(
        free: { FreeMemory.read(procRoot: procRoot, samplers: samplers) }, hostHasGPU: !context.drmDevices().isEmpty,
        recheckSeconds: 3)
    }
    sweep.budget = RunBudget(
      maxSeconds: maxDuration.flatMap(Duration.parse) ?? project.matrix.budget?.hours.map { $0 * 3600 },
      maxCells: project.matrix.budget?.cells)
    var named = holder
    named.runId = sweep.runId
    databaseLock.update(holder: named)

    // Each device the plan measures on is locked too, so two strata never measure on one GPU at once.
    let deviceLocks: RunLocks
    do {
      deviceLocks = try await RunLocks.acquireDevices(
        DeviceKeys.of(plan, project: project, gpus: context.drmDevices().map { $0.pciSlot ?? $0.nodes.first ?? "drm" }),
        stateDirectory: host.directories.state, holder: named, busy: deviceBusy,
        onWait: { terminal.note($0) })
    } catch {
      printError("\(error)")
      throw ExitCode(75)
    }
    defer { deviceLocks.release() }
    for note in deviceLocks.takeOvers { terminal.note("note: \(note)") }

    let configured = sweep
    let work = Task { try await configured.run() }
    let signals = SignalForwarder(
      registry: registry,
      onFirst: {
        terminal.note("interrupted: stopping the running server (Ctrl-C again to kill it now)")
        work.cancel()
      },
      onLast: { try? store.interruptRun(id: configured.runId, at: host.clock.wall()) })
    defer { signals.cancel() }
    let outcome: SweepOutcome
    do {
      outcome = try await work.value
    } catch is CancellationError {
      terminal.finish()
      printError(
        "interrupted; everything measured so far is in \(options.db); `strata run --resume \(configured.runId)` continues"
      )
      throw ExitCode(130)
    } catch {
      terminal.finish()
      if Task.isCancelled || work.isCancelled {
        printError(
          "interrupted; everything measured so far is in \(options.db); `strata run --resume \(configured.runId)` continues"
        )
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
      "run \(outcome.runId): \(outcome.done) cells done, \(outcome.failed) failed, \(outcome.skipped) skipped\(outcome.left > 0 ? ", \(outcome.left) left" : ""); database \(options.db)"
    )
    if let reason = outcome.stopReason { printError(outcome.left > 0 ? "stopped early: \(reason)" : reason) }
    if outcome.status != .done { throw ExitCode(3) }
  }

  /// The stored run `--resume` names, nil for a new run.
  private func findResume(store: ResultStore, project: Project, host: HostContext) throws -> ResumeState? {
    guard let resume else { return nil }
    switch resume {
    case "auto", "latest":
      guard
        let run = try store.newestUnfinishedRun(
          matrixPath: project.matrixPath, hostname: host.hostname, resumable: resume == "auto")
      else {
        if resume == "auto" { return nil }
        throw ResumeRefusal.noRun("unfinished for \(project.matrixPath)")
      }
      return try ResumeState.read(run, store: store)
    default:
      guard let run = try store.runs().first(where: { $0.id == resume || $0.id.hasPrefix(resume) }) else {
        throw ResumeRefusal.noRun(resume)
      }
      return try ResumeState.read(run, store: store)
    }
  }
}

extension RunLocks.BusyPolicy: ExpressibleByArgument {}

extension ReportFormat: ExpressibleByArgument {}
