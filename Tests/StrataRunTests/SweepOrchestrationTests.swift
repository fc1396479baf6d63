import Foundation
import StrataConfig
import StrataEngine
import StrataGGUF
import StrataMatrix
import StrataStore
import StrataTelemetry
import StrataTestSupport
import Testing

@testable import StrataRun

/// A stand-in device sampler: fixed readings, as a GPU's sysfs or NVML would give.
struct StandInSampler: DeviceSampler {
  var samples: [DeviceSample]
  init(_ samples: [DeviceSample]) { self.samples = samples }
  var name: String { "stand-in" }
  func status() -> SamplerStatus { SamplerStatus(sampler: name, available: true, reason: nil) }
  func sampleDevices() throws -> [DeviceSample] { samples }
}

/// The sweep's plan, server scope and cell runner against a stand-in llama-server
/// (``StandInHost``) and an in-memory store: resume, budgets, hung and dead
/// servers, out-of-memory loads, without starting a real server.
@Suite("Sweep orchestration against stand-in servers")
struct SweepOrchestrationTests {
  struct Harness {
    var dir: String
    var project: Project
    var plan: MatrixPlan
    var store: ResultStore
    var events = Shared<[ProgressEvent]>([])

    init(matrix: String = StandInProject.fourCells) throws {
      dir = try StandInProject.make(matrix: matrix)
      project = try ProjectLoader.load(directory: dir, expander: TestHost.expander)
      plan = MatrixExpander.plan(project.matrix, quantsByModel: project.quantsByModel)
      store = try ResultStore(path: "\(dir)/strata.sqlite")
    }

    func sweep(
      _ host: StandInHost, resume: ResumeState? = nil, budget: RunBudget = .unlimited, retryFailed: Bool = false,
      stallSeconds: Double = 30, clock: HostClock? = nil
    ) -> Sweep {
      var hostContext = TestHost.live(under: dir)
      if let clock { hostContext.clock = clock }
      let events = events
      var context = RunContext(
        host: hostContext, logDirectory: "\(dir)/logs", registry: ProcessRegistry(),
        progress: { event in events.withLock { $0.append(event) } }, telemetryRateHz: 50,
        telemetryFlushSeconds: 0.2)
      context.serverHost = host
      context.stall = StallBound(baseSeconds: stallSeconds, slowestPromptTokensPerSecond: 1e6)
      var sweep = Sweep(
        project: project, plan: plan, store: store, context: context, strataVersion: "test",
        engineReports: [
          "cpu": EngineReport(
            engine: "cpu", backend: "cpu", mode: "process", runs: "here", available: true, build: 1, commit: "standin")
        ], resume: resume)
      sweep.budget = budget
      sweep.retryFailed = retryFailed
      return sweep
    }

    /// Every stored key of a run: cells with status, repetitions, answers, timings.
    func keys(_ runId: String) throws -> (cells: [String], repetitions: [String], answers: [String], methods: [String])
    {
      (
        try store.cells(runId: runId).map { "\($0.hash) \($0.status.rawValue)" }.sorted(),
        try store.perfRepetitions(runId: runId).map { "\($0.cellHash) \($0.scenario) \($0.repetition)" }.sorted(),
        try store.taskResults(runId: runId).map { "\($0.cellHash) \($0.task) \($0.method) \($0.itemId)" }.sorted(),
        try store.taskRuns(runId: runId).map { "\($0.cellHash) \($0.task) \($0.method)" }.sorted()
      )
    }
  }

  /// Per cell: 1 warm-up + 2 repetitions + 3 task items.
  static let requestsPerCell = 6

  @Test("an uninterrupted run stores every cell, repetition and item once, on one server per load group")
  func uninterrupted() async throws {
    let harness = try Harness()
    let host = StandInHost()
    let outcome = try await harness.sweep(host).run()
    #expect(outcome.status == .done && outcome.done == 4 && outcome.failed == 0)
    #expect(host.starts == 2)
    let keys = try harness.keys(outcome.runId)
    #expect(keys.repetitions.count == 8)
    #expect(keys.answers.count == 12)
    #expect(keys.methods.count == 4)
    #expect(try harness.store.servers(runId: outcome.runId).count == 2)
    #expect(try harness.store.integrityCheck() == "ok")
  }

