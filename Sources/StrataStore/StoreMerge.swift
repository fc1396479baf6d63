import Foundation
import GRDB

/// What merging one database brought.
public struct MergeSummary: Sendable, Equatable {
  public var source: String
  /// Runs copied in, by id.
  public var added: [String]
  /// Runs the destination already had (same id): left as they are.
  public var present: [String]
}

extension ResultStore {
  /// The tables a run's rows live in, parents first. Every table of the schema is
  /// here (a test checks it), so a table added later cannot be left behind by `merge`.
  public static let runTables = [
    "run", "run_sampler", "server", "cell", "perf_repetition", "task_result", "task_run", "telemetry_sample",
  ]

  /// The schema's own tables (GRDB's and SQLite's bookkeeping left out).
  public func tableNames() throws(StoreError) -> [String] {
    try writeWithoutTransaction("list tables") { db in
      try String.fetchAll(
        db,
        sql:
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'grdb_%' ORDER BY name"
      )
    }
  }

  /// Copies into this store every run of the database at `source` that it does not
  /// have, with all its rows. Runs keep their ids (a run id is a UUID, unique across
  /// hosts); servers get new row ids here, and the cells and samples that point at them
  /// follow. A run already present is left alone, so merging twice changes nothing.
  /// The source is read through a snapshot copy in `scratchDirectory`, migrated to this
  /// schema there: the file itself is never written, whatever strata wrote it.
  public func merge(from source: String, scratchDirectory: String) throws(StoreError) -> MergeSummary {
    guard FileManager.default.fileExists(atPath: source) else {
      throw StoreError(path: source, operation: "merge", underlying: "no such file")
    }
    try? FileManager.default.createDirectory(atPath: scratchDirectory, withIntermediateDirectories: true)
    let copy = "\(scratchDirectory)/strata-merge-\(UUID().uuidString).sqlite"
    defer {
      for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: copy + suffix) }
    }
    do {
      var readOnly = Configuration()
      readOnly.readonly = true
      let original = try DatabaseQueue(path: source, configuration: readOnly)
      let snapshot = try DatabaseQueue(path: copy)
      try original.backup(to: snapshot)
      try original.close()
      try Schema.migrator.migrate(snapshot)
      try snapshot.close()
    } catch {
      throw StoreError(
        path: source, operation: "merge",
        underlying: "cannot read it as a strata database (\(error)); is it a strata.sqlite?")
    }
    return try merge(snapshot: copy, named: source)
  }

  private func merge(snapshot: String, named source: String) throws(StoreError) -> MergeSummary {
    var summary = MergeSummary(source: source, added: [], present: [])
    try writeWithoutTransaction("merge \(source)") { db in
      try db.execute(sql: "ATTACH DATABASE ? AS source", arguments: [snapshot])
      defer { try? db.execute(sql: "DETACH DATABASE source") }
      let runs = try String.fetchAll(db, sql: "SELECT id FROM source.run ORDER BY startedAt, id")
      for run in runs {
        if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM main.run WHERE id = ?)", arguments: [run]) == true {
          summary.present.append(run)
          continue
        }
        try db.inTransaction {
          try Self.copy(run: run, db)
          return .commit
        }
        summary.added.append(run)
      }
    }
    return summary
  }

  /// One run's rows, in one transaction: servers renumbered, their references mapped.
  private static func copy(run: String, _ db: Database) throws {
    func columns(_ table: String) throws -> [String] {
      try Row.fetchAll(db, sql: "PRAGMA main.table_info(\(table))").map { $0["name"] as String }
    }
    func quoted(_ names: [String]) -> String { names.map { "\"\($0)\"" }.joined(separator: ", ") }
    try db.execute(sql: "CREATE TEMP TABLE IF NOT EXISTS merge_server (old INTEGER PRIMARY KEY, new INTEGER)")
    try db.execute(sql: "DELETE FROM merge_server")
    for table in runTables {
      if table == "server" {
        let serverColumns = try columns("server").filter { $0 != "id" }
        let servers = try Int64.fetchAll(
          db, sql: "SELECT id FROM source.server WHERE runId = ? ORDER BY id", arguments: [run])
        for old in servers {
          try db.execute(
            sql:
              "INSERT INTO main.server (\(quoted(serverColumns))) SELECT \(quoted(serverColumns)) FROM source.server WHERE id = ?",
            arguments: [old])
          try db.execute(
            sql: "INSERT INTO merge_server (old, new) VALUES (?, ?)", arguments: [old, db.lastInsertedRowID])
        }
        continue
      }
      let names = try columns(table)
      let selected = names.map { name in
        name == "serverId" ? "(SELECT new FROM merge_server WHERE old = s.\"serverId\")" : "s.\"\(name)\""
      }.joined(separator: ", ")
      let filter: String
      switch table {
      case "run": filter = "s.id = ?"
      case "telemetry_sample": filter = "s.serverId IN (SELECT id FROM source.server WHERE runId = ?)"
      default: filter = "s.runId = ?"
      }
      try db.execute(
        sql: "INSERT INTO main.\(table) (\(quoted(names))) SELECT \(selected) FROM source.\(table) s WHERE \(filter)",
        arguments: [run])
    }
  }
}
