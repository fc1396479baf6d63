import Foundation
import StrataConfig
import StrataEngine
import StrataEval
import StrataMatrix
import StrataStore
import StrataTelemetry

/// How the sweep's values become the store's rows: one place, next to the store.
enum SweepRecords {
  static func cell(_ cell: Cell, runId: String, status: CellStatus, failure: String?, kind: FailureKind?)
    -> CellRecord
  {
    let assignment = cell.assignment.mapValues(\.canonical)
    let json = (try? JSONSerialization.data(withJSONObject: assignment, options: [.sortedKeys])) ?? Data()
    return CellRecord(
      runId: runId, hash: cell.id, loadGroup: cell.loadKey.id, engine: cell.engine, model: cell.model,
      quant: cell.quant, assignmentJSON: String(decoding: json, as: UTF8.self), variant: cell.variantLabel,
      status: status, failure: failure, failureKind: kind)
  }

  /// The cells a plan stores when its run starts: planned ones, and the ones it left out with why.
  static func plannedCells(_ plan: MatrixPlan, runId: String) -> [CellRecord] {
    plan.cells.map { cell($0.cell, runId: runId, status: .planned, failure: nil, kind: nil) }
      + plan.skipped.map { cell($0.cell, runId: runId, status: .skipped, failure: $0.reason, kind: .excluded) }
  }

  static func repetition(_ m: PerfMeasurement, runId: String, cell: Cell, scenario: Scenario)
    -> PerfRepetitionRecord
  {
    PerfRepetitionRecord(
      runId: runId, cellHash: cell.id, scenario: scenario.name, repetition: m.repetition,
      promptTokens: m.promptTokens, generatedTokens: m.generatedTokens, decodeDepth: m.promptTokens,
      ttftMs: m.ttftMs, serverPromptMs: m.serverPromptMs, serverPromptTPS: m.serverPromptTPS,
      clientPromptTPS: m.clientPromptTPS, serverDecodeTPS: m.serverDecodeTPS, clientDecodeTPS: m.clientDecodeTPS,
      itlP50Ms: m.itlP50Ms, itlP90Ms: m.itlP90Ms, itlP99Ms: m.itlP99Ms, cacheTokens: m.cacheTokens)
  }

  /// A telemetry summary as the figures a cell or server row stores, made honest for its backend.
  static func figures(_ measured: TelemetrySummary, backend: Backend?) -> TelemetryFigures {
    let summary = backend.map { ServerFigures.honest(measured, backend: $0) } ?? measured
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return TelemetryFigures(
      peakRSSBytes: summary.peakRSSBytes.map { Int64(clamping: $0) },
      peakVRAMBytes: summary.peakVRAMAboveBaselineBytes.map { Int64(clamping: $0) },
      meanPowerWatts: summary.meanPowerWatts, energyJoules: summary.energyJoules,
      telemetryJSON: (try? encoder.encode(summary)).map { String(decoding: $0, as: UTF8.self) },
      meanVRAMBytes: summary.meanVRAMAboveBaselineBytes.map { Int64(clamping: $0) },
      joulesPerGeneratedToken: summary.joulesPerGeneratedToken, idlePowerWatts: summary.idlePowerWatts,
      netJoulesPerGeneratedToken: summary.netJoulesPerGeneratedToken)
  }
}

/// A server's argument list as the JSON text its row stores.
func jsonArray(_ strings: [String]) -> String {
  String(decoding: (try? JSONSerialization.data(withJSONObject: strings)) ?? Data(), as: UTF8.self)
}

/// What a server's figures can and cannot say, given its backend.
enum ServerFigures {
  /// ROCm submits work through KFD user queues, which DRM fdinfo's engine time does not
  /// count: a near-zero share there is not an idle GPU, so it is marked not measured.
  static let rocmEngineTime =
    "ROCm work goes through KFD user queues, which DRM fdinfo engine time does not count"

  static func honest(_ summary: TelemetrySummary, backend: Backend) -> TelemetrySummary {
    guard backend == .rocm else { return summary }
    var result = summary
    result.processEngineBusyPercent = nil
    result.notMeasured = (result.notMeasured ?? [:]).merging(["processEngineBusyPercent": rocmEngineTime]) { $1 }
    return result
  }
}
