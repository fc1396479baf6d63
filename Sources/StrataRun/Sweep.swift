import Foundation
import StrataClient
import StrataConfig
import StrataEngine
import StrataEval
import StrataMatrix
import StrataStore
import StrataTelemetry

/// How a sweep ended.
public struct SweepOutcome: Sendable {
  public var runId: String
  public var status: RunStatus
  public var done: Int
  public var failed: Int
  public var skipped: Int
  /// Cells the budget left for `--resume`.
  public var left: Int = 0
  /// Why the run stopped before its last cell, with how to continue; nil when it ran them all.
  public var stopReason: String? = nil
}

/// Runs a schedule: one server scope per load group (a fresh one after a server
/// hangs or dies), each cell through the cell runner, each result committed as
/// soon as it exists. Which cells run, and when to stop for the budget, is the
/// schedule's (``RunPlanner``) decision; this type only carries it out.
///
/// A failing cell is recorded with its kind and the sweep goes on; a server that
/// fails to load fails its group's cells. Cancellation (Ctrl-C, the timer's stop
/// signal) stops the current server, marks the run interrupted and rethrows.
public struct Sweep: Sendable {
  public var project: Project
  public var plan: MatrixPlan
  public var store: ResultStore
  public var context: RunContext
  public var strataVersion: String
  /// The run's id in the database: a new one, or the resumed run's.
  public let runId: String
  /// Each engine's availability and identity, from `EnginePreparation`; engines
  /// missing here are inspected when the run starts.
  public var engineReports: [String: EngineReport]
  /// The stored run to continue; nil for a new run.
  public var resume: ResumeState?
  public var retryFailed = false
  public var budget = RunBudget.unlimited
  /// The command line that started this invocation, redacted, stored with the run.
  public var commandLine: String?
  /// Checks each server's predicted memory against free memory before it starts;
  /// nil with `--no-fit-check`.
  public var memoryFit: MemoryFit?
  /// Measure the first cell again after the last one (``NoiseCheck``); `strata run` does
  /// unless `--no-noise-check`.
  public var noiseCheck = false

  public init(
    project: Project, plan: MatrixPlan, store: ResultStore, context: RunContext, strataVersion: String,
    runId: String = UUID().uuidString.lowercased(), engineReports: [String: EngineReport] = [:],
    resume: ResumeState? = nil
  ) {
    self.runId = resume?.run.id ?? runId
    self.engineReports = engineReports
    self.project = project
    self.plan = plan
    self.store = store
    self.context = context
    self.strataVersion = strataVersion
    self.resume = resume
  }

  public func run() async throws -> SweepOutcome {
    try FileManager.default.createDirectory(atPath: context.logDirectory, withIntermediateDirectories: true)
    let identities = await engineIdentities()
    try open(identities: identities)
    let estimator =
      (try? RunEstimator.from(
        store: store, hostname: context.host.hostname, project: project, itemLimit: context.itemLimit))
      ?? RunEstimator()
    let schedule = RunPlanner.schedule(
      plan, resume: resume, retryFailed: retryFailed, budget: budget, estimator: estimator)
    if resume != nil {
      context.progress(
        .runResumed(runId: runId, kept: schedule.keptDone + schedule.keptFailed, left: schedule.entries.count))
    }
    context.progress(.runStarted(runId: runId, cells: schedule.entries.count, groups: schedule.groups.count))

    var state = SweepState(
      total: schedule.entries.count, estimateLeft: schedule.estimateSeconds,
      started: context.host.clock.monotonic())
    state.tally.skipped = plan.skipped.count
    do {
      for (groupIndex, group) in schedule.groups.enumerated() {
        try Task.checkCancellation()
        context.progress(
          .serverStarting(group: groupIndex + 1, of: schedule.groups.count, label: group.group.key.label))
        try await runGroup(group, index: groupIndex, schedule: schedule, identities: identities, state: &state)
        if state.stopReason != nil { break }
      }
      if noiseCheck, state.stopReason == nil { try await checkNoise(schedule: schedule, state: &state) }
    } catch {
      let cancelled = error is CancellationError || Task.isCancelled
      try? store.finishRun(id: runId, status: cancelled ? .interrupted : .failed, at: context.wallClock())
      throw error
    }
    let left = schedule.entries.count - state.started
    // Done means every cell of the run is: a resumed run's failed cells that were not retried count
    // too, and so do cells that did not fit this time (a resume checks them again).
    let cells = try store.cells(runId: runId)
    let unfinished = cells.filter {
      $0.status != .done && !($0.status == .skipped && $0.failureKind != .doesNotFit)
    }
    let status: RunStatus = unfinished.isEmpty ? .done : .partial
    let notFitting = cells.filter { $0.failureKind == .doesNotFit && $0.status == .skipped }.count
    let stopReason =
      state.stopReason.map {
        "\($0): \(left) cell(s) left; `strata run --resume \(runId)` continues (a timer's `--resume auto` does)"
      }
      ?? (notFitting > 0
        ? "\(notFitting) cell(s) did not fit in free memory; `strata run --resume \(runId)` checks them again (free memory first), --no-fit-check tries them anyway"
        : nil)
    try store.finishRun(id: runId, status: status, at: context.wallClock(), stopReason: stopReason)
    if let stopReason {
      context.progress(
        state.stopReason != nil ? .budgetExhausted(left: left, message: stopReason) : .warning(stopReason))
    }
    context.progress(
      .runFinished(runId: runId, done: state.tally.done, failed: state.tally.failed, skipped: state.tally.skipped))
    return SweepOutcome(
      runId: runId, status: status, done: state.tally.done, failed: state.tally.failed,
      skipped: state.tally.skipped, left: left, stopReason: stopReason)
  }