  @Test("interrupted mid-cell, then resumed: exactly the keys of an uninterrupted run, no duplicates")
  func interruptThenResume() async throws {
    let reference = try Harness()
    let whole = try await reference.sweep(StandInHost()).run()

    let harness = try Harness()
    // Cancel on the 9th request: the second cell's second perf repetition.
    let work = Shared<Task<SweepOutcome, any Error>?>(nil)
    let host = StandInHost(.init(onCompletion: { number in if number == 9 { work.withLock { $0?.cancel() } } }))
    let sweep = harness.sweep(host)
    let task = Task { try await sweep.run() }
    work.withLock { $0 = task }
    // Cancellation surfaces as whatever the request in flight threw (`cancelled`); the run says interrupted.
    await #expect(throws: (any Error).self) { try await task.value }
    let run = try #require(try harness.store.run(id: sweep.runId))
    #expect(run.status == .interrupted)
    let partial = try harness.keys(sweep.runId)
    #expect(partial.cells.filter { $0.hasSuffix(" done") }.count == 1)
    #expect(!partial.repetitions.isEmpty)

    let resumedHost = StandInHost()
    let resume = try ResumeState.read(run, store: harness.store)
    let outcome = try await harness.sweep(resumedHost, resume: resume).run()
    #expect(outcome.runId == sweep.runId)
    #expect(outcome.status == .done && outcome.failed == 0)
    // The done cell is not asked again; the interrupted one asks only for what it lacks.
    let stored = partial.repetitions.count + partial.answers.count
    let expectedRequests = 3 * Self.requestsPerCell + (Self.requestsPerCell - 1) - stored + 1
    #expect(resumedHost.completions <= expectedRequests, "asked \(resumedHost.completions)")
    let after = try harness.keys(sweep.runId)
    let reference_ = try reference.keys(whole.runId)
    #expect(after.cells == reference_.cells)
    #expect(after.repetitions == reference_.repetitions)
    #expect(after.answers == reference_.answers)
    #expect(after.methods == reference_.methods)
    #expect(try harness.store.integrityCheck() == "ok")
    #expect(try harness.store.run(id: sweep.runId)?.status == .done)
  }

  @Test("a budget stops at a cell boundary, marks the run partial with how to continue; resume completes it")
  func budgetThenResume() async throws {
    let harness = try Harness()
    // A clock that moves 100 s per call: every cell's estimate overruns a 250 s budget soon.
    let ticks = Shared(0.0)
    let clock = HostClock(
      wall: { Date().timeIntervalSince1970 },
      monotonic: {
        ticks.withLock {
          $0 += 100; return $0
        }
      })
    let first = try await harness.sweep(StandInHost(), budget: RunBudget(maxSeconds: 250), clock: clock).run()
    #expect(first.status == .partial)
    #expect(first.left > 0 && first.done + first.left == 4, "done \(first.done), left \(first.left)")
    #expect(first.stopReason?.contains("--resume \(first.runId)") == true)
    let run = try #require(try harness.store.run(id: first.runId))
    #expect(run.status == .partial && run.stopReason != nil)
    #expect(try harness.store.cells(runId: first.runId).filter { $0.status == .planned }.count == first.left)

    let second = try await harness.sweep(
      StandInHost(), resume: try ResumeState.read(run, store: harness.store)
    ).run()
    #expect(second.status == .done && second.done == first.left)
    let reference = try Harness()
    let whole = try await reference.sweep(StandInHost()).run()
    #expect(try harness.keys(first.runId).answers == (try reference.keys(whole.runId)).answers)
    #expect(try harness.keys(first.runId).repetitions == (try reference.keys(whole.runId)).repetitions)
  }

