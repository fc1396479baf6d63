import Foundation
import StrataClient
import StrataConfig
import StrataEngine
import StrataEval
import StrataMatrix
import StrataStore
import StrataTelemetry
import Synchronization

/// One cell's scenarios and tasks on a ready server, each result handed to the
/// store as soon as it exists. What the cell already has stored (a resumed cell)
/// is not asked again. It decides nothing about which cells run.
struct CellRunner {
  var project: Project
  var store: ResultStore
  var context: RunContext
  var runId: String
  var items: TaskItemCache

  /// Runs the cell and returns the generation spans of its perf requests (energy per token).
  func run(_ cellPlan: CellPlan, stored: StoredCellProgress, on server: ServerSession) async throws
    -> [GenerationSpan]
  {
    let cell = cellPlan.cell
    let settings = CellSettings(cell)
    var spans: [GenerationSpan] = []
    for scenario in cellPlan.scenarios {
      let done = Set(stored.repetitions.filter { $0.scenario == scenario.name }.map(\.repetition))
      guard done.count < cellPlan.repeats else { continue }
      let probe = PerfProbe(
        client: server.client.stallingAfter(context.stall.seconds(promptTokens: scenario.promptTokens)),
        seed: settings.seed)
      try await probe.run(scenario, repeats: cellPlan.repeats, skipping: done) { m in
        context.progress(
          .perfRepetition(
            scenario: scenario.name, repetition: m.repetition, of: cellPlan.repeats, decodeTPS: m.serverDecodeTPS))
        try store.insert(SweepRecords.repetition(m, runId: runId, cell: cell, scenario: scenario))
        spans.append(
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
      try await runTask(
        task, limit: context.itemLimit ?? selection.limit ?? task.limit, cellPlan: cellPlan, settings: settings,
        stored: stored, server: server)
    }
    return spans
  }

  private func runTask(
    _ task: TaskSpec, limit: Int, cellPlan: CellPlan, settings: CellSettings, stored: StoredCellProgress,
    server: ServerSession
  ) async throws {
    let cell = cellPlan.cell
    let execution = TaskExecution(
      task: task, client: server.client.stallingAfter(context.stall.seconds(promptTokens: 0)),
      sampling: SamplingSettings(temperature: settings.temperature, seed: settings.seed, topP: settings.topP),
      perplexity: PerplexityRunner(
        engine: server.launch.engine, modelPath: server.launch.modelPath,
        flagArguments: server.launch.flagArguments, environment: context.environment,
        scratchDirectory: context.host.directories.temporary),
      sandbox: task.kind == .code
        ? try await items.sandbox(host: context.host)
        : CodeSandbox(hostEnvironment: context.environment, scratchDirectory: context.host.directories.temporary),
      concurrency: settings.slots)
    var asked = 0
    func store(_ answer: ScoredAnswer, of total: Int) throws {
      asked += 1
      context.progress(.taskItem(task: task.name, index: asked, of: total, correct: answer.correct))
      try self.store.insert(answer.record(runId: runId, cellHash: cell.id, task: task.name), prompt: answer.prompt)
    }
    /// The items of one way of answering that the store does not have yet.
    func missing<Item: TaskItem>(_ chosen: [Item], method: String) -> [Item] {
      chosen.filter { !stored.answers.contains(.init(task: task.name, method: method, itemId: $0.id)) }
    }
    /// Runs one way of answering and stores its wall time beside the number of items it asked.
    func timed(_ method: String, items: Int, _ body: () async throws -> Void) async throws {
      guard items > 0 else { return }
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
        let left = missing(chosen, method: method.rawValue)
        do {
          try await timed(method.rawValue, items: left.count) {
            try await execution.runMultipleChoice(left, method: method) {
              try store($0, of: left.count * task.methods.count)
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
      let left = missing(chosen, method: "exact")
      try await timed("exact", items: left.count) {
        try await execution.runExactAnswers(left) { try store($0, of: left.count) }
      }
    case .code:
      let chosen = ItemSelection.select(
        try items.items(CodeItem.self, for: task), limit: limit, seed: task.seed, byCategory: task.categories)
      let left = missing(chosen, method: "code")
      try await timed("code", items: left.count) {
        try await execution.runCode(left) { try store($0, of: left.count) }
      }
    }
  }
}

/// How long a request may go without a byte before its server is called hung.
public struct StallBound: Sendable, Equatable {
  /// Silence allowed on top of the prompt's own processing time.
  public var baseSeconds: Double
  /// The slowest prompt processing strata expects (a large model on a CPU), for the prompt's share.
  public var slowestPromptTokensPerSecond: Double

  public init(baseSeconds: Double = 120, slowestPromptTokensPerSecond: Double = 20) {
    self.baseSeconds = baseSeconds
    self.slowestPromptTokensPerSecond = slowestPromptTokensPerSecond
  }

  /// llama-server sends nothing while it processes the prompt, so a long prompt earns a longer wait.
  public func seconds(promptTokens: Int) -> Double {
    baseSeconds + Double(max(0, promptTokens)) / max(1, slowestPromptTokensPerSecond)
  }
}

extension LlamaServerClient {
  func stallingAfter(_ seconds: Double) -> LlamaServerClient {
    var client = self
    client.http.stallSeconds = seconds
    return client
  }
}

/// What a sweep prepares once and every cell reuses: each task's items, and the
/// code sandbox (finding its python runs a probe program).
final class TaskItemCache: Sendable {
  private let state = Mutex<(loaded: [String: any Sendable], sandbox: CodeSandbox?)>(([:], nil))

  func sandbox(host: HostContext) async throws -> CodeSandbox {
    if let prepared = state.withLock({ $0.sandbox }) { return prepared }
    let sandbox = try await CodeSandbox(
      hostEnvironment: host.environment, scratchDirectory: host.directories.temporary
    ).prepared()
    state.withLock { $0.sandbox = sandbox }
    return sandbox
  }

  func items<Item: TaskItem>(_ type: Item.Type, for task: TaskSpec) throws -> [Item] {
    if let items = state.withLock({ $0.loaded[task.name] }) as? [Item] { return items }
    let items = try TaskItemLoader.load(type, path: task.items)
    state.withLock { $0.loaded[task.name] = items }
    return items
  }
}
