import GRDB

/// A stretch of a server's telemetry, downsampled for a chart: the peaks of memory
/// (a spike must not vanish), the CPU counter at its end, the mean power.
public struct TelemetryBucket: Sendable, Equatable {
  /// Seconds from the server's first sample to this bucket's last.
  public var seconds: Double
  public var samples: Int
  public var maxRSSBytes: Int64?
  /// The process's CPU seconds at the bucket's end (a counter: rates come from differences).
  public var cpuSeconds: Double?
  /// Summed over the devices of the tick.
  public var maxVRAMBytes: Int64?
  public var meanPowerWatts: Double?

  public init(
    seconds: Double, samples: Int, maxRSSBytes: Int64? = nil, cpuSeconds: Double? = nil, maxVRAMBytes: Int64? = nil,
    meanPowerWatts: Double? = nil
  ) {
    self.seconds = seconds
    self.samples = samples
    self.maxRSSBytes = maxRSSBytes
    self.cpuSeconds = cpuSeconds
    self.maxVRAMBytes = maxVRAMBytes
    self.meanPowerWatts = meanPowerWatts
  }
}

extension ResultStore {
  /// A byte count SQLite summed as REAL, back as an integer that cannot trap.
  static func clampedBytes(_ value: Double?) -> Int64? {
    guard let value, value.isFinite else { return nil }
    return value >= 9.2e18 ? Int64.max : value <= 0 ? 0 : Int64(value)
  }

  /// A server's samples in at most `buckets` equal stretches of its life, computed in
  /// SQLite so that a long server's hundred thousand samples never reach Swift.
  public func telemetrySeries(serverId: Int64, buckets: Int = 240) throws(StoreError) -> [TelemetryBucket] {
    try read("read telemetry series") { db in
      guard
        let span = try Row.fetchOne(
          db, sql: "SELECT min(monoNanos) AS first, max(monoNanos) AS last FROM telemetry_sample WHERE serverId = ?",
          arguments: [serverId]), let first: Int64 = span["first"], let last: Int64 = span["last"]
      else { return [] }
      let width = max(1, (last - first) / Int64(max(1, buckets)) + 1)
      // Device sums only where a tick read a device: most CPU ticks hold "[]". VRAM is
      // summed as REAL: a UInt64 reading above Int64.max, or the sum of several, would
      // overflow SQLite's integers and fail the whole report.
      let rows = try Row.fetchAll(
        db,
        sql: """
          SELECT (monoNanos - ?1) / ?2 AS bucket, max(monoNanos) AS end, count(*) AS samples,
            max(rssBytes) AS rss, max(cpuSeconds) AS cpu,
            max(CASE WHEN devicesJSON = '[]' THEN NULL ELSE
              (SELECT sum(CAST(json_extract(value, '$.vramUsedBytes') AS REAL)) FROM json_each(devicesJSON)) END) AS vram,
            avg(CASE WHEN devicesJSON = '[]' THEN NULL ELSE
              (SELECT sum(json_extract(value, '$.powerWatts')) FROM json_each(devicesJSON)) END) AS power
          FROM telemetry_sample WHERE serverId = ?3 GROUP BY bucket ORDER BY bucket
          """, arguments: [first, width, serverId])
      return rows.map { row in
        TelemetryBucket(
          seconds: Double((row["end"] as Int64) - first) / 1e9, samples: row["samples"], maxRSSBytes: row["rss"],
          cpuSeconds: row["cpu"], maxVRAMBytes: Self.clampedBytes(row["vram"]),
          meanPowerWatts: row["power"])
      }
    }
  }
}
