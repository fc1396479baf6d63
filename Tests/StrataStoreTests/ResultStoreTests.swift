import Foundation
import Testing

@testable import StrataStore

@Suite("SQLite store: schema, writes, reads")
struct ResultStoreTests {
  static func run(_ id: String = "run-1") -> RunRecord {
    RunRecord(
      id: id, startedAt: 1_000, status: .running, strataVersion: "0.1.0", matrixPath: "matrix.yaml",
      matrixHash: "abc", hostJSON: "{}", enginesJSON: "{}")
  }

  static func cell(_ hash: String, run: String = "run-1") -> CellRecord {
    CellRecord(
      runId: run, hash: hash, loadGroup: "g1", engine: "cpu", model: "m", quant: "Q4_1",
      assignmentJSON: #"{"engine":"cpu"}"#, variant: "", status: .planned)
  }

  static func repetition(_ n: Int, cell: String = "c1") -> PerfRepetitionRecord {
    PerfRepetitionRecord(
      runId: "run-1", cellHash: cell, scenario: "pp512-tg128", repetition: n, promptTokens: 512,
      generatedTokens: 128, decodeDepth: 512, ttftMs: 2_000, serverPromptMs: 1_900, serverPromptTPS: 269,
      clientPromptTPS: 256, serverDecodeTPS: 85, clientDecodeTPS: 84, itlP50Ms: 11, itlP90Ms: 13, itlP99Ms: 20,
      cacheTokens: 0)
  }

  @Test("a run's cells, servers, repetitions and items round-trip")
  func roundTrip() throws {
    let store = try ResultStore(inMemory: ())
    try store.insert(Self.run())
    try store.insert([Self.cell("c1"), Self.cell("c2")])
    let serverId = try store.insert(
      ServerRecord(
        runId: "run-1", loadGroup: "g1", engine: "cpu", argumentsJSON: "[]", port: 8080, loadSeconds: 1.5,
        buildInfo: "b11434", logPath: "/tmp/x.log", startedAt: 1_001))
    try store.updateCell(
      runId: "run-1", hash: "c1", status: .done, serverId: serverId, startedAt: 1_002, finishedAt: 1_010)
    try store.insert(Self.repetition(1))
    try store.insert(Self.repetition(2))
    try store.insert(
      TaskResultRecord(
        runId: "run-1", cellHash: "c1", task: "arc_challenge", itemId: "Mercury_1", category: "Mercury",
        promptHash: "h", response: "B", extracted: "B", expected: "B", correct: true, latencyMs: 40))
    try store.finishRun(id: "run-1", status: .done, at: 1_020)

    #expect(try store.run(id: "run-1")?.status == .done)
    #expect(try store.run(id: "run-1")?.finishedAt == 1_020)
    let cells = try store.cells(runId: "run-1")
    #expect(cells.map(\.hash) == ["c1", "c2"])
    #expect(cells[0].status == .done && cells[0].serverId == serverId && cells[0].startedAt == 1_002)
    #expect(cells[1].status == .planned && cells[1].serverId == nil)
    #expect(try store.perfRepetitions(runId: "run-1").map(\.repetition) == [1, 2])
    #expect(try store.taskResults(runId: "run-1").first?.correct == true)
    #expect(try store.servers(runId: "run-1").first?.loadSeconds == 1.5)
  }

  @Test("the schema refuses orphans, duplicates and unknown statuses")
  func constraints() throws {
    let store = try ResultStore(inMemory: ())
    try store.insert(Self.run())
    try store.insert([Self.cell("c1")])
    #expect(throws: StoreError.self) { try store.insert(Self.repetition(1, cell: "no-such-cell")) }
    try store.insert(Self.repetition(1))
    #expect(throws: StoreError.self) { try store.insert(Self.repetition(1)) }
    #expect(throws: StoreError.self) { try store.insert([Self.cell("c9", run: "no-such-run")]) }
  }

  @Test("a database file is created with WAL, reopened, and keeps its rows")
  func onDisk() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("strata-\(UUID()).sqlite").path
    defer {
      for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
    do {
      let store = try ResultStore(path: path)
      try store.insert(Self.run("run-a"))
    }
    let reopened = try ResultStore(path: path)
    #expect(try reopened.runs().map(\.id) == ["run-a"])
    #expect(FileManager.default.fileExists(atPath: path + "-wal"))
  }

  @Test("an unwritable path gives an error that names it and what to do")
  func unwritable() {
    #expect {
      _ = try ResultStore(path: "/nonexistent-dir/x.sqlite")
    } throws: { error in
      let text = "\(error)"
      return text.contains("/nonexistent-dir/x.sqlite") && text.contains("hint")
    }
  }
}
