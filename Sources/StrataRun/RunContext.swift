import Foundation
import StrataConfig
import StrataEngine
import StrataStore
import StrataTelemetry

/// Everything a sweep touches on the host, in one value, so tests can swap it.
public struct RunContext: Sendable {
  /// Roots, environment, directories and clocks, built once by the executable.
  public var host: HostContext
  /// Where each server's log file goes.
  public var logDirectory: String
  public var registry: ProcessRegistry
  public var progress: @Sendable (ProgressEvent) -> Void
  public var healthTimeoutSeconds: Double
  /// Device samplers that work on this host (unavailable ones are left out before the run).
  public var deviceSamplers: [any DeviceSampler]
  /// Every sampler strata considered on this host, working or not and why: stored with the run.
  public var samplerStatuses: [SamplerStatus]
  /// The host's DRM devices, for the GPU inventory stored with the run (libdrm by default).
  public var drmDevices: @Sendable () -> [DRMDevice]
  /// Telemetry ticks per second, for the whole life of each server.
  public var telemetryRateHz: Double
  /// Crash notes for server processes, read by `strata gc`; nil keeps none.
  public var leases: LeaseBook?
  /// `strata run --limit`: items per task for every task, over the matrix's and the task files' limits.
  public var itemLimit: Int? = nil
  /// How often the samples of a running server are written to the store.
  public var telemetryFlushSeconds: Double
  /// How long a request may go without a byte before its server is called hung.
  public var stall = StallBound()
  /// What starts the servers; nil for the supervisor (real processes and containers).
  public var serverHost: (any ServerHost)? = nil
  /// Measures host memory bandwidth once, before the run's first server, for the
  /// roofline; nil measures nothing (tests whose servers are stand-ins). The CLI
  /// passes ``MemoryBandwidth/measure(threads:arrayBytes:passes:)``.
  public var measureBandwidth: (@Sendable () -> MemoryBandwidth?)? = nil
  /// Where a device sampler works: how long the device is sampled before each server
  /// starts, for its idle power (power sensors average over about a second, and a GPU
  /// the last server just left takes a moment to settle).
  public var idlePowerSeconds: Double = 2

  public init(
    host: HostContext, logDirectory: String, registry: ProcessRegistry,
    progress: @escaping @Sendable (ProgressEvent) -> Void, healthTimeoutSeconds: Double = 300,
    deviceSamplers: [any DeviceSampler] = [], samplerStatuses: [SamplerStatus] = [],
    drmDevices: @escaping @Sendable () -> [DRMDevice] = DRMDevices.enumerate, telemetryRateHz: Double = 10,
    telemetryFlushSeconds: Double = 1, leases: LeaseBook? = nil
  ) {
    self.host = host
    self.leases = leases
    self.logDirectory = logDirectory
    self.registry = registry
    self.progress = progress
    self.healthTimeoutSeconds = healthTimeoutSeconds
    self.deviceSamplers = deviceSamplers
    self.samplerStatuses = samplerStatuses
    self.drmDevices = drmDevices
    self.telemetryRateHz = telemetryRateHz
    self.telemetryFlushSeconds = telemetryFlushSeconds
  }

  public var environment: [String: String] { host.environment }
  /// Seconds since 1970, for timestamps stored in the database.
  public func wallClock() -> Double { host.clock.wall() }
}

/// What the sweep reports while it works; the CLI turns it into a progress line.
public enum ProgressEvent: Sendable {
  case runStarted(runId: String, cells: Int, groups: Int)
  case serverStarting(group: Int, of: Int, label: String)
  case serverReady(loadSeconds: Double)
  /// The memory-fit check's verdict before a server starts.
  case memoryChecked(FitVerdict, cells: Int)
  case cellStarted(index: Int, of: Int, label: String, etaSeconds: Double?)
  case perfRepetition(scenario: String, repetition: Int, of: Int, decodeTPS: Double)
  case taskItem(task: String, index: Int, of: Int, correct: Bool)
  case cellFinished(index: Int, status: CellStatus, detail: String?)
  /// The run's first measured cell is measured again on a fresh server (``NoiseCheck``).
  case noiseCheck(label: String, scenario: String)
  /// A sampler failed mid-run: recorded, and the run goes on.
  case telemetryProblem(String)
  /// Something the operator should know that does not stop the run.
  case warning(String)
  case runFinished(runId: String, done: Int, failed: Int, skipped: Int)
  /// A resumed run: what is kept from before and what is left.
  case runResumed(runId: String, kept: Int, left: Int)
  /// The budget stops the run before a cell whose estimate does not fit.
  case budgetExhausted(left: Int, message: String)
}

extension Project {
  /// The quants each model offers, as matrix expansion needs them.
  public var quantsByModel: [String: [String]] {
    Dictionary(uniqueKeysWithValues: models.models.map { ($0.name, $0.quants) })
  }
}