  @Test("a server that stops answering fails its cell `timeout` within the bound; the next cell gets a fresh server")
  func hungServer() async throws {
    let harness = try Harness()
    // The 2nd request is the first cell's first measured repetition.
    let host = StandInHost(.init(hangAt: [2]))
    let outcome = try await harness.sweep(host, stallSeconds: 2).run()
    let cells = try harness.store.cells(runId: outcome.runId)
    let failed = try #require(cells.first { $0.status == .failed })
    // The bound is 2 s of silence; the stand-in would stay silent for 120 s. The cell's
    // whole life (load, warm-up, the stall, the stop) takes 2.5 s alone and took 25 s
    // under the whole suite's load on 2 cores, so the check is that it ended well before
    // the stand-in's silence would have; the failure text below says the stall bound is
    // what ended it.
    let took = try #require(failed.finishedAt) - (try #require(failed.startedAt))
    #expect(took < 60, "the hung cell took \(took) s")
    #expect(failed.failureKind == .timeout)
    #expect(failed.failure?.contains("sent nothing for 2 s") == true, "\(failed.failure ?? "")")
    #expect(failed.logTail?.contains("stand-in server") == true)
    #expect(outcome.done == 3 && outcome.failed == 1)
    #expect(host.starts == 3, "a fresh server after the hung one")
    // The progress line counts each cell once: the hung one is not counted again when it fails.
    let indices = harness.events.withLock { $0 }.compactMap { event -> Int? in
      if case .cellFinished(let index, _, _) = event { return index }
      return nil
    }
    #expect(indices == [1, 2, 3, 4])
  }