  /// Stores the run (a new one), or reopens it after checking it can be continued.
  private func open(identities: [String: EngineReport]) throws {
    guard let resume else {
      try store.insert(
        try runRecord(id: runId, identities: identities),
        samplers: context.samplerStatuses.enumerated().map { position, status in
          SamplerStatusRecord(
            runId: runId, position: position, sampler: status.sampler, available: status.available,
            reason: status.reason)
        })
      do {
        try store.insert(SweepRecords.plannedCells(plan, runId: runId))
      } catch {
        try? store.finishRun(id: runId, status: .failed, at: context.wallClock())
        throw error
      }
      return
    }
    try ResumeCheck.check(resume, plan: plan, identities: identities, matrixPath: project.matrixPath)
    try store.reopenRun(id: runId, commandLine: commandLine)
  }

  // MARK: one load group

  private func runGroup(
    _ group: RunSchedule.Group, index: Int, schedule: RunSchedule, identities: [String: EngineReport],
    state: inout SweepState
  ) async throws {
    var pending = group.entries[...]
    let host = context.serverHost ?? supervisedHost()
    let runner = CellRunner(project: project, store: store, context: context, runId: runId, items: state.items)
    while let first = pending.first {
      if let refusal = budgetRefusal(
        schedule: schedule, next: first.estimateSeconds + group.loadEstimateSeconds, state: state)
      {
        state.stopReason = refusal
        return
      }
      let launch: ServerLaunch
      do {
        launch = try serverLaunch(for: group.group, index: index, attempt: state.serverStarts)
      } catch {
        for entry in pending {
          try fail(entry, CellFailure(kind: .loadFailed, message: "\(error)"), serverId: nil, state: &state)
        }
        return
      }
      var fit = memoryFit?.verdict(launch)
      if let memoryFit, fit?.outcome == .doesNotFit, memoryFit.recheckSeconds > 0 {
        try await Task.sleep(nanoseconds: UInt64(memoryFit.recheckSeconds * 1e9))
        fit = memoryFit.verdict(launch)
      }
      if let fit { context.progress(.memoryChecked(fit, cells: pending.count)) }
      if let fit, fit.outcome == .doesNotFit {
        // Minutes of a load that would fail are not spent: the cells are skipped with the figures.
        for entry in pending { try skip(entry, fit, state: &state) }
        return
      }
      state.serverStarts += 1
      state.estimateLeft -= group.loadEstimateSeconds
      var lost: (entry: RunSchedule.Entry, failure: CellFailure)?
      let scope = ServerScope(
        host: host, store: store, context: context, runId: runId, launch: launch, loadGroup: group.group.key.id,
        backend: project.engines[group.group.key.engine]?.backend,
        expectedBuildInfo: identities[group.group.key.engine]?.expectedBuildInfo, fit: fit,
        engineDevices: identities[group.group.key.engine]?.devices ?? [])
      let outcome = try await scope.run { server, serverId, windows in
        while let entry = pending.first {
          if entry.cellPlan.cell.id != first.cellPlan.cell.id,
            let refusal = budgetRefusal(schedule: schedule, next: entry.estimateSeconds, state: state)
          {
            state.stopReason = refusal
            return
          }
          pending.removeFirst()
          if let failure = try await runCell(
            entry, runner: runner, server: server, serverId: serverId, windows: windows, state: &state)
          {
            lost = (entry, failure)
            return
          }
        }
      }
      if let lost {
        // The server hung or died: its cell fails with how it ended, the rest get a fresh server.
        try fail(
          lost.entry, FailureClassifier.withExit(lost.failure, outcome.exit), serverId: outcome.serverId,
          state: &state, counted: true)
        continue
      }
      if let error = outcome.error {
        guard !outcome.loaded else { throw error }  // the store itself failed: nothing more can be kept
        let failure = FailureClassifier.duringLoad(error) {
          LogTail.read(launch.logPath, lines: 30, secrets: launch.secretValues)
        }
        for entry in pending { try fail(entry, failure, serverId: outcome.serverId, state: &state) }
        return
      }
      if state.stopReason != nil { return }
    }
  }

