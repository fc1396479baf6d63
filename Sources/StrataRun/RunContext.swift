import Foundation
import StrataConfig
import StrataEngine
import StrataTelemetry

/// Everything a sweep touches on the host, in one value, so tests can swap it.
public struct RunContext: Sendable {
  public var environment: [String: String]
  public var procRoot: String
  public var etcRoot: String
  /// Where each server's log file goes.
  public var logDirectory: String
  public var registry: ProcessRegistry
  public var progress: @Sendable (ProgressEvent) -> Void
  /// Seconds since 1970, for timestamps stored in the database.
  public var wallClock: @Sendable () -> Double
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

  public init(
    environment: [String: String], procRoot: String = "/proc", etcRoot: String = "/etc",
    logDirectory: String, registry: ProcessRegistry, progress: @escaping @Sendable (ProgressEvent) -> Void,
    wallClock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 },
    healthTimeoutSeconds: Double = 300, deviceSamplers: [any DeviceSampler] = [],
    samplerStatuses: [SamplerStatus] = [], drmDevices: @escaping @Sendable () -> [DRMDevice] = DRMDevices.enumerate,
    telemetryRateHz: Double = 10, telemetryFlushSeconds: Double = 1, leases: LeaseBook? = nil
  ) {
    self.leases = leases
    self.environment = environment
    self.procRoot = procRoot
    self.etcRoot = etcRoot
    self.logDirectory = logDirectory
    self.registry = registry
    self.progress = progress
    self.wallClock = wallClock
    self.healthTimeoutSeconds = healthTimeoutSeconds
    self.deviceSamplers = deviceSamplers
    self.samplerStatuses = samplerStatuses
    self.drmDevices = drmDevices
    self.telemetryRateHz = telemetryRateHz
    self.telemetryFlushSeconds = telemetryFlushSeconds
  }
}

/// What the sweep reports while it works; the CLI turns it into a progress line.
public enum ProgressEvent: Sendable {
  case runStarted(runId: String, cells: Int, groups: Int)
  case serverStarting(group: Int, of: Int, label: String)
  case serverReady(loadSeconds: Double)
  case cellStarted(index: Int, of: Int, label: String)
  case perfRepetition(scenario: String, repetition: Int, of: Int, decodeTPS: Double)
  case taskItem(task: String, index: Int, of: Int, correct: Bool)
  case cellFinished(index: Int, status: String, detail: String?)
  /// A sampler failed mid-run: recorded, and the run goes on.
  case telemetryProblem(String)
  /// Something the operator should know that does not stop the run.
  case warning(String)
  case runFinished(runId: String, done: Int, failed: Int, skipped: Int)
}

extension Project {
  /// The quants each model offers, as matrix expansion needs them.
  public var quantsByModel: [String: [String]] {
    Dictionary(uniqueKeysWithValues: models.models.map { ($0.name, $0.quants) })
  }
}