  @Test("a server that dies mid-cell fails it `server died` with its exit; the sweep goes on")
  func deadServer() async throws {
    let harness = try Harness()
    let host = StandInHost(.init(dieAt: [3]))
    let outcome = try await harness.sweep(host).run()
    let failed = try #require(try harness.store.cells(runId: outcome.runId).first { $0.status == .failed })
    #expect(failed.failureKind == .serverDied)
    #expect(
      failed.failure?.contains("signal 6") == true || failed.failure?.contains("SIGABRT") == true,
      "\(failed.failure ?? "")")
    #expect(outcome.done == 3)
    // Resume without --retry-failed keeps it failed; with it, the cell runs and succeeds.
    let run = try #require(try harness.store.run(id: outcome.runId))
    let kept = try await harness.sweep(StandInHost(), resume: try ResumeState.read(run, store: harness.store)).run()
    #expect(kept.done == 0 && kept.status == .partial)
    let retried = try await harness.sweep(
      StandInHost(), resume: try ResumeState.read(run, store: harness.store), retryFailed: true
    ).run()
    #expect(retried.done == 1 && retried.status == .done)
  }

  @Test("a load that fails for lack of memory is classified `out of memory` with the log lines that show it")
  func outOfMemoryLoad() async throws {
    let harness = try Harness()
    let outcome = try await harness.sweep(StandInHost(.init(outOfMemoryLoads: [1]))).run()
    let cells = try harness.store.cells(runId: outcome.runId).filter { $0.status == .failed }
    #expect(cells.count == 2, "both cells of the first load group")
    #expect(cells.allSatisfy { $0.failureKind == .outOfMemory })
    #expect(cells.allSatisfy { $0.failure?.contains("cudaMalloc failed: out of memory") == true })
    #expect(outcome.done == 2)
  }

  @Test(
    "a server whose predicted memory exceeds what is free is not started: its cells are skipped `does not fit`, with the figures"
  )
  func doesNotFit() async throws {
    let harness = try Harness()
    // 32 layers × 131,072 cells × (K + V: 2 × 8 heads × 128 × f16) = 16 GiB of KV cache alone.
    try GGUFWriter.llama(layers: 32, context: 131_072).write("\(harness.dir)/model.gguf")
    let host = StandInHost()
    var sweep = harness.sweep(host)
    sweep.memoryFit = MemoryFit(free: { FreeMemory(hostBytes: 8 << 30) })
    let outcome = try await sweep.run()
    #expect(host.starts == 0)
    // Partial, not done: free memory may differ the next night, and a resume checks them again.
    #expect(outcome.status == .partial && outcome.done == 0 && outcome.skipped == 4)
    #expect(outcome.stopReason?.contains("4 cell(s) did not fit in free memory") == true, "\(outcome.stopReason ?? "")")
    // A timer's `--resume auto` does not pick such a run again (it starts a fresh one); `--resume` still can.
    struct Host: Decodable { var hostname: String }
    let stored = try #require(try harness.store.run(id: outcome.runId))
    let hostname = try JSONDecoder().decode(Host.self, from: Data(stored.hostJSON.utf8)).hostname
    let matrix = harness.project.matrixPath
    #expect(try harness.store.newestUnfinishedRun(matrixPath: matrix, hostname: hostname, resumable: true) == nil)
    #expect(try harness.store.newestUnfinishedRun(matrixPath: matrix, hostname: hostname)?.id == outcome.runId)
    #expect(try harness.store.newestUnfinishedRun(matrixPath: matrix, hostname: "another-host") == nil)
    let again = try ResumeState.read(stored, store: harness.store)
    #expect(
      RunPlanner.schedule(
        harness.plan, resume: again, retryFailed: false, budget: .unlimited, estimator: RunEstimator()
      )
      .entries.count == 4)
    let cells = try harness.store.cells(runId: outcome.runId)
    #expect(cells.count == 4 && cells.allSatisfy { $0.status == .skipped && $0.failureKind == .doesNotFit })
    let detail = try #require(cells.first?.failure)
    #expect(
      detail.contains("KV 16.0 GiB for 131072 cells") && detail.contains("8.0 GiB available on the host"), "\(detail)")
    let checks = harness.events.withLock { $0 }.compactMap { event -> FitVerdict? in
      if case .memoryChecked(let verdict, _) = event { return verdict }
      return nil
    }
    #expect(checks.map(\.outcome) == [.doesNotFit, .doesNotFit])

    // With room for it, the same plan runs and each server row keeps what was predicted.
    let roomy = try Harness()
    try GGUFWriter.llama(layers: 2, context: 1024).write("\(roomy.dir)/model.gguf")
    var second = roomy.sweep(StandInHost())
    second.memoryFit = MemoryFit(free: { FreeMemory(hostBytes: 8 << 30) })
    let done = try await second.run()
    #expect(done.status == .done && done.done == 4)
    let servers = try roomy.store.servers(runId: done.runId)
    // 2 layers × 1024 cells × 4 KiB of KV, plus the tensor and the compute estimate.
    #expect(servers.count == 2 && servers.allSatisfy { ($0.predictedHostBytes ?? 0) > 2 * 1024 * 4096 })
    #expect(
      servers.allSatisfy { $0.predictedDeviceBytes == 0 && $0.memoryFit?.contains("available on the host") == true })
  }

  @Test("free memory: MemAvailable of /proc/meminfo and each sampled GPU's VRAM left, by PCI slot")
  func freeMemory() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-meminfo-\(UUID())").path
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: root) }
    try "MemTotal:       24545004 kB\nMemFree:         1000000 kB\nMemAvailable:   20123456 kB\n".write(
      toFile: "\(root)/meminfo", atomically: true, encoding: .utf8)
    let free = FreeMemory.read(procRoot: root, samplers: [])
    #expect(free.hostBytes == 20_123_456 * 1024 && free.devices.isEmpty)
    #expect(FreeMemory.read(procRoot: "\(root)/absent", samplers: []).hostBytes == nil)

    // Two GPUs, seen by two samplers each: counted once, in PCI order.
    let gpus = [
      DeviceSample(device: "0000:0b:00.0", vramUsedBytes: 1 << 30, vramTotalBytes: 16 << 30),
      DeviceSample(device: "0000:03:00.0", vramUsedBytes: 6 << 30, vramTotalBytes: 8 << 30),
    ]
    let both = FreeMemory.read(procRoot: root, samplers: [StandInSampler(gpus), StandInSampler(gpus)])
    #expect(both.devices.map(\.device) == ["0000:03:00.0", "0000:0b:00.0"])
    #expect(both.devices.map(\.bytes) == [2 << 30, 15 << 30])

    // A GPU engine's share goes against the GPUs it selects (`gpus: [0]`: the first in PCI order).
    let estimate = MemoryEstimate(
      weightBytes: 3 << 30, kvBytes: 1 << 30, computeBytes: 0, contextCells: 4096, deviceBytes: 4 << 30, hostBytes: 0)
    var engine = try #require(
      try ProjectLoader.load(
        directory: StandInProject.make(matrix: StandInProject.fourCells), expander: TestHost.expander
      ).engines["cpu"])
    engine.backend = .cuda
    engine.gpus = ["0"]
    let fit = MemoryFit(free: { both })
    let first = fit.verdict(estimate, engine: engine)
    #expect(first.outcome == .doesNotFit && first.detail.contains("2.0 GiB free on 0000:03:00.0"), "\(first.detail)")
    engine.gpus = []
    #expect(fit.verdict(estimate, engine: engine).outcome == .fits)
    // No VRAM figure (lavapipe, an unsampled GPU): the host's memory is what it gets.
    let software = MemoryFit(free: { FreeMemory(hostBytes: 3 << 30) }).verdict(estimate, engine: engine)
    #expect(software.outcome == .doesNotFit && software.detail.contains("4.0 GiB in host memory"), "\(software.detail)")
    #expect(MemoryFit(free: { FreeMemory(hostBytes: nil) }).verdict(estimate, engine: engine).outcome == .unknown)
    // A GPU the host shows but no sampler reads: its share is not charged to the host, and the verdict says so.
    let unsampled = MemoryFit(free: { FreeMemory(hostBytes: 3 << 30) }, hostHasGPU: true).verdict(
      estimate, engine: engine)
    #expect(
      unsampled.outcome == .unknown && unsampled.detail.contains("device memory not checked"), "\(unsampled.detail)")
    #expect(software.hostBytes == 4 << 30 && software.deviceBytes == 0 && unsampled.deviceBytes == 4 << 30)
  }

  @Test("a run planned from another matrix, or measured with another engine build, is refused with what changed")
  func resumeRefusals() async throws {
    let harness = try Harness()
    let outcome = try await harness.sweep(StandInHost(), budget: RunBudget(maxCells: 1)).run()
    let run = try #require(try harness.store.run(id: outcome.runId))
    let resume = try ResumeState.read(run, store: harness.store)

    var other = harness
    other.plan = MatrixExpander.plan(
      try MatrixSpecParser.parse(
        yaml: StandInProject.fourCells.replacingOccurrences(of: "seed: [1, 2]", with: "seed: [1, 3]")),
      quantsByModel: harness.project.quantsByModel)
    await #expect(throws: ResumeRefusal.self) { try await other.sweep(StandInHost(), resume: resume).run() }

    var rebuilt = harness.sweep(StandInHost(), resume: resume)
    rebuilt.engineReports["cpu"]?.build = 2
    do {
      _ = try await rebuilt.run()
      Issue.record("a changed build must be refused")
    } catch let refusal as ResumeRefusal {
      #expect("\(refusal)".contains("build b1-standin → b2-standin"), "\(refusal)")
    }
  }
}

