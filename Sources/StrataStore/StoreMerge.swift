import Foundation
import GRDB

/// What merging one database brought.
public struct MergeSummary: Sendable, Equatable {
  public var source: String
  /// Runs copied in, by id.
  public var added: [String]
  /// Runs the destination already had, the same as here: left as they are.
  public var present: [String]
  /// Runs the source has further along (resumed, finished since the last merge): replaced.
  public var replaced: [String] = []
  /// Runs that differ both ways (the same database resumed in two places): the output's kept.
  public var conflicting: [String] = []
}

extension ResultStore {
  /// The tables a run's rows live in, parents first. Every table of the schema is
  /// here (a test checks it), so a table added later cannot be left behind by `merge`.
  public static let runTables = [
    "run", "run_sampler", "server", "cell", "perf_repetition", "task_result", "task_run", "telemetry_sample",
    "task_prompt", "noise_check",
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
    let problem: String?
    do {
      var readOnly = Configuration()
      readOnly.readonly = true
      let original = try DatabaseQueue(path: source, configuration: readOnly)
      let snapshot = try DatabaseQueue(path: copy)
      try original.backup(to: snapshot)
      try original.close()
      if try !snapshot.read({ try $0.tableExists("run") && $0.tableExists("grdb_migrations") }) {
        problem = "it has no strata tables; is it a strata.sqlite?"
      } else if try snapshot.read({ try Schema.migrator.hasBeenSuperseded($0) }) {
        // Its extra columns or tables would be dropped without a word.
        problem = "a newer strata wrote it; merge with that strata (or newer)"
      } else {
        try Schema.migrator.migrate(snapshot)
        problem = nil
      }
      try snapshot.close()
    } catch {
      throw StoreError(
        path: source, operation: "merge",
        underlying:
          "cannot read it as a strata database (\(error)); is it a strata.sqlite, in a directory strata may read?")
    }
    if let problem { throw StoreError(path: source, operation: "merge", underlying: problem) }
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
          let here = try Progress(db, schema: "main", run: run)
          let there = try Progress(db, schema: "source", run: run)
          if here == there {
            summary.present.append(run)
          } else if there.isFurther(than: here) {
            try db.inTransaction {
              // The foreign keys cascade: cells, repetitions, answers, servers and their samples go with it.
              try db.execute(sql: "DELETE FROM main.run WHERE id = ?", arguments: [run])
              try Self.copy(run: run, db)
              return .commit
            }
            summary.replaced.append(run)
          } else {
            summary.conflicting.append(run)
          }
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

  /// How far a run has got in one database: enough to tell the same run from one resumed since.
  struct Progress: Equatable {
    var status: String
    var finishedAt: Double?
    var counts: [Int]

    init(_ db: Database, schema: String, run: String) throws {
      let row = try Row.fetchOne(db, sql: "SELECT status, finishedAt FROM \(schema).run WHERE id = ?", arguments: [run])
      status = row?["status"] ?? ""
      finishedAt = row?["finishedAt"]
      counts = try [
        "SELECT COUNT(*) FROM \(schema).cell WHERE runId = ? AND status = 'done'",
        "SELECT COUNT(*) FROM \(schema).perf_repetition WHERE runId = ?",
        "SELECT COUNT(*) FROM \(schema).task_result WHERE runId = ?",
        "SELECT COUNT(*) FROM \(schema).telemetry_sample WHERE serverId IN (SELECT id FROM \(schema).server WHERE runId = ?)",
      ].map { try Int.fetchOne(db, sql: $0, arguments: [run]) ?? 0 }
    }

    /// Everything `other` has, and more.
    func isFurther(than other: Progress) -> Bool {
      self != other && zip(counts, other.counts).allSatisfy { $0 >= $1 }
    }
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
