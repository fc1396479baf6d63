import Foundation
import GRDB
import StrataTestSupport
import Testing

@testable import StrataRun
@testable import StrataStore

/// `strata merge`: runs of two databases (each a sweep against stand-in servers, with
/// servers and telemetry) combined into a third, and again, and from an older schema.
@Suite("Merging databases") struct StoreMergeTests {
  typealias Harness = SweepOrchestrationTests.Harness

  /// Per run: cells, repetitions, answers, task timings, servers, samples and the host inventory.
  static func contents(_ store: ResultStore, runId: String) throws -> [String] {
    let servers = try store.servers(runId: runId)
    let samples = try servers.map { try store.telemetrySamples(serverId: try #require($0.id)).count }
    let cells = try store.cells(runId: runId)
    // Each cell keeps pointing at the server of its own load group.
    let byId = Dictionary(uniqueKeysWithValues: servers.compactMap { server in server.id.map { ($0, server) } })
    let served = cells.compactMap { cell in cell.serverId.map { "\(cell.hash)→\(byId[$0]?.loadGroup ?? "missing")" } }
    return [
      "cells \(cells.map { "\($0.hash) \($0.status.rawValue)" }.sorted())",
      "repetitions \(try store.perfRepetitions(runId: runId).count)",
      "answers \(try store.taskResults(runId: runId).count)", "timings \(try store.taskRuns(runId: runId).count)",
      "servers \(servers.map(\.loadGroup).sorted())", "samples \(samples.sorted())", "served \(served.sorted())",
      "host \(try store.run(id: runId)?.hostJSON ?? "none")",
      "prompts \(try store.prompts(runId: runId).sorted { $0.key < $1.key }.map(\.value))",
    ]
  }

  @Test("two databases merge into one with every row, servers renumbered; merging again changes nothing")
  func mergesTwoDatabasesOnce() async throws {
    let first = try Harness()
    let second = try Harness()
    let a = try await first.sweep(StandInHost()).run()
    let b = try await second.sweep(StandInHost()).run()
    let output = try ResultStore(path: "\(first.dir)/all.sqlite")
    // The sweep kept what each item asked, once per prompt: every answer's prompt is there.
    let prompts = try first.store.prompts(runId: a.runId)
    let answers = try first.store.taskResults(runId: a.runId)
    #expect(!answers.isEmpty && answers.allSatisfy { prompts[$0.promptHash]?.isEmpty == false })
    #expect(prompts.count <= Set(answers.map(\.promptHash)).count)

    let one = try output.merge(from: first.store.path, scratchDirectory: "\(first.dir)/tmp")
    let two = try output.merge(from: second.store.path, scratchDirectory: "\(first.dir)/tmp")
    #expect(one.added == [a.runId] && two.added == [b.runId] && one.present.isEmpty)
    #expect(Set(try output.runs().map(\.id)) == [a.runId, b.runId])
    for (source, run) in [(first.store, a.runId), (second.store, b.runId)] {
      #expect(try Self.contents(output, runId: run) == Self.contents(source, runId: run))
    }
    // Both sources numbered their servers 1 and 2; here they are four servers.
    let ids = try [a.runId, b.runId].flatMap { try output.servers(runId: $0).compactMap(\.id) }
    #expect(Set(ids).count == 4)
    #expect(try output.integrityCheck() == "ok")

    let again = try output.merge(from: second.store.path, scratchDirectory: "\(first.dir)/tmp")
    #expect(again.added.isEmpty && again.present == [b.runId])
    #expect(try Self.contents(output, runId: b.runId) == Self.contents(second.store, runId: b.runId))
    #expect(try output.runs().count == 2)
  }

  @Test("a run resumed since the last merge replaces its older copy; a database from elsewhere is refused by name")
  func refreshesAResumedRunAndRefusesForeignDatabases() async throws {
    let host = try Harness()
    let partial = try await host.sweep(StandInHost(), budget: RunBudget(maxCells: 2)).run()
    #expect(partial.status == .partial)
    let output = try ResultStore(path: "\(host.dir)/all.sqlite")
    #expect(try output.merge(from: host.store.path, scratchDirectory: "\(host.dir)/tmp").added == [partial.runId])
    #expect(try output.cells(runId: partial.runId).filter { $0.status == .done }.count == 2)

    // The next night the host finishes the run; the merged copy follows.
    let resume = try ResumeState.read(try #require(try host.store.run(id: partial.runId)), store: host.store)
    let finished = try await host.sweep(StandInHost(), resume: resume).run()
    #expect(finished.status == .done)
    let summary = try output.merge(from: host.store.path, scratchDirectory: "\(host.dir)/tmp")
    #expect(summary.replaced == [partial.runId] && summary.added.isEmpty && summary.present.isEmpty)
    #expect(try Self.contents(output, runId: partial.runId) == Self.contents(host.store, runId: partial.runId))
    #expect(try output.integrityCheck() == "ok")

    // A database some other program wrote, and one a newer strata wrote, are refused rather than half-read.
    let other = try DatabaseQueue(path: "\(host.dir)/other.sqlite")
    try await other.write { try $0.execute(sql: "CREATE TABLE notes (text TEXT)") }
    try other.close()
    #expect {
      try output.merge(from: "\(host.dir)/other.sqlite", scratchDirectory: "\(host.dir)/tmp")
    } throws: { "\($0)".contains("no strata tables") }
    let newer = try DatabaseQueue(path: "\(host.dir)/newer.sqlite")
    try DatabaseQueue(path: host.store.path).backup(to: newer)
    try await newer.write {
      try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99: from the future')")
    }
    try newer.close()
    #expect {
      try output.merge(from: "\(host.dir)/newer.sqlite", scratchDirectory: "\(host.dir)/tmp")
    } throws: { "\($0)".contains("a newer strata wrote it") }
  }

  @Test("a database of an older schema is read through a migrated copy; the file itself is not written")
  func migratesAnOlderDatabaseWithoutTouchingIt() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-merge-\(UUID())").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    // A database as strata wrote it before v6: no failure kinds, no stop reasons.
    let old = try DatabaseQueue(path: "\(dir)/old.sqlite")
    try Schema.migrator.migrate(old, upTo: "v5: servers that failed to load, with the reason")
    try old.write { db in
      try db.execute(
        sql: """
          INSERT INTO run (id, startedAt, status, strataVersion, matrixPath, matrixHash, hostJSON, enginesJSON)
          VALUES ('old-run', 1, 'done', '0.1', 'matrix.yaml', 'h', '{}', '{}')
          """)
      try db.execute(
        sql: """
          INSERT INTO cell (runId, hash, loadGroup, engine, model, quant, assignmentJSON, variant, status, failure)
          VALUES ('old-run', 'c1', 'g', 'cpu', 'm', 'Q4_0', '{}', '', 'failed', 'boom')
          """)
    }
    try old.close()
    let before = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/old.sqlite"))

    let output = try ResultStore(path: "\(dir)/all.sqlite")
    let summary = try output.merge(from: "\(dir)/old.sqlite", scratchDirectory: "\(dir)/tmp")
    #expect(summary.added == ["old-run"])
    // v6 classified the old failure as it does for every database it migrates.
    #expect(try output.cells(runId: "old-run").map(\.failureKind) == [.error])
    #expect(try Data(contentsOf: URL(fileURLWithPath: "\(dir)/old.sqlite")) == before)
    #expect(try FileManager.default.contentsOfDirectory(atPath: "\(dir)/tmp").isEmpty)

    #expect {
      try output.merge(from: "\(dir)/absent.sqlite", scratchDirectory: "\(dir)/tmp")
    } throws: { "\($0)".contains("no such file") }
    try Data("not a database".utf8).write(to: URL(fileURLWithPath: "\(dir)/junk.sqlite"))
    #expect {
      try output.merge(from: "\(dir)/junk.sqlite", scratchDirectory: "\(dir)/tmp")
    } throws: { "\($0)".contains("is it a strata.sqlite") }
  }

  @Test("merge copies every table of the schema")
  func coversEveryTable() throws {
    let store = try ResultStore(inMemory: ())
    #expect(try store.tableNames() == ResultStore.runTables.sorted())
  }
}
