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
  public var done: Int
  public var failed: Int
  public var skipped: Int
}

/// Runs a planned matrix: one server per load group, every cell's scenarios and
/// tasks against it, each result committed to the store as soon as it exists.
///
/// A failing cell is recorded with its reason and the sweep goes on; a failing
/// server fails its group's cells. Cancellation (Ctrl-C) stops the current
/// server, marks the run interrupted and rethrows.
public struct Sweep: Sendable {
  public var project: Project
  public var plan: MatrixPlan
  public var store: ResultStore
  public var context: RunContext
  public var strataVersion: String
  /// The run's id in the database.
  public let runId: String
  /// Each engine's availability and identity, from `EnginePreparation`; engines
  /// missing here are inspected when the run starts.
  public var engineReports: [String: EngineReport]

  public init(
    project: Project, plan: MatrixPlan, store: ResultStore, context: RunContext, strataVersion: String,
    runId: String = UUID().uuidString.lowercased(), engineReports: [String: EngineReport] = [:]
  ) {
    self.runId = runId
    self.engineReports = engineReports
    self.project = project
    self.plan = plan
    self.store = store
    self.context = context
    self.strataVersion = strataVersion
  }

  public func run() async throws -> SweepOutcome {
    try FileManager.default.createDirectory(atPath: context.logDirectory, withIntermediateDirectories: true)
    let identities = await engineIdentities()
    try store.insert(
      try runRecord(id: runId, identities: identities),
      samplers: context.samplerStatuses.enumerated().map { position, status in
        SamplerStatusRecord(
          runId: runId, position: position, sampler: status.sampler, available: status.available,
          reason: status.reason)
      })
    do {
      try store.insert(plannedCellRecords(runId: runId))
    } catch {
      try? store.finishRun(id: runId, status: "failed", at: context.wallClock())
      throw error
    }
    context.progress(.runStarted(runId: runId, cells: plan.cells.count, groups: plan.groups.count))

    var tally = Tally(skipped: plan.skipped.count)
    let supervisor = Supervisor(
      registry: context.registry, environment: context.environment,
      healthTimeoutSeconds: context.healthTimeoutSeconds, leases: context.leases,
      hostGroups: HostGroups.read(etcRoot: context.etcRoot))
    var items = TaskItemCache()
    var cellIndex = 0
    do {
      for (groupIndex, group) in plan.groups.enumerated() {
        try Task.checkCancellation()
        let first = cellIndex
        cellIndex += group.cells.count
        context.progress(.serverStarting(group: groupIndex + 1, of: plan.groups.count, label: label(group.key)))
        let telemetry = ServerTelemetry(store: store) { sink in
          TelemetryRecorder(
            samplers: context.deviceSamplers, processSampler: ProcessSampler(procRoot: context.procRoot),
            processGPU: [DRMFDInfoSampler(procRoot: context.procRoot)]
              + context.deviceSamplers.compactMap { $0 as? any ProcessGPUSampler },
            rateHz: context.telemetryRateHz,
            flushIntervalSeconds: context.telemetryFlushSeconds, sink: sink)
        }
        var serverId: Int64?
        var windows: [String: ClosedRange<UInt64>] = [:]
        var generations: [String: [GenerationSpan]] = [:]
        var finished: Set<String> = []
        func summarize() throws {
          try record(
            telemetry.finish(), serverId: serverId, windows: windows, generations: generations, runId: runId,
            backend: project.engines[group.key.engine]?.backend)
        }
        var spawned: (launch: ServerLaunch, monotonic: Double, wall: Double)?
        /// A server that never answered /health still gets a row, with the reason, so
        /// the samples taken while it loaded (memory climbing until it died) are kept.
        var ready = false
        func recordFailedLoad(_ error: any Error) {
          guard !ready, serverId == nil, let spawned,
            let id = try? store.insert(
              ServerRecord.failedLoad(
                error, launch: spawned.launch, runId: runId, loadGroup: group.key.id,
                loadSeconds: MonotonicClock.seconds() - spawned.monotonic, startedAt: spawned.wall))
          else { return }
          serverId = id
          telemetry.bind(serverId: id)
        }
        do {
          // Whatever ends the server's life, its samples are all written before the group moves on.
          try await telemetry.recording {
            let launch = try serverLaunch(for: group, runId: runId, index: groupIndex)
            // A few ticks before launch give the baseline that VRAM is measured against.
            telemetry.start()
            try await Task.sleep(nanoseconds: 3 * telemetry.recorder.periodNanos)
            let launchedAt = (monotonic: MonotonicClock.seconds(), wall: context.wallClock())
            do {
              try await supervisor.withServer(
                launch,
                onSpawn: { pid in
                  spawned = (launch, launchedAt.monotonic, launchedAt.wall)
                  telemetry.attach(pid: pid)
                },
                onExit: { status in if let serverId { try? store.setServerExit(id: serverId, exitStatus: "\(status)") }
                }
              ) { server in
                ready = true
                context.progress(.serverReady(loadSeconds: server.loadSeconds))
                let buildInfo = try? await server.client.props().buildInfo
                if let expected = identities[group.key.engine]?.expectedBuildInfo, let buildInfo, buildInfo != expected
                {
                  context.progress(
                    .warning(
                      "engine \(group.key.engine): the server reports build \(buildInfo), but the engine was identified as \(expected) when the run started; the server's build is recorded with its cells"
                    ))
                }
                let id = try store.insert(
                  ServerRecord(
                    runId: runId, loadGroup: group.key.id, engine: group.key.engine,
                    argumentsJSON: jsonArray(Redaction.arguments(server.arguments)), port: server.port,
                    loadSeconds: server.loadSeconds, buildInfo: buildInfo,
                    logPath: launch.logPath, startedAt: context.wallClock()))
                serverId = id
                telemetry.bind(serverId: id)
                for (offset, cellPlan) in group.cells.enumerated() {
                  let started = MonotonicTime.nanos()
                  var spans: [GenerationSpan] = []
                  defer {
                    windows[cellPlan.cell.id] = started...MonotonicTime.nanos()
                    generations[cellPlan.cell.id] = spans
                  }
                  try await runCell(
                    cellPlan, index: first + offset, serverId: id, server: server, runId: runId,
                    items: &items, tally: &tally, generations: &spans)
                  finished.insert(cellPlan.cell.id)
                }
              }
            } catch {
              // Before `recording` finishes: the row must exist when the last samples are written.
              recordFailedLoad(error)
              throw error
            }
          }
          try summarize()
        } catch  where !(error is CancellationError) && !Task.isCancelled {
          try? summarize()
          for (offset, cellPlan) in group.cells.enumerated() where !finished.contains(cellPlan.cell.id) {
            // serverId ties the cell to its server's samples, a server that failed to load included.
            try store.updateCell(
              runId: runId, hash: cellPlan.cell.id, status: "failed", failure: "\(error)", serverId: serverId,
              finishedAt: context.wallClock())
            context.progress(.cellFinished(index: first + offset + 1, status: "failed", detail: "\(error)"))
            tally.failed += 1
          }
        } catch {
          try? summarize()
          throw error
        }
      }
    } catch {
      let cancelled = error is CancellationError || Task.isCancelled
      try? store.finishRun(id: runId, status: cancelled ? "interrupted" : "failed", at: context.wallClock())
      throw error
    }
    try store.finishRun(id: runId, status: tally.failed == 0 ? "done" : "partial", at: context.wallClock())
    context.progress(.runFinished(runId: runId, done: tally.done, failed: tally.failed, skipped: tally.skipped))
    return SweepOutcome(runId: runId, done: tally.done, failed: tally.failed, skipped: tally.skipped)
  }

