import GRDB

/// One tick of the sampling loop for one server: the process and every device, as read.
public struct TelemetrySampleRecord: Codable, Sendable, FetchableRecord, PersistableRecord, Equatable {
  public static let databaseTableName = "telemetry_sample"
  public var serverId: Int64
  /// CLOCK_MONOTONIC nanoseconds.
  public var monoNanos: Int64
  public var rssBytes: Int64?
  public var cpuSeconds: Double?
  public var threads: Int?
  /// The device readings of the tick, as JSON (an array of device samples).
  public var devicesJSON: String

  public init(
    serverId: Int64, monoNanos: Int64, rssBytes: Int64?, cpuSeconds: Double?, threads: Int?, devicesJSON: String
  ) {
    self.serverId = serverId
    self.monoNanos = monoNanos
    self.rssBytes = rssBytes
    self.cpuSeconds = cpuSeconds
    self.threads = threads
    self.devicesJSON = devicesJSON
  }
}

/// The hardware figures of a cell or a server, from its telemetry.
public struct TelemetryFigures: Codable, Sendable, Equatable {
  public var peakRSSBytes: Int64?
  /// Peak device VRAM used above the baseline taken before the server started.
  public var peakVRAMBytes: Int64?
  /// Mean over the ticks of device VRAM used above that baseline.
  public var meanVRAMBytes: Int64?
  public var meanPowerWatts: Double?
  public var energyJoules: Double?
  /// Device energy during the measured performance repetitions ÷ the tokens they
  /// generated (prompt processing included); see `TelemetrySummary`.
  public var joulesPerGeneratedToken: Double?
  /// Device power before the server started (v11).
  public var idlePowerWatts: Double? = nil
  /// `joulesPerGeneratedToken` less the idle power over the same time (v11).
  public var netJoulesPerGeneratedToken: Double? = nil
  /// The whole summary as JSON, for figures without a column of their own.
  public var telemetryJSON: String?

  public init(
    peakRSSBytes: Int64?, peakVRAMBytes: Int64?, meanPowerWatts: Double?, energyJoules: Double?,
    telemetryJSON: String?, meanVRAMBytes: Int64? = nil, joulesPerGeneratedToken: Double? = nil,
    idlePowerWatts: Double? = nil, netJoulesPerGeneratedToken: Double? = nil
  ) {
    self.idlePowerWatts = idlePowerWatts
    self.netJoulesPerGeneratedToken = netJoulesPerGeneratedToken
    self.peakRSSBytes = peakRSSBytes
    self.peakVRAMBytes = peakVRAMBytes
    self.meanVRAMBytes = meanVRAMBytes
    self.meanPowerWatts = meanPowerWatts
    self.energyJoules = energyJoules
    self.joulesPerGeneratedToken = joulesPerGeneratedToken
    self.telemetryJSON = telemetryJSON
  }
}

/// Whether one telemetry sampler worked on the host of a run, and if not, why.
public struct SamplerStatusRecord: Codable, Sendable, FetchableRecord, PersistableRecord, Equatable {
  public static let databaseTableName = "run_sampler"
  public var runId: String
  /// Order in which strata considered the samplers (the order `strata probe` lists them).
  public var position: Int
  public var sampler: String
  public var available: Bool
  /// What is missing and what to do, when unavailable.
  public var reason: String?

  public init(runId: String, position: Int, sampler: String, available: Bool, reason: String?) {
    self.runId = runId
    self.position = position
    self.sampler = sampler
    self.available = available
    self.reason = reason
  }
}
