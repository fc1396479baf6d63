import Foundation
import GRDB

/// strata's SQLite database: one per file, migrated on open, WAL on disk.
///
/// Every write is its own short transaction, made as soon as the result exists,
/// so an interrupted sweep keeps everything it measured.
public final class ResultStore: Sendable {
  private let writer: any DatabaseWriter
  /// The file, or ":memory:".
  public let path: String

  /// Opens (creating if needed) the database at `path` and migrates it.
  public init(path: String) throws(StoreError) {
    self.path = path
    do {
      var configuration = Configuration()
      configuration.foreignKeysEnabled = true
      configuration.busyMode = .timeout(10)
      writer = try DatabasePool(path: path, configuration: configuration)
      try Schema.migrator.migrate(writer)
    } catch {
      throw StoreError(path: path, operation: "open", underlying: "\(error)")
    }
  }

  /// An in-memory database for tests.
  public init(inMemory: Void = ()) throws(StoreError) {
    path = ":memory:"
    do {
      var configuration = Configuration()
      configuration.foreignKeysEnabled = true
      writer = try DatabaseQueue(configuration: configuration)
      try Schema.migrator.migrate(writer)
    } catch {
      throw StoreError(path: path, operation: "open", underlying: "\(error)")
    }
  }

  func write<T>(_ operation: String, _ body: (Database) throws -> T) throws(StoreError) -> T {
    do {
      return try writer.write(body)
    } catch {
      throw StoreError(path: path, operation: operation, underlying: "\(error)")
    }
  }

  func writeWithoutTransaction<T>(_ operation: String, _ body: (Database) throws -> T) throws(StoreError) -> T {
    do {
      return try writer.writeWithoutTransaction(body)
    } catch {
      throw StoreError(path: path, operation: operation, underlying: "\(error)")
    }
  }

  func read<T>(_ operation: String, _ body: (Database) throws -> T) throws(StoreError) -> T {
    do {
      return try writer.read(body)
    } catch {
      throw StoreError(path: path, operation: operation, underlying: "\(error)")
    }
  }

  // MARK: writes

  /// Inserts a run with the status of each telemetry sampler on its host, in one transaction.
  public func insert(_ run: RunRecord, samplers: [SamplerStatusRecord] = []) throws(StoreError) {
    try write("insert run") { db in
      try run.insert(db)
      for sampler in samplers { try sampler.insert(db) }
    }
  }

  public func finishRun(id: String, status: RunStatus, at time: Double, stopReason: String? = nil)
    throws(StoreError)
  {
    try write("finish run") {
      try $0.execute(
        sql: "UPDATE run SET status = ?, finishedAt = ?, stopReason = ? WHERE id = ?",
        arguments: [status, time, stopReason, id])
    }
  }

  /// A stored run continues: it is running again, with the command line that resumed it.
  public func reopenRun(id: String, commandLine: String?) throws(StoreError) {
    try write("reopen run") {
      try $0.execute(
        sql: "UPDATE run SET status = 'running', finishedAt = NULL, stopReason = NULL, commandLine = ? WHERE id = ?",
        arguments: [commandLine, id])
    }
  }

  /// Marks a run interrupted, and its running cell failed: the last word of a
  /// strata that must exit at once.
  public func interruptRun(id: String, at time: Double) throws(StoreError) {
    try write("interrupt run") { db in
      try db.execute(
        sql:
          """
          UPDATE cell SET status = 'failed', failure = 'interrupted', failureKind = 'interrupted', finishedAt = ?
          WHERE runId = ? AND status = 'running'
          """,
        arguments: [time, id])
      try db.execute(
        sql: "UPDATE run SET status = 'interrupted', finishedAt = ? WHERE id = ? AND status = 'running'",
        arguments: [time, id])
    }
  }

  public func insert(_ cells: [CellRecord]) throws(StoreError) {
    try write("insert cells") { db in
      for cell in cells { try cell.insert(db) }
    }
  }

  /// Adds the cells a run does not have yet (a resumed run whose plan gained skipped cells).
  public func insertMissing(_ cells: [CellRecord]) throws(StoreError) {
    try write("insert cells") { db in
      for cell in cells { try cell.insert(db, onConflict: .ignore) }
    }
  }

  /// Sets a cell's status. A failure's kind and log tail are cleared unless given, so a
  /// cell that is retried and succeeds carries no stale reason.
  public func updateCell(
    runId: String, hash: String, status: CellStatus, failure: String? = nil, kind: FailureKind? = nil,
    logTail: String? = nil, serverId: Int64? = nil, startedAt: Double? = nil, finishedAt: Double? = nil
  ) throws(StoreError) {
    try write("update cell") {
      try $0.execute(
        sql: """
          UPDATE cell SET status = ?, failure = ?, failureKind = ?, logTail = ?, serverId = COALESCE(?, serverId),
            startedAt = COALESCE(?, startedAt), finishedAt = COALESCE(?, finishedAt)
          WHERE runId = ? AND hash = ?
          """,
        arguments: [status, failure, kind, logTail, serverId, startedAt, finishedAt, runId, hash])
    }
  }