  // MARK: one cell

  private func runCell(
    _ cellPlan: CellPlan, index: Int, serverId: Int64, server: RunningServer, runId: String,
    items: inout TaskItemCache, tally: inout Tally, generations: inout [GenerationSpan]
  ) async throws {
    let cell = cellPlan.cell
    context.progress(.cellStarted(index: index + 1, of: plan.cells.count, label: label(cell)))
    try store.updateCell(
      runId: runId, hash: cell.id, status: "running", serverId: serverId, startedAt: context.wallClock())
    do {
      let probe = PerfProbe(client: server.client, seed: seedValue(cell))
      for scenario in cellPlan.scenarios {
        try await probe.run(scenario, repeats: cellPlan.repeats) { m in
          context.progress(
            .perfRepetition(
              scenario: scenario.name, repetition: m.repetition, of: cellPlan.repeats, decodeTPS: m.serverDecodeTPS))
          try store.insert(record(m, runId: runId, cell: cell, scenario: scenario))
          generations.append(
            GenerationSpan(
              startNanos: m.requestStartNanos, endNanos: m.finishedNanos, generatedTokens: m.generatedTokens))
        }
      }
      for selection in cellPlan.tasks {
        guard var task = project.tasks[selection.name] else { continue }
        // A thinking model needs room to reason before its answer.
        if let model = project.model(named: cell.model) {
          task.maxTokens = model.generationBudget(taskMaxTokens: task.maxTokens)
        }
        let limit = context.itemLimit ?? selection.limit ?? task.limit
        let execution = TaskExecution(
          task: task, client: server.client,
          sampling: SamplingSettings(temperature: temperature(cell), seed: seedValue(cell), topP: topP(cell)),
          perplexity: PerplexityRunner(
            engine: server.launch.engine, modelPath: server.launch.modelPath,
            flagArguments: server.launch.flagArguments, environment: context.environment),
          sandbox: task.kind == .code ? try await items.sandbox(environment: context.environment) : CodeSandbox(),
          concurrency: slots(cell))
        var asked = 0
        func store(_ answer: ScoredAnswer, of total: Int) throws {
          asked += 1
          context.progress(.taskItem(task: task.name, index: asked, of: total, correct: answer.correct))
          try self.store.insert(answer.record(runId: runId, cellHash: cell.id, task: task.name))
        }
        /// Runs one way of answering and stores its wall time beside its item count.
        func timed(_ method: String, items: Int, _ body: () async throws -> Void) async throws {
          let started = MonotonicClock.seconds()
          try await body()
          try self.store.insert(
            TaskRunRecord(
              runId: runId, cellHash: cell.id, task: task.name, method: method, items: items,
              concurrency: execution.concurrency, wallSeconds: MonotonicClock.seconds() - started))
        }
        switch task.kind {
        case .multipleChoice:
          let chosen = ItemSelection.select(
            try items.items(MultipleChoiceItem.self, for: task), limit: limit, seed: task.seed,
            byCategory: task.categories)
          for method in task.methods {
            do {
              try await timed(method.rawValue, items: chosen.count) {
                try await execution.runMultipleChoice(chosen, method: method) {
                  try store($0, of: chosen.count * task.methods.count)
                }
              }
            } catch let error as ContinuationScoringError {
              // One way of scoring that this engine cannot do (a container has no
              // llama-perplexity) must not cost the cell its other answers.
              guard case .noPerplexityBinary = error else { throw error }
              context.progress(.warning("\(task.name) \(method.rawValue) skipped for \(cell.engine): \(error)"))
            }
          }
        case .exactAnswer:
          let chosen = ItemSelection.select(
            try items.items(ExactAnswerItem.self, for: task), limit: limit, seed: task.seed,
            byCategory: task.categories)
          try await timed("exact", items: chosen.count) {
            try await execution.runExactAnswers(chosen) { try store($0, of: chosen.count) }
          }
        case .code:
          let chosen = ItemSelection.select(
            try items.items(CodeItem.self, for: task), limit: limit, seed: task.seed, byCategory: task.categories)
          try await timed("code", items: chosen.count) {
            try await execution.runCode(chosen) { try store($0, of: chosen.count) }
          }
        }
      }
      try store.updateCell(runId: runId, hash: cell.id, status: "done", finishedAt: context.wallClock())
      tally.done += 1
      context.progress(.cellFinished(index: index + 1, status: "done", detail: nil))
    } catch  where !(error is CancellationError) && !Task.isCancelled {
      try store.updateCell(
        runId: runId, hash: cell.id, status: "failed", failure: "\(error)", finishedAt: context.wallClock())
      tally.failed += 1
      context.progress(.cellFinished(index: index + 1, status: "failed", detail: "\(error)"))
    } catch {
      try? store.updateCell(
        runId: runId, hash: cell.id, status: "failed", failure: "interrupted", finishedAt: context.wallClock())
      throw error
    }
  }

