import Foundation
import GRDB

@testable import StrataStore

/// A database file that only the migrations up to `version` have touched, holding
/// a run 'old' plus whatever rows `rows` writes with raw SQL, as the strata of that
/// version did: what a later migration must keep. The file goes with the value.
final class OldDatabase {
  let path: String

  init(upTo version: String, hostJSON: String = "{}", rows: (Database) throws -> Void = { _ in }) throws {
    path = FileManager.default.temporaryDirectory.appendingPathComponent("strata-old-\(UUID()).sqlite").path
    let queue = try DatabaseQueue(path: path)
    try Schema.migrator.migrate(queue, upTo: version)
    try queue.write { db in
      try db.execute(
        sql: """
          INSERT INTO run (id, startedAt, status, strataVersion, matrixPath, matrixHash, hostJSON, enginesJSON)
          VALUES ('old', 1, 'done', '0.1.0', 'matrix.yaml', 'h', ?, '{}')
          """, arguments: [hostJSON])
      try rows(db)
    }
  }

  /// The migrations the file has had so far.
  func applied() throws -> Set<String> {
    try DatabaseQueue(path: path).read { try Schema.migrator.appliedIdentifiers($0) }
  }

  deinit { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
}
