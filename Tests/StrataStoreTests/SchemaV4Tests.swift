import Foundation
import GRDB
import Testing

@testable import StrataStore

@Suite("Schema v4: task results per scoring method")
struct SchemaV4Tests {
  static let v3 = "v3: mean VRAM, energy per generated token, each run's samplers"

  @Test("a v3 database keeps its task results as generative answers, and an item may then be scored several ways")
  func migratesV3TaskResults() throws {
    let old = try OldDatabase(upTo: Self.v3) { db in
      try db.execute(
        sql: """
          INSERT INTO cell (runId, hash, loadGroup, engine, model, quant, assignmentJSON, variant, status)
          VALUES ('old', 'c', 'g', 'cpu', 'm', 'Q4_1', '{}', '', 'done')
          """)
      try db.execute(
        sql: """
          INSERT INTO task_result (runId, cellHash, task, itemId, category, promptHash, response, extracted,
            expected, correct, latencyMs)
          VALUES ('old', 'c', 'arc', 'i1', 'MCAS', 'p', ' B', 'B', 'B', 1, 12.5)
          """)
    }
    // The file is removed when `old` goes: not before the test is done with it.
    defer { withExtendedLifetime(old) {} }
    let store = try ResultStore(path: old.path)
    let migrated = try store.taskResults(runId: "old")
    #expect(
      migrated == [
        TaskResultRecord(
          runId: "old", cellHash: "c", task: "arc", method: "generative", itemId: "i1", category: "MCAS",
          promptHash: "p", response: " B", extracted: "B", expected: "B", correct: true, latencyMs: 12.5)
      ])
    try store.insert(
      TaskResultRecord(
        runId: "old", cellHash: "c", task: "arc", method: "letter_likelihood", itemId: "i1", category: "MCAS",
        promptHash: "p", response: "P(B)=0.61", extracted: "B", expected: "B", correct: true, confidence: 0.61,
        probabilitiesJSON: #"{"A":0.39,"B":0.61}"#, latencyMs: 3))
    let both = try store.taskResults(runId: "old")
    #expect(Set(both.map(\.method)) == ["generative", "letter_likelihood"])
    #expect(both.first { $0.method == "letter_likelihood" }?.confidence == 0.61)
  }
}