  // MARK: telemetry

  /// Stores the figures of a server's life and of each cell's window (its samples
  /// are already in the store, written while it ran), and reports what went wrong.
  private func record(
    _ telemetry: (run: TelemetryRun, problems: [String]), serverId: Int64?, windows: [String: ClosedRange<UInt64>],
    generations: [String: [GenerationSpan]], runId: String, backend: Backend?
  ) throws {
    for problem in telemetry.problems {
      context.progress(.telemetryProblem(problem))
    }
    guard let serverId else { return }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    func figures(_ measured: TelemetrySummary) -> TelemetryFigures {
      let summary = backend.map { ServerFigures.honest(measured, backend: $0) } ?? measured
      return TelemetryFigures(
        peakRSSBytes: summary.peakRSSBytes.map { Int64(clamping: $0) },
        peakVRAMBytes: summary.peakVRAMAboveBaselineBytes.map { Int64(clamping: $0) },
        meanPowerWatts: summary.meanPowerWatts, energyJoules: summary.energyJoules,
        telemetryJSON: (try? encoder.encode(summary)).map { String(decoding: $0, as: UTF8.self) },
        meanVRAMBytes: summary.meanVRAMAboveBaselineBytes.map { Int64(clamping: $0) },
        joulesPerGeneratedToken: summary.joulesPerGeneratedToken)
    }
    let run = telemetry.run
    let all = generations.values.flatMap { $0 }.sorted { $0.startNanos < $1.startNanos }
    try store.setTelemetry(figures(run.summary(generations: all)), runId: runId, serverId: serverId)
    for (hash, window) in windows {
      try store.setTelemetry(
        figures(run.summary(window: window, generations: generations[hash] ?? [])), runId: runId, cellHash: hash)
    }
  }

