import Foundation
import GRDB
import Testing

@testable import StrataStore

@Suite("Schema v3: mean VRAM, J/tok, samplers per run; batched samples")
struct SchemaV3Tests {
  static let v2 = "v2: telemetry series and per-cell, per-server peaks"
  static let v3 = "v3: mean VRAM, energy per generated token, each run's samplers"

  @Test("a database a v2 strata wrote migrates to v3 and keeps its rows")
  func migratesV2Database() throws {
    // The schema exactly as the shipped migrations v1 and v2 left it, with rows in it,
    // written with raw SQL as that strata's records did.
    let old = try OldDatabase(upTo: Self.v2, hostJSON: #"{"cpuModel":"x"}"#) { db in
      try db.execute(
        sql: """
          INSERT INTO server (runId, loadGroup, engine, argumentsJSON, port, loadSeconds, logPath, startedAt,
            peakRSSBytes, meanPowerWatts, telemetryJSON)
          VALUES ('old', 'g', 'cpu', '[]', 1, 0.5, 'l', 1, 1000, 42.5, '{}')
          """)
      try db.execute(
        sql: """
          INSERT INTO cell (runId, hash, loadGroup, engine, model, quant, assignmentJSON, variant, status,
            serverId, peakRSSBytes, telemetryJSON)
          VALUES ('old', 'c', 'g', 'cpu', 'm', 'Q4_1', '{}', '', 'done', 1, 900, '{"samples":3}')
          """)
      try db.execute(sql: "INSERT INTO telemetry_sample (serverId, monoNanos, devicesJSON) VALUES (1, 5, '[]')")
    }
    // The file is removed when `old` goes: not before the test is done with it.
    defer { withExtendedLifetime(old) {} }
    #expect(try !old.applied().contains(Self.v3))
    let store = try ResultStore(path: old.path)
    #expect(try old.applied().contains(Self.v3))
    let figures = try #require(try store.cellTelemetry(runId: "old")["c"])
    #expect(figures.peakRSSBytes == 900 && figures.telemetryJSON == #"{"samples":3}"#)
    #expect(figures.meanVRAMBytes == nil && figures.joulesPerGeneratedToken == nil)
    #expect(try store.serverTelemetry(runId: "old")[1]?.meanPowerWatts == 42.5)
    #expect(try store.telemetrySamples(serverId: 1).count == 1)
    let inventory = try #require(try store.inventory(runId: "old"))
    #expect(inventory.hostJSON == #"{"cpuModel":"x"}"# && inventory.samplers.isEmpty)
    // And the new columns take values.
    try store.setTelemetry(
      TelemetryFigures(
        peakRSSBytes: 900, peakVRAMBytes: 4_096, meanPowerWatts: 50, energyJoules: 10, telemetryJSON: "{}",
        meanVRAMBytes: 2_048, joulesPerGeneratedToken: 0.25),
      runId: "old", cellHash: "c")
    let updated = try #require(try store.cellTelemetry(runId: "old")["c"])
    #expect(updated.meanVRAMBytes == 2_048 && updated.joulesPerGeneratedToken == 0.25)
  }

  @Test("a run's inventory and sampler statuses round-trip, in order, and go with the run")
  func inventoryRoundTrip() throws {
    let store = try ResultStore(inMemory: ())
    let host = #"{"cpuModel":"AMD EPYC 7B13","gpus":[{"device":"0000:03:00.0","samplers":["amdgpu-sysfs"]}]}"#
    var run = ResultStoreTests.run()
    run.hostJSON = host
    let samplers = [
      SamplerStatusRecord(runId: "run-1", position: 0, sampler: "amdgpu-sysfs", available: true, reason: nil),
      SamplerStatusRecord(
        runId: "run-1", position: 1, sampler: "nvml", available: false,
        reason: "libnvidia-ml.so.1 not found: no NVIDIA driver on this host"),
    ]
    try store.insert(run, samplers: samplers.reversed())
    let inventory = try #require(try store.inventory(runId: "run-1"))
    #expect(inventory == RunInventory(hostJSON: host, samplers: samplers))
    #expect(try store.inventory(runId: "no-such-run") == nil)
    // A sampler status names a run that exists, once.
    #expect(throws: StoreError.self) {
      try store.insert(
        ResultStoreTests.run("run-2"),
        samplers: [SamplerStatusRecord(runId: "no-such-run", position: 0, sampler: "x", available: true, reason: nil)])
    }
    #expect(try store.run(id: "run-2") == nil, "run and samplers are one transaction")
  }

  @Test("samples inserted in batches accumulate, in time order, and a repeated tick is refused")
  func batchedInsert() throws {
    let store = try ResultStore(inMemory: ())
    try store.insert(ResultStoreTests.run())
    let server = try store.insert(
      ServerRecord(
        runId: "run-1", loadGroup: "g", engine: "cpu", argumentsJSON: "[]", port: 1, loadSeconds: 1,
        buildInfo: nil, logPath: "l", startedAt: 1))
    func batch(_ range: Range<Int64>) -> [TelemetrySampleRecord] {
      range.map {
        TelemetrySampleRecord(
          serverId: server, monoNanos: $0 * 100_000_000, rssBytes: 1_000 + $0, cpuSeconds: nil, threads: 4,
          devicesJSON: "[]")
      }
    }
    try store.insert(batch(10..<20))
    #expect(try store.telemetrySamples(serverId: server).count == 10)
    try store.insert(batch(0..<10))
    try store.insert(batch(20..<23))
    let stored = try store.telemetrySamples(serverId: server)
    #expect(stored.map(\.monoNanos) == (0..<23).map { $0 * 100_000_000 })
    #expect(throws: StoreError.self) { try store.insert(batch(22..<24)) }
    #expect(try store.telemetrySamples(serverId: server).count == 23, "a failed batch writes nothing")
  }
}
