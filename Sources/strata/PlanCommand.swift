import ArgumentParser
import Foundation
import StrataConfig
import StrataEngine
import StrataHub
import StrataMatrix
import StrataRun
import StrataStore
import StrataTelemetry

struct PlanCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plan",
    abstract: "Show what the next run would do: cells, server starts, models to fetch, and an estimated duration.",
    discussion: """
      Estimates come from earlier runs of the same cell on this host where the database
      has them ("measured"), else from the model's size and the scenarios' lengths
      ("modelled"). With --resume, the plan is what `strata run --resume` would still do.
      Nothing is started and the database is only read.
      """)

  @OptionGroup var options: ProjectOptions

  @Argument(help: "The matrix file (default: matrix.yaml in the project directory).")
  var matrix: String?

  @Option(help: "Plan the continuation of a stored run: its id, `latest` or `auto`.")
  var resume: String?

  @Flag(help: "With --resume: count the failed cells as to run again.")
  var retryFailed = false

  @Option(help: "Items per task for every task, as `strata run --limit` would use.")
  var limit: Int?

  @Flag(help: "Leave out the memory prediction and the check against free memory.")
  var noFitCheck = false

  @Flag(help: "Print JSON instead of the table.")
  var json = false

  /// Free memory as `strata run` reads it: the host's, and the device samplers' that work here.
  static func memoryFit(_ host: HostContext) -> MemoryFit {
    let samplers = HostSamplers.detect(sysRoot: host.roots.sys, devRoot: host.roots.dev, searchPath: host.searchPath)
      .available
    let procRoot = host.roots.proc
    return MemoryFit(
      free: { FreeMemory.read(procRoot: procRoot, samplers: samplers) }, hostHasGPU: !DRMDevices.enumerate().isEmpty)
  }

  func run() async throws {
    let host = LiveHost.context()
    // Pulled Hugging Face models count as local files; the others are listed to fetch.
    let project = HubModels.resolve(
      try loadProject(options, matrix: matrix, host: host),
      cache: HubCache.standard(environment: host.environment, home: host.directories.home)
    ).project
    var plan = MatrixExpander.plan(project.matrix, quantsByModel: project.quantsByModel)
    // Engines that cannot run here are left out as `strata run` would (inspected, never built or pulled).
    let inspector = EngineInspector.onThisHost(host)
    var unavailable: [String: String] = [:]
    for name in plan.engines {
      guard let engine = project.engines[name] else { continue }
      let report = await inspector.inspect(engine)
      if !report.available { unavailable[name] = report.reason ?? "unavailable" }
    }
    plan = plan.skipping(engines: unavailable)
    let store: ResultStore?
    do {
      store = FileManager.default.fileExists(atPath: options.db) ? try ResultStore(path: options.db) : nil
    } catch {
      printError(error.description)
      throw ExitCode(2)
    }
    let estimator =
      (try store.map {
        try RunEstimator.from(store: $0, hostname: host.hostname, project: project, itemLimit: limit)
      }) ?? RunEstimator.from(project: project, itemLimit: limit)
    var resumeState: ResumeState?
    if let resume, let store {
      let run =
        resume == "auto" || resume == "latest"
        ? try store.newestUnfinishedRun(
          matrixPath: project.matrixPath, hostname: host.hostname, resumable: resume == "auto")
        : try store.runs().first { $0.id == resume || $0.id.hasPrefix(resume) }
      resumeState = try run.map { try ResumeState.read($0, store: store) }
      if resumeState == nil && resume != "auto" {
        printError("no run to resume (\(resume)) in \(options.db)")
        throw ExitCode(2)
      }
    }
    let schedule = RunPlanner.schedule(
      plan, resume: resumeState, retryFailed: retryFailed, budget: .unlimited, estimator: estimator)
    let summary = PlanSummary.make(
      project: project, plan: plan, schedule: schedule, estimator: estimator,
      resuming: resumeState.map {
        "continuing run \($0.run.id): \(schedule.keptDone) cell(s) done, \(schedule.keptFailed) failed and kept"
      },
      memoryFit: noFitCheck ? nil : Self.memoryFit(host))
    if json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      emit(String(decoding: try encoder.encode(summary), as: UTF8.self))
    } else {
      emit(summary.table, terminator: "")
    }
  }
}