  // MARK: helpers

  private func serverLaunch(for group: LoadGroup, runId: String, index: Int) throws -> ServerLaunch {
    guard let engine = project.engines[group.key.engine] else {
      throw SweepError.unknownEngine(group.key.engine)
    }
    guard let model = project.model(named: group.key.model) else {
      throw SweepError.unknownModel(group.key.model)
    }
    guard case .local(let files) = model.source else {
      throw SweepError.modelNotLocal(model.name)
    }
    guard let path = files[group.key.quant] else {
      throw SweepError.missingQuant(model: model.name, quant: group.key.quant)
    }
    guard FileManager.default.fileExists(atPath: path) else {
      throw SweepError.modelFileMissing(model: model.name, path: path)
    }
    let log =
      "\(context.logDirectory)/\(runId.prefix(8))-\(index + 1)-\(engine.name)-\(model.name)-\(group.key.quant).log"
    return ServerLaunch(
      engine: engine, modelPath: path, flagArguments: group.cells.first?.cell.flagArguments ?? [], logPath: log,
      runId: runId, index: index)
  }

  private func runRecord(id: String, identities: [String: EngineReport]) throws -> RunRecord {
    var host = HostInventory.read(procRoot: context.procRoot, etcRoot: context.etcRoot)
    host.gpus = HostGPU.inventory(
      drm: context.drmDevices(),
      sampled: context.deviceSamplers.map { ($0.name, (try? $0.sampleDevices()) ?? []) })
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let matrixText = (try? String(contentsOfFile: project.matrixPath, encoding: .utf8)) ?? ""
    return RunRecord(
      id: id, startedAt: context.wallClock(), status: "running", strataVersion: strataVersion,
      matrixPath: project.matrixPath, matrixHash: StableHash.hex(matrixText),
      hostJSON: String(decoding: try encoder.encode(host), as: UTF8.self),
      enginesJSON: String(decoding: try encoder.encode(identities), as: UTF8.self))
  }

