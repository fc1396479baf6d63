import Foundation
import StrataConfig
import StrataEngine
import StrataMatrix
import StrataStore
import StrataTelemetry
import Synchronization

/// One server's life: launch, health, telemetry from before launch to after stop,
/// its `server` row (a server that failed to load gets one too), and the
/// telemetry figures of it and of each cell it served, stored on every way out.
struct ServerScope {
  var host: any ServerHost
  var store: ResultStore
  var context: RunContext
  var runId: String
  var launch: ServerLaunch
  var loadGroup: String
  var backend: Backend?
  /// The build the engine reported when the run started; a server reporting another is warned about.
  var expectedBuildInfo: String?
  /// The memory-fit verdict for this start, stored with its row; nil with `--no-fit-check`.
  var fit: FitVerdict? = nil
  /// The engine's devices as `--list-devices` listed them: whether its memory is the host's.
  var engineDevices: [String] = []

  /// How the server's life ended.
  struct Outcome {
    var serverId: Int64?
    var exit: ChildExit?
    /// Why it ended early: the load failed, or the body threw. nil when the body finished.
    var error: (any Error)?
    var loaded: Bool
  }

  /// Runs `body` with the ready server and its row id. Errors of the load and of the
  /// body come back in the outcome, after the server is stopped and its figures stored;
  /// only cancellation is rethrown.
  func run(_ body: (ServerSession, Int64, CellWindows) async throws -> Void) async throws -> Outcome {
    let telemetry = ServerTelemetry(store: store) { sink in
      TelemetryRecorder(
        samplers: context.deviceSamplers, processSampler: ProcessSampler(procRoot: context.host.roots.proc),
        processGPU: [DRMFDInfoSampler(procRoot: context.host.roots.proc)]
          + context.deviceSamplers.compactMap { $0 as? any ProcessGPUSampler },
        rateHz: context.telemetryRateHz, flushIntervalSeconds: context.telemetryFlushSeconds, sink: sink)
    }
    let windows = CellWindows()
    var outcome = Outcome(loaded: false)
    var spawned: (monotonic: Double, wall: Double)?
    do {
      // Whatever ends the server's life, its samples are all written before the group moves on.
      try await telemetry.recording {
        // A few ticks before launch give the baseline that VRAM is measured against, and
        // where a device is sampled, long enough a look at its idle power.
        telemetry.start()
        let ticks = 3 * telemetry.recorder.periodNanos
        let idle = context.deviceSamplers.isEmpty ? 0 : UInt64(max(0, context.idlePowerSeconds) * 1e9)
        try await Task.sleep(nanoseconds: max(ticks, idle))
        let launchedAt = (monotonic: context.host.clock.monotonic(), wall: context.host.clock.wall())
        do {
          try await host.withServer(
            launch,
            onSpawn: { pid in
              spawned = launchedAt
              telemetry.attach(pid: pid)
            },
            onExit: { status in
              outcome.exit = status
              if let id = outcome.serverId { try? store.setServerExit(id: id, exitStatus: "\(status)") }
            }
          ) { server in
            outcome.loaded = true
            context.progress(.serverReady(loadSeconds: server.loadSeconds))
            let id = try store.insert(withPrediction(try await row(for: server)))
            outcome.serverId = id
            telemetry.bind(serverId: id)
            try await body(server, id, windows)
          }
        } catch {
          // Before `recording` finishes: the row must exist when the last samples are written.
          if !outcome.loaded, outcome.serverId == nil, let spawned,
            let id = try? store.insert(
              withPrediction(
                ServerRecord.failedLoad(
                  error, launch: launch, runId: runId, loadGroup: loadGroup,
                  loadSeconds: context.host.clock.monotonic() - spawned.monotonic, startedAt: spawned.wall)))
          {
            outcome.serverId = id
            telemetry.bind(serverId: id)
          }
          throw error
        }
      }
    } catch  where !(error is CancellationError) && !Task.isCancelled {
      outcome.error = error
    } catch {
      try? storeFigures(telemetry.finish(), serverId: outcome.serverId, windows: windows)
      throw error
    }
    try storeFigures(telemetry.finish(), serverId: outcome.serverId, windows: windows)
    return outcome
  }

  private func withPrediction(_ record: ServerRecord) -> ServerRecord {
    var record = record
    record.predictedHostBytes = fit?.hostBytes.map { Int64($0) }
    record.predictedDeviceBytes = fit?.deviceBytes.map { Int64($0) }
    record.memoryFit = fit?.detail
    record.tokenTrafficJSON = Roofline.json(Roofline.traffic(launch, devices: engineDevices))
    return record
  }

  private func row(for server: ServerSession) async throws -> ServerRecord {
    let buildInfo = try? await server.client.props().buildInfo
    if let expectedBuildInfo, let buildInfo, buildInfo != expectedBuildInfo {
      context.progress(
        .warning(
          "engine \(launch.engine.name): the server reports build \(buildInfo), but the engine was identified as \(expectedBuildInfo) when the run started; the server's build is recorded with its cells"
        ))
    }
    return ServerRecord(
      runId: runId, loadGroup: loadGroup, engine: launch.engine.name,
      argumentsJSON: jsonArray(Redaction.arguments(server.arguments)), port: server.port,
      loadSeconds: server.loadSeconds, buildInfo: buildInfo, logPath: launch.logPath,
      startedAt: context.host.clock.wall())
  }

  /// Stores the figures of the server's life and of each cell's window (the samples
  /// are already in the store, written while it ran), and reports what went wrong.
  private func storeFigures(
    _ telemetry: (run: TelemetryRun, problems: [String]), serverId: Int64?, windows: CellWindows
  ) throws {
    for problem in telemetry.problems {
      context.progress(.telemetryProblem(problem))
    }
    guard let serverId else { return }
    let run = telemetry.run
    let cells = windows.all
    let all = cells.values.flatMap(\.spans).sorted { $0.startNanos < $1.startNanos }
    try store.setTelemetry(
      SweepRecords.figures(run.summary(generations: all), backend: backend), runId: runId, serverId: serverId)
    for (hash, window) in cells {
      try store.setTelemetry(
        SweepRecords.figures(run.summary(window: window.range, generations: window.spans), backend: backend),
        runId: runId, cellHash: hash)
    }
  }
}

/// The monotonic window of each cell a server served, and its generation spans.
final class CellWindows: Sendable {
  struct Window {
    var range: ClosedRange<UInt64>
    var spans: [GenerationSpan]
  }
  private let windows = Mutex<[String: Window]>([:])

  func record(_ hash: String, from start: UInt64, to end: UInt64, spans: [GenerationSpan]) {
    windows.withLock { $0[hash] = Window(range: start...max(start, end), spans: spans) }
  }

  var all: [String: Window] { windows.withLock { $0 } }
}