  /// Runs one cell; returns the failure when it ended the server (hung, died), after
  /// recording every other outcome itself.
  private func runCell(
    _ entry: RunSchedule.Entry, runner: CellRunner, server: ServerSession, serverId: Int64, windows: CellWindows,
    state: inout SweepState
  ) async throws -> CellFailure? {
    let cell = entry.cellPlan.cell
    state.started += 1
    state.estimateLeft -= entry.estimateSeconds
    context.progress(
      .cellStarted(
        index: state.started, of: state.total, label: cell.label, etaSeconds: max(0, state.estimateLeft)))
    try store.updateCell(
      runId: runId, hash: cell.id, status: .running, serverId: serverId, startedAt: context.wallClock())
    state.cellsRun += 1
    let started = MonotonicTime.nanos()
    do {
      let spans = try await runner.run(entry.cellPlan, stored: entry.stored, on: server)
      windows.record(cell.id, from: started, to: MonotonicTime.nanos(), spans: spans)
      try store.updateCell(runId: runId, hash: cell.id, status: .done, finishedAt: context.wallClock())
      state.tally.done += 1
      context.progress(.cellFinished(index: state.started, status: .done, detail: nil))
      return nil
    } catch  where !(error is CancellationError) && !Task.isCancelled {
      windows.record(cell.id, from: started, to: MonotonicTime.nanos(), spans: [])
      if error is StoreError { throw error }
      let failure = FailureClassifier.duringCell(error, serverExited: server.hasExited()) {
        LogTail.read(server.launch.logPath, lines: 30, secrets: server.launch.secretValues)
      }
      if failure.endsServer {
        if failure.kind == .timeout { server.kill() }
        return failure
      }
      try fail(entry, failure, serverId: nil, state: &state, counted: true)
      return nil
    } catch {
      windows.record(cell.id, from: started, to: MonotonicTime.nanos(), spans: [])
      try? store.updateCell(
        runId: runId, hash: cell.id, status: .failed, failure: "interrupted", kind: .interrupted,
        finishedAt: context.wallClock())
      throw error
    }
  }

  /// Records a failed cell. `counted`: the cell already has its progress line's index.
  private func fail(
    _ entry: RunSchedule.Entry, _ failure: CellFailure, serverId: Int64?, state: inout SweepState,
    counted: Bool = false
  ) throws {
    let cell = entry.cellPlan.cell
    if !counted { state.started += 1 }
    try store.updateCell(
      runId: runId, hash: cell.id, status: .failed, failure: failure.message, kind: failure.kind,
      logTail: failure.logTail, serverId: serverId, finishedAt: context.wallClock())
    state.tally.failed += 1
    context.progress(.cellFinished(index: state.started, status: .failed, detail: failure.message))
  }