  /// The report of every engine the plan uses (build, commit, devices, image
  /// digest), so a run records which llama.cpp build produced its figures.
  private func engineIdentities() async -> [String: EngineReport] {
    var result: [String: EngineReport] = [:]
    let inspector = EngineInspector.onThisHost(environment: context.environment)
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

  private func plannedCellRecords(runId: String) -> [CellRecord] {
    plan.cells.map { record(for: $0.cell, runId: runId, status: "planned", failure: nil) }
      + plan.skipped.map { record(for: $0.cell, runId: runId, status: "skipped", failure: $0.reason) }
  }

  private func record(for cell: Cell, runId: String, status: String, failure: String?) -> CellRecord {
    let assignment = cell.assignment.mapValues(\.canonical)
    let json = (try? JSONSerialization.data(withJSONObject: assignment, options: [.sortedKeys])) ?? Data()
    return CellRecord(
      runId: runId, hash: cell.id, loadGroup: cell.loadKey.id, engine: cell.engine, model: cell.model,
      quant: cell.quant, assignmentJSON: String(decoding: json, as: UTF8.self), variant: cell.variantLabel,
      status: status, failure: failure)
  }

  private func record(_ m: PerfMeasurement, runId: String, cell: Cell, scenario: Scenario) -> PerfRepetitionRecord {
    PerfRepetitionRecord(
      runId: runId, cellHash: cell.id, scenario: scenario.name, repetition: m.repetition,
      promptTokens: m.promptTokens, generatedTokens: m.generatedTokens, decodeDepth: m.promptTokens,
      ttftMs: m.ttftMs, serverPromptMs: m.serverPromptMs, serverPromptTPS: m.serverPromptTPS,
      clientPromptTPS: m.clientPromptTPS, serverDecodeTPS: m.serverDecodeTPS, clientDecodeTPS: m.clientDecodeTPS,
      itlP50Ms: m.itlP50Ms, itlP90Ms: m.itlP90Ms, itlP99Ms: m.itlP99Ms, cacheTokens: m.cacheTokens)
  }

  private func temperature(_ cell: Cell) -> Double {
    switch cell.sampling[.temperature] {
    case .double(let value): value
    case .int(let value): Double(value)
    default: 0
    }
  }

  /// The server's slots (`-np`), which is how many task items go out at once.
  private func slots(_ cell: Cell) -> Int {
    if case .int(let value) = cell.flags[.parallel] { return max(1, value) }
    return 1
  }

  /// nil leaves llama-server's default top-p when the matrix has no top_p axis.
  private func topP(_ cell: Cell) -> Double? {
    switch cell.sampling[.topP] {
    case .double(let value): value
    case .int(let value): Double(value)
    default: nil
    }
  }

  private func seedValue(_ cell: Cell) -> UInt64 {
    if case .int(let value) = cell.sampling[.seed] { return UInt64(truncatingIfNeeded: value) }
    return 42
  }

  private func label(_ cell: Cell) -> String {
    ([cell.engine, cell.model, cell.quant] + (cell.variantLabel.isEmpty ? [] : [cell.variantLabel])).joined(
      separator: " ")
  }

  private func label(_ key: LoadGroupKey) -> String {
    label(Cell(engine: key.engine, model: key.model, quant: key.quant, flags: key.flags))
  }
}

/// A server's argument list as the JSON text its row stores.
func jsonArray(_ strings: [String]) -> String {
  String(decoding: (try? JSONSerialization.data(withJSONObject: strings)) ?? Data(), as: UTF8.self)
}

private struct Tally {
  var done = 0
  var failed = 0
  var skipped = 0
}

/// What a sweep prepares once and every cell reuses: each task's items, and the
/// code sandbox (finding its python runs a probe program).
struct TaskItemCache {
  private var loaded: [String: any Sendable] = [:]
  private var preparedSandbox: CodeSandbox?

  mutating func sandbox(environment: [String: String]) async throws -> CodeSandbox {
    if let preparedSandbox { return preparedSandbox }
    let sandbox = try await CodeSandbox(hostEnvironment: environment).prepared()
    preparedSandbox = sandbox
    return sandbox
  }

  mutating func items<Item: TaskItem>(_ type: Item.Type, for task: TaskSpec) throws -> [Item] {
    if let items = loaded[task.name] as? [Item] { return items }
    let items = try TaskItemLoader.load(type, path: task.items)
    loaded[task.name] = items
    return items
  }
}

/// A load group that cannot be started for a reason strata can name.
public enum SweepError: Error, Sendable, CustomStringConvertible {
  case unknownEngine(String)
  case unknownModel(String)
  case modelNotLocal(String)
  case missingQuant(model: String, quant: String)
  case modelFileMissing(model: String, path: String)

  public var description: String {
    switch self {
    case .unknownEngine(let name): "engine '\(name)' is not defined in engines/"
    case .unknownModel(let name): "model '\(name)' is not defined in models.yaml"
    case .modelNotLocal(let name):
      "model '\(name)' is not a local file; downloading from Hugging Face and API models are not supported by `strata run` yet"
    case .missingQuant(let model, let quant): "model '\(model)' has no file for quant \(quant)"
    case .modelFileMissing(let model, let path):
      "model '\(model)': \(path) does not exist; run scripts/setup (it fetches the demo models) or fix models.yaml"
    }
  }
}

/// What a server's figures can and cannot say, given its backend.
enum ServerFigures {
  /// ROCm submits work through KFD user queues, which DRM fdinfo's engine time does not
  /// count: a near-zero share there is not an idle GPU, so it is marked not measured.
  static let rocmEngineTime =
    "ROCm work goes through KFD user queues, which DRM fdinfo engine time does not count"

  static func honest(_ summary: TelemetrySummary, backend: Backend) -> TelemetrySummary {
    guard backend == .rocm else { return summary }
    var result = summary
    result.processEngineBusyPercent = nil
    result.notMeasured = (result.notMeasured ?? [:]).merging(["processEngineBusyPercent": rocmEngineTime]) { $1 }
    return result
  }
}
