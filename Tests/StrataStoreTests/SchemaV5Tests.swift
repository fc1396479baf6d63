import Foundation
import GRDB
import Testing

@testable import StrataStore

@Suite("Schema v5: servers that failed to load")
struct SchemaV5Tests {
  static let v4 = "v4: task results per scoring method, with confidence, thinking and failure kind; task timings"

  @Test("a v4 database keeps its servers, which loaded; a failed server's row keeps its reason and samples")
  func migratesV4Servers() throws {
    let old = try OldDatabase(upTo: Self.v4) { db in
      try db.execute(
        sql: """
          INSERT INTO server (runId, loadGroup, engine, argumentsJSON, port, loadSeconds, logPath, startedAt)
          VALUES ('old', 'g', 'cpu', '[]', 8080, 0.5, 'l', 1)
          """)
    }
    // The file is removed when `old` goes: not before the test is done with it.
    defer { withExtendedLifetime(old) {} }
    let store = try ResultStore(path: old.path)
    let kept = try #require(try store.servers(runId: "old").first)
    #expect(kept.port == 8080 && kept.loadSeconds == 0.5 && kept.loadFailure == nil)

    let id = try store.insert(
      ServerRecord(
        runId: "old", loadGroup: "g2", engine: "cpu", argumentsJSON: "[\"llama-server\"]", port: 8081,
        loadSeconds: 2.25, buildInfo: nil, logPath: "l2", startedAt: 2,
        loadFailure: "llama-server exited during load (status 1)"))
    try store.insert([
      TelemetrySampleRecord(
        serverId: id, monoNanos: 10, rssBytes: 1 << 20, cpuSeconds: 0.1, threads: 3, devicesJSON: "[]")
    ])
    let failed = try #require(try store.servers(runId: "old").first { $0.id == id })
    #expect(failed.loadFailure == "llama-server exited during load (status 1)")
    #expect(failed.loadSeconds == 2.25)
    #expect(try store.telemetrySamples(serverId: id).map(\.rssBytes) == [1 << 20])
  }
}