  /// Records a cell the memory-fit check ruled out.
  private func skip(_ entry: RunSchedule.Entry, _ fit: FitVerdict, state: inout SweepState) throws {
    state.started += 1
    state.estimateLeft -= entry.estimateSeconds
    try store.updateCell(
      runId: runId, hash: entry.cellPlan.cell.id, status: .skipped, failure: fit.detail, kind: .doesNotFit,
      finishedAt: context.wallClock())
    state.tally.skipped += 1
  }

  private func budgetRefusal(schedule: RunSchedule, next: Double, state: SweepState) -> String? {
    schedule.budget.refusal(
      elapsed: context.host.clock.monotonic() - state.startedAt, nextEstimate: next, cellsRun: state.cellsRun)
  }

  func supervisedHost() -> any ServerHost {
    SupervisedServerHost(
      supervisor: Supervisor(
        registry: context.registry, environment: context.environment,
        healthTimeoutSeconds: context.healthTimeoutSeconds, leases: context.leases,
        hostGroups: HostGroups.read(etcRoot: context.host.roots.etc), procRoot: context.host.roots.proc,
        wallClock: context.host.clock.wall),
      procRoot: context.host.roots.proc, client: HTTPClient())
  }

  // MARK: helpers

  func serverLaunch(for group: LoadGroup, index: Int, attempt: Int) throws -> ServerLaunch {
    let (engine, path) = try project.server(for: group.key)
    // Each start gets its own log, so a resumed run or a replaced server never overwrites one.
    let log =
      "\(context.logDirectory)/\(runId.prefix(8))-\(attempt + 1)-\(engine.name)-\(group.key.model)-\(group.key.quant).log"
    return ServerLaunch(
      engine: engine, modelPath: path, flagArguments: group.cells.first?.cell.flagArguments ?? [], logPath: log,
      runId: runId, index: index)
  }

  private func runRecord(id: String, identities: [String: EngineReport]) throws -> RunRecord {
    var host = HostInventory.read(procRoot: context.host.roots.proc, etcRoot: context.host.roots.etc)
    host.gpus = HostGPU.inventory(
      drm: context.drmDevices(),
      sampled: context.deviceSamplers.map { ($0.name, (try? $0.sampleDevices()) ?? []) })
    host.memoryBandwidth = context.measureBandwidth?()
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let matrixText = (try? String(contentsOfFile: project.matrixPath, encoding: .utf8)) ?? ""
    return RunRecord(
      id: id, startedAt: context.wallClock(), status: .running, strataVersion: strataVersion,
      matrixPath: project.matrixPath, matrixHash: StableHash.hex(matrixText),
      hostJSON: String(decoding: try encoder.encode(host), as: UTF8.self),
      enginesJSON: String(decoding: try encoder.encode(identities), as: UTF8.self), commandLine: commandLine)
  }

  /// The report of every engine the plan uses (build, commit, devices, image
  /// digest), so a run records which llama.cpp build produced its figures.
  private func engineIdentities() async -> [String: EngineReport] {
    var result: [String: EngineReport] = [:]
    let inspector = EngineInspector.onThisHost(context.host)
    // Engines skipped as unavailable are recorded too, with their reasons.
    for name in Set(plan.engines).union(engineReports.keys).sorted() {
      if let report = engineReports[name] {
        result[name] = report
      } else if let engine = project.engines[name] {
        result[name] = await inspector.inspect(engine)
      }
    }
    return result
  }
}

/// What the sweep keeps track of while it works through a schedule.
struct SweepState {
  var tally = Tally()
  var total: Int
  /// Cells given a progress index so far.
  var started = 0
  /// Cells actually begun on a server (the cell budget counts these).
  var cellsRun = 0
  var serverStarts = 0
  var estimateLeft: Double
  var startedAt: Double
  var stopReason: String?
  let items = TaskItemCache()

  init(total: Int, estimateLeft: Double, started: Double) {
    self.total = total
    self.estimateLeft = estimateLeft
    self.startedAt = started
  }

}

struct Tally {
  var done = 0
  var failed = 0
  var skipped = 0
}