  /// What a cell already has stored: the resume of an interrupted cell asks only for the rest.
  public func storedProgress(runId: String, cellHash: String) throws(StoreError) -> StoredCellProgress {
    try read("read a cell's stored results") { db in
      let arguments: StatementArguments = [runId, cellHash]
      let repetitions = try Row.fetchAll(
        db, sql: "SELECT scenario, repetition FROM perf_repetition WHERE runId = ? AND cellHash = ?",
        arguments: arguments)
      let answers = try Row.fetchAll(
        db, sql: "SELECT task, method, itemId FROM task_result WHERE runId = ? AND cellHash = ?", arguments: arguments)
      let timings = try Row.fetchAll(
        db, sql: "SELECT task, method FROM task_run WHERE runId = ? AND cellHash = ?", arguments: arguments)
      return StoredCellProgress(
        repetitions: Set(repetitions.map { .init(scenario: $0["scenario"], repetition: $0["repetition"]) }),
        answers: Set(answers.map { .init(task: $0["task"], method: $0["method"], itemId: $0["itemId"]) }),
        finishedMethods: Set(timings.map { .init(task: $0["task"], method: $0["method"]) }))
    }
  }

  /// The newest run of a matrix file that is not done, if any: what `--resume` continues.
  /// The newest run of `matrixPath` that is not done, measured on `hostname` (a merged
  /// database holds other hosts' runs, which this host must not continue). With
  /// `resumable`, a run whose only unfinished cells did not fit in memory does not count:
  /// a timer then starts a fresh run rather than re-checking the same cells every night.
  public func newestUnfinishedRun(matrixPath: String, hostname: String, resumable: Bool = false)
    throws(StoreError) -> RunRecord?
  {
    struct Host: Decodable { var hostname: String }
    return try read("find an unfinished run") { db in
      let runs = try RunRecord.filter(Column("matrixPath") == matrixPath && Column("status") != RunStatus.done.rawValue)
        .order(Column("startedAt").desc).fetchAll(db)
      return try runs.first { run in
        let host = try? JSONDecoder().decode(Host.self, from: Data(run.hostJSON.utf8))
        guard host?.hostname == hostname else { return false }
        guard resumable else { return true }
        let waiting = try Int.fetchOne(
          db, sql: "SELECT COUNT(*) FROM cell WHERE runId = ? AND status NOT IN ('done', 'skipped')",
          arguments: [run.id])
        return (waiting ?? 0) > 0
      }
    }
  }

  /// How long earlier work took, for estimates: every finished run with its done cells'
  /// durations and its loaded servers' load times.
  public func timingHistory() throws(StoreError) -> [RunTiming] {
    try read("read timing history") { db in
      let runs = try RunRecord.filter(Column("finishedAt") != nil).order(Column("startedAt")).fetchAll(db)
      return try runs.map { run in
        let cells = try Row.fetchAll(
          db,
          sql: """
            SELECT hash, finishedAt - startedAt AS seconds FROM cell
            WHERE runId = ? AND status = 'done' AND startedAt IS NOT NULL AND finishedAt IS NOT NULL
            """, arguments: [run.id])
        let servers = try Row.fetchAll(
          db, sql: "SELECT loadGroup, loadSeconds FROM server WHERE runId = ? AND loadFailure IS NULL",
          arguments: [run.id])
        return RunTiming(
          runId: run.id, hostJSON: run.hostJSON, startedAt: run.startedAt, finishedAt: run.finishedAt ?? run.startedAt,
          cellSeconds: cells.map { ($0["hash"], $0["seconds"]) },
          loads: servers.map { ($0["loadGroup"], $0["loadSeconds"]) })
      }
    }
  }

  /// `PRAGMA integrity_check`'s answer: "ok" for a sound file.
  public func integrityCheck() throws(StoreError) -> String {
    try read("check integrity") { try String.fetchAll($0, sql: "PRAGMA integrity_check").joined(separator: "\n") }
  }

  /// Inserts the server and returns its id.
  public func insert(_ server: ServerRecord) throws(StoreError) -> Int64 {
    try write("insert server") { db in
      var record = server
      try record.insert(db)
      return record.id ?? db.lastInsertedRowID
    }
  }

  public func setServerExit(id: Int64, exitStatus: String) throws(StoreError) {
    try write("update server") {
      try $0.execute(sql: "UPDATE server SET exitStatus = ? WHERE id = ?", arguments: [exitStatus, id])
    }
  }

