import Foundation
import StrataEval
import Testing

@testable import StrataReport
@testable import StrataStore

@Suite("Quality table: accuracy, calibration and paired tests per task and method")
struct QualityTableTests {
  func store() throws -> (ResultStore, String) {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("strata-q-\(UUID()).sqlite").path
    let store = try ResultStore(path: path)
    try store.insert(
      RunRecord(
        id: "r", startedAt: 0, status: .done, strataVersion: "t", matrixPath: "m", matrixHash: "h", hostJSON: "{}",
        enginesJSON: "{}"))
    try store.insert([
      CellRecord(
        runId: "r", hash: "c1", loadGroup: "g1", engine: "cpu", model: "m", quant: "Q8_0", assignmentJSON: "{}",
        variant: "", status: .done),
      CellRecord(
        runId: "r", hash: "c2", loadGroup: "g2", engine: "cpu", model: "m", quant: "Q4_0", assignmentJSON: "{}",
        variant: "", status: .done),
    ])
    // Six items: Q8_0 right on 1–5, Q4_0 right on 1–2 and 6. Discordant: b = 3 (3, 4, 5), c = 1 (6).
    let q8 = [true, true, true, true, true, false]
    let q4 = [true, true, false, false, false, true]
    let confidence = [0.9, 0.8, 0.7, 0.6, 0.95, 0.55]
    for (cell, verdicts) in [("c1", q8), ("c2", q4)] {
      for (index, correct) in verdicts.enumerated() {
        try store.insert(
          TaskResultRecord(
            runId: "r", cellHash: cell, task: "arc", method: "letter_likelihood", itemId: "i\(index + 1)",
            category: index < 3 ? "Mercury" : "MCAS", promptHash: "p", response: "", extracted: nil, expected: "A",
            correct: correct, confidence: confidence[index], latencyMs: 500))
      }
    }
    return (store, path)
  }

  @Test func rowsCarryAccuracyCalibrationAndAPairedTestAgainstTheFirstCell() throws {
    let (store, path) = try store()
    defer { try? FileManager.default.removeItem(atPath: path) }
    let rows = try QualityBuilder.rows(store: store, runId: "r")
    #expect(rows.map(\.label) == ["cpu m Q8_0", "cpu m Q4_0"])
    let first = rows[0]
    let second = rows[1]
    #expect(first.accuracy.successes == 5 && first.accuracy.trials == 6)
    #expect(first.mcnemar == nil && first.versus == nil)
    #expect(second.versus == "cpu m Q8_0")
    #expect(second.mcnemar?.b == 3 && second.mcnemar?.c == 1)
    // p = min(1, 2·P(X ≤ 1)), X ~ Bin(4, 1/2) = 2 · (1 + 4)/16 = 0.625.
    #expect(abs((second.mcnemar?.pValue ?? 0) - 0.625) < 1e-12)
    let outcomes = zip([0.9, 0.8, 0.7, 0.6, 0.95, 0.55], [true, true, true, true, true, false]).map {
      ConfidenceOutcome(confidence: $0, correct: $1)
    }
    #expect(first.ece?.estimate == (try Calibration.expectedCalibrationError(outcomes)))
    #expect(first.brier == (try BrierScore.binary(outcomes)))
    #expect(first.evalSeconds == 3)
  }

  @Test func byCategorySplitsEachWay() throws {
    let (store, path) = try store()
    defer { try? FileManager.default.removeItem(atPath: path) }
    let rows = try QualityBuilder.rows(store: store, runId: "r", byCategory: true)
    #expect(
      rows.map { "\($0.label)|\($0.category ?? "")|\($0.accuracy.successes)/\($0.accuracy.trials)" } == [
        "cpu m Q8_0|MCAS|2/3", "cpu m Q8_0|Mercury|3/3", "cpu m Q4_0|MCAS|1/3", "cpu m Q4_0|Mercury|2/3",
      ])
    let table = QualityRenderer.render(rows, format: .table)
    #expect(table.contains("category"))
    #expect(table.contains("b=1 c=0 p=1.000"), "Mercury: only Q8_0 gets item 3 right")
  }

  @Test func theComparisonTableShowsTheFirstTaskAndMethodAndSaysSo() throws {
    let (store, path) = try store()
    defer { try? FileManager.default.removeItem(atPath: path) }
    // Stored after the letter-likelihood answers: a second way for cell c1.
    for index in 0..<2 {
      try store.insert(
        TaskResultRecord(
          runId: "r", cellHash: "c1", task: "arc", method: "generative", itemId: "i\(index + 1)", category: nil,
          promptHash: "p", response: " B", extracted: "B", expected: "A", correct: false, latencyMs: 1))
    }
    let rows = try ComparisonBuilder.rows(store: store, runId: "r")
    let first = try #require(rows.first { $0.cell == "c1" })
    #expect(first.scoredWays == 2)
    #expect(first.accuracyWay == "arc/letter_likelihood")
    #expect(first.accuracy?.successes == 5 && first.accuracy?.trials == 6, "not pooled with the generative answers")
    let table = ReportRenderer.render(rows, format: .table)
    #expect(table.contains("— of arc/letter_likelihood, each cell's first task and method; the quality table has all."))
  }

  @Test func reliabilityBinsAreTheDiagramsData() throws {
    let (store, path) = try store()
    defer { try? FileManager.default.removeItem(atPath: path) }
    let rows = try ReliabilityBuilder.rows(store: store, runId: "r")
    #expect(rows.map(\.label) == ["cpu m Q8_0", "cpu m Q4_0"])
    // Q8_0's confidences 0.9, 0.8, 0.7, 0.6, 0.95 (right) and 0.55 (wrong).
    let bins = try #require(rows.first?.bins)
    #expect(bins.map(\.count) == [0, 0, 0, 0, 0, 1, 1, 1, 1, 2])
    #expect(bins[5].accuracy == 0 && bins[5].meanConfidence == 0.55)
    #expect(bins[9].accuracy == 1 && abs((bins[9].meanConfidence ?? 0) - 0.925) < 1e-12)
    let table = ReliabilityBuilder.render(rows, format: .table)
    #expect(table.contains("cpu m Q8_0 · arc · letter_likelihood: ECE"))
    #expect(table.contains("0.9–1.0      2      0.925      1.000"))
    #expect(ReliabilityBuilder.render(rows, format: .csv).split(separator: "\n").count == 1 + 2 * 10)
  }
}
