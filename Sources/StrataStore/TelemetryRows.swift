import Foundation
import GRDB

/// A server's telemetry in the store: its samples, written in batches while it
/// runs, and the figures of it and of each cell it served, set when it stops.
extension ResultStore {
  /// Inserts a batch of a server's samples in one transaction (the sweep writes
  /// one batch about every second while the server runs).
  public func insert(_ samples: [TelemetrySampleRecord]) throws(StoreError) {
    try write("insert telemetry samples") { db in
      for sample in samples { try sample.insert(db) }
    }
  }

  /// Sets the telemetry figures of a cell (`hash` given) or of a server (`serverId` given).
  public func setTelemetry(
    _ figures: TelemetryFigures, runId: String, cellHash: String? = nil, serverId: Int64? = nil
  ) throws(StoreError) {
    let assignments = """
      peakRSSBytes = ?, peakVRAMBytes = ?, meanVRAMBytes = ?, meanPowerWatts = ?, energyJoules = ?,
      joulesPerGeneratedToken = ?, idlePowerWatts = ?, netJoulesPerGeneratedToken = ?, telemetryJSON = ?
      """
    let values: StatementArguments = [
      figures.peakRSSBytes, figures.peakVRAMBytes, figures.meanVRAMBytes, figures.meanPowerWatts,
      figures.energyJoules, figures.joulesPerGeneratedToken, figures.idlePowerWatts,
      figures.netJoulesPerGeneratedToken, figures.telemetryJSON,
    ]
    try write("update telemetry figures") { db in
      if let cellHash {
        try db.execute(
          sql: "UPDATE cell SET \(assignments) WHERE runId = ? AND hash = ?", arguments: values + [runId, cellHash])
      }
      if let serverId {
        try db.execute(sql: "UPDATE server SET \(assignments) WHERE id = ?", arguments: values + [serverId])
      }
    }
  }

  /// Figures of every cell of a run that has them, by cell hash.
  public func cellTelemetry(runId: String) throws(StoreError) -> [String: TelemetryFigures] {
    try figures(of: "cell", keyedBy: "hash", runId: runId)
  }

  /// Figures of every server of a run that has them, by server id.
  public func serverTelemetry(runId: String) throws(StoreError) -> [Int64: TelemetryFigures] {
    try figures(of: "server", keyedBy: "id", runId: runId)
  }

  private func figures<Key: DatabaseValueConvertible & Hashable>(
    of table: String, keyedBy key: String, runId: String
  ) throws(StoreError) -> [Key: TelemetryFigures] {
    try read("read \(table) telemetry") { db in
      let rows = try Row.fetchAll(
        db,
        sql: """
          SELECT \(key) AS figureKey, \(Self.figureColumns) FROM \(table) WHERE runId = ? AND telemetryJSON IS NOT NULL
          """, arguments: [runId])
      var result: [Key: TelemetryFigures] = [:]
      for row in rows {
        let id: Key = row["figureKey"]
        result[id] = Self.figures(row)
      }
      return result
    }
  }

  private static let figureColumns = """
    peakRSSBytes, peakVRAMBytes, meanVRAMBytes, meanPowerWatts, energyJoules, joulesPerGeneratedToken,
    idlePowerWatts, netJoulesPerGeneratedToken, telemetryJSON
    """

  private static func figures(_ row: Row) -> TelemetryFigures {
    TelemetryFigures(
      peakRSSBytes: row["peakRSSBytes"], peakVRAMBytes: row["peakVRAMBytes"], meanPowerWatts: row["meanPowerWatts"],
      energyJoules: row["energyJoules"], telemetryJSON: row["telemetryJSON"], meanVRAMBytes: row["meanVRAMBytes"],
      joulesPerGeneratedToken: row["joulesPerGeneratedToken"], idlePowerWatts: row["idlePowerWatts"],
      netJoulesPerGeneratedToken: row["netJoulesPerGeneratedToken"])
  }

  public func telemetrySamples(serverId: Int64) throws(StoreError) -> [TelemetrySampleRecord] {
    try read("read telemetry samples") {
      try TelemetrySampleRecord.filter(Column("serverId") == serverId).order(Column("monoNanos")).fetchAll($0)
    }
  }
}