  /// A whole run written at once (an import): all of it is stored, or none.
  public func insert(run: RunRecord, cells: [CellRecord], repetitions: [PerfRepetitionRecord]) throws(StoreError) {
    try write("insert imported run") { db in
      try run.insert(db)
      for cell in cells { try cell.insert(db) }
      for repetition in repetitions { try repetition.insert(db) }
    }
  }

  public func insert(_ repetition: PerfRepetitionRecord) throws(StoreError) {
    try write("insert perf repetition") { try repetition.insert($0) }
  }

  public func insert(_ check: NoiseCheckRecord) throws(StoreError) {
    try write("insert noise check") { try check.insert($0, onConflict: .replace) }
  }

  /// Removes a run's noise check (one cut short, before it is measured again).
  public func deleteNoiseChecks(runId: String) throws(StoreError) {
    try write("delete noise checks") { try NoiseCheckRecord.filter(Column("runId") == runId).deleteAll($0) }
  }

  /// The run's noise-check repetitions, in the order they were measured.
  public func noiseChecks(runId: String) throws(StoreError) -> [NoiseCheckRecord] {
    try read("read noise checks") {
      try NoiseCheckRecord.filter(Column("runId") == runId).order(Column("rowid")).fetchAll($0)
    }
  }

  public func insert(_ timing: TaskRunRecord) throws(StoreError) {
    try write("insert task timing") { try timing.insert($0, onConflict: .replace) }
  }

  public func taskRuns(runId: String) throws(StoreError) -> [TaskRunRecord] {
    try read("read task timings") { try TaskRunRecord.filter(Column("runId") == runId).fetchAll($0) }
  }

  /// Stores an answer and, once per run, the prompt it answered (nil: not kept, as before v8).
  public func insert(_ result: TaskResultRecord, prompt: String? = nil) throws(StoreError) {
    try write("insert task result") { db in
      try result.insert(db)
      if let prompt {
        try db.execute(
          sql: "INSERT OR IGNORE INTO task_prompt (runId, hash, text) VALUES (?, ?, ?)",
          arguments: [result.runId, result.promptHash, prompt])
      }
    }
  }

  /// The stored prompts of a run's answers, by prompt hash.
  public func prompts(runId: String) throws(StoreError) -> [String: String] {
    try read("read prompts") { db in
      var prompts: [String: String] = [:]
      for row in try Row.fetchAll(db, sql: "SELECT hash, text FROM task_prompt WHERE runId = ?", arguments: [runId]) {
        prompts[row["hash"]] = row["text"]
      }
      return prompts
    }
  }

  // MARK: reads

  /// Runs, newest first.
  public func runs() throws(StoreError) -> [RunRecord] {
    try read("read runs") { try RunRecord.order(Column("startedAt").desc).fetchAll($0) }
  }

  public func run(id: String) throws(StoreError) -> RunRecord? {
    try read("read run") { try RunRecord.fetchOne($0, key: id) }
  }

  /// The host inventory and sampler statuses stored with a run; nil for an unknown run.
  /// Runs stored before v3 have no sampler rows: `samplers` is empty for them.
  public func inventory(runId: String) throws(StoreError) -> RunInventory? {
    try read("read run inventory") { db in
      guard let run = try RunRecord.fetchOne(db, key: runId) else { return nil }
      let samplers = try SamplerStatusRecord.filter(Column("runId") == runId).order(Column("position")).fetchAll(db)
      return RunInventory(hostJSON: run.hostJSON, samplers: samplers)
    }
  }

  public func cells(runId: String) throws(StoreError) -> [CellRecord] {
    try read("read cells") {
      try CellRecord.filter(Column("runId") == runId).order(Column("rowid")).fetchAll($0)
    }
  }

  public func servers(runId: String) throws(StoreError) -> [ServerRecord] {
    try read("read servers") { try ServerRecord.filter(Column("runId") == runId).fetchAll($0) }
  }

  public func perfRepetitions(runId: String) throws(StoreError) -> [PerfRepetitionRecord] {
    try read("read perf repetitions") {
      try PerfRepetitionRecord.filter(Column("runId") == runId).order(Column("rowid")).fetchAll($0)
    }
  }

  public func taskResults(runId: String) throws(StoreError) -> [TaskResultRecord] {
    try read("read task results") {
      try TaskResultRecord.filter(Column("runId") == runId).order(Column("rowid")).fetchAll($0)
    }
  }
}

/// A database operation that failed, with the file and what to try.
public struct StoreError: Error, Sendable, CustomStringConvertible {
  public var path: String
  public var operation: String
  public var underlying: String

  public var description: String {
    "database \(path): \(operation) failed: \(underlying)\n  hint: check that the directory is writable and the file is a strata database (or pass another --db)"
  }
}