@Suite("Database and device locks")
struct RunLockTests {
  static func holder(_ run: String) -> LockHolder {
    LockHolder(pid: getpid(), host: "test-host", startedAt: 1_800_000_000, runId: run, commandLine: "strata run")
  }

  @Test("a held database lock refuses a second holder at once, naming the first; release frees it")
  func databaseLock() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-lock-\(UUID())").path
    let path = RunLocks.databaseLockPath("\(dir)/strata.sqlite")
    let first = try FileLock(path: path, holder: Self.holder("run-a"))
    let started = Date()
    do {
      _ = try FileLock(path: path, holder: Self.holder("run-b"))
      Issue.record("a second holder got the lock")
    } catch {
      #expect("\(error)".contains("run run-a") && "\(error)".contains("pid \(getpid())"), "\(error)")
    }
    #expect(Date().timeIntervalSince(started) < 1)
    first.release()
    let second = try FileLock(path: path, holder: Self.holder("run-b"))
    #expect(second.tookOverFrom == nil, "a released lock leaves no holder behind")
    second.release()
  }

  @Test("a lock whose holder died is taken over, with who held it")
  func staleLock() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-lock-\(UUID())").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    // What a SIGKILLed strata leaves: the holder's note, and no flock (the kernel dropped it).
    let stale = LockHolder(pid: 999_999, host: "h", startedAt: 1, runId: "run-dead", commandLine: "strata run")
    try JSONEncoder().encode(stale).write(to: URL(fileURLWithPath: "\(dir)/db.lock"))
    let lock = try FileLock(path: "\(dir)/db.lock", holder: Self.holder("run-new"))
    #expect(lock.tookOverFrom == stale)
    #expect(FileLock.holder(at: "\(dir)/db.lock")?.runId == "run-new")
    lock.release()
  }

  @Test("a second run on the same device refuses under `refuse` and waits under `wait` until the first lets go")
  func deviceLocks() async throws {
    let state = FileManager.default.temporaryDirectory.appendingPathComponent("strata-state-\(UUID())").path
    let first = try await RunLocks.acquireDevices(
      ["0000:03:00.0"], stateDirectory: state, holder: Self.holder("run-a"), busy: .refuse, onWait: { _ in })
    await #expect(throws: LockError.self) {
      _ = try await RunLocks.acquireDevices(
        ["0000:03:00.0"], stateDirectory: state, holder: Self.holder("run-b"), busy: .refuse, onWait: { _ in })
    }
    // Another device is free meanwhile.
    let other = try await RunLocks.acquireDevices(
      ["0000:04:00.0"], stateDirectory: state, holder: Self.holder("run-c"), busy: .refuse, onWait: { _ in })
    other.release()
    let waited = Shared<[String]>([])
    let waiting = Task {
      try await RunLocks.acquireDevices(
        ["0000:03:00.0"], stateDirectory: state, holder: Self.holder("run-b"), busy: .wait,
        onWait: { note in waited.withLock { $0.append(note) } }, pollSeconds: 0.05)
    }
    try await Task.sleep(nanoseconds: 300_000_000)
    #expect(waited.withLock { $0.count } == 1)
    #expect(waited.withLock { $0.first?.contains("run run-a") ?? false })
    first.release()
    let second = try await waiting.value
    #expect(second.devices.count == 1)
    second.release()
  }

  @Test("device keys: GPUs for GPU engines, none for CPU-only plans, the backend when no GPU is visible")
  func deviceKeys() throws {
    let dir = try StandInProject.make(matrix: StandInProject.fourCells)
    let project = try ProjectLoader.load(directory: dir, expander: TestHost.expander)
    let plan = MatrixExpander.plan(project.matrix, quantsByModel: project.quantsByModel)
    #expect(DeviceKeys.of(plan, project: project, gpus: ["0000:03:00.0"]).isEmpty, "a CPU engine drives no GPU")
    try "name: cpu\nbackend: vulkan\nbinary: /bin/true\n".write(
      toFile: "\(dir)/engines/cpu.yaml", atomically: true, encoding: .utf8)
    let vulkan = try ProjectLoader.load(directory: dir, expander: TestHost.expander)
    #expect(DeviceKeys.of(plan, project: vulkan, gpus: ["0000:03:00.0"]) == ["0000:03:00.0"])
    #expect(DeviceKeys.of(plan, project: vulkan, gpus: []) == ["vulkan"])
  }
}
