import Foundation
import StrataEngine
import StrataEval
import StrataMatrix
import StrataStore

/// The run's noise check: after the last cell, the first cell the run measured is
/// measured again on a fresh server. Repetitions within one server agree far more
/// closely than two runs minutes apart do (on a shared 2-core machine the same build
/// and flags gave 91 and 110 t/s), so `strata diff` needs this start-to-end distance
/// to tell a change from the host's own drift.
enum NoiseCheck {
  /// The cell measured earliest in the run (among the cells this plan still has), with its load group.
  static func anchor(plan: MatrixPlan, cells: [CellRecord], measured: Set<String>) -> (CellPlan, LoadGroup)? {
    let candidates = cells.filter { $0.status == .done && measured.contains($0.hash) && $0.startedAt != nil }
    for record in candidates.sorted(by: { ($0.startedAt ?? 0) < ($1.startedAt ?? 0) }) {
      for group in plan.groups {
        if let cellPlan = group.cells.first(where: { $0.cell.id == record.hash }), !cellPlan.scenarios.isEmpty {
          return (cellPlan, group)
        }
      }
    }
    return nil
  }
}

extension Sweep {
  /// Runs the noise check unless the run has one, measured nothing, or the time budget
  /// has no room for it. Its failure is a warning: the run's own figures stand.
  func checkNoise(schedule: RunSchedule, state: inout SweepState) async throws {
    let measured = Set(try store.perfRepetitions(runId: runId).map(\.cellHash))
    guard
      let (cellPlan, group) = NoiseCheck.anchor(plan: plan, cells: try store.cells(runId: runId), measured: measured)
    else { return }
    // A whole check is kept; one cut short (Ctrl-C, a hung server) is measured again from the start.
    let stored = try store.noiseChecks(runId: runId)
    if stored.count >= cellPlan.repeats { return }
    if !stored.isEmpty { try store.deleteNoiseChecks(runId: runId) }
    let scenario = cellPlan.scenarios[0]
    let estimate =
      (schedule.groups.first { $0.group.key == group.key }?.loadEstimateSeconds ?? 0)
      + (schedule.entries.first { $0.cellPlan.cell.id == cellPlan.cell.id }?.estimateSeconds ?? 0)
    // Only the time budget: a cell budget counts cells, and this is none.
    if let refusal = schedule.budget.refusal(
      elapsed: context.host.clock.monotonic() - state.startedAt, nextEstimate: estimate, cellsRun: 0)
    {
      context.progress(.warning("noise check skipped: \(refusal); `strata diff` assumes the noise instead"))
      return
    }
    let launch: ServerLaunch
    do {
      launch = try serverLaunch(for: group, index: schedule.groups.count, attempt: state.serverStarts)
    } catch {
      context.progress(.warning("noise check skipped: \(error)"))
      return
    }
    if let fit = memoryFit?.verdict(launch), fit.outcome == .doesNotFit {
      context.progress(.warning("noise check skipped: \(cellPlan.cell.label) does not fit now: \(fit.detail)"))
      return
    }
    state.serverStarts += 1
    context.progress(.noiseCheck(label: cellPlan.cell.label, scenario: scenario.name))
    let settings = CellSettings(cellPlan.cell)
    let scope = ServerScope(
      host: context.serverHost ?? supervisedHost(), store: store, context: context, runId: runId, launch: launch,
      loadGroup: group.key.id, backend: project.engines[group.key.engine]?.backend, expectedBuildInfo: nil,
      engineDevices: engineReports[group.key.engine]?.devices ?? [])
    let outcome = try await scope.run { server, _, _ in
      let probe = PerfProbe(
        client: server.client.stallingAfter(context.stall.seconds(promptTokens: scenario.promptTokens)),
        seed: settings.seed)
      try await probe.run(scenario, repeats: cellPlan.repeats) { m in
        context.progress(
          .perfRepetition(
            scenario: scenario.name, repetition: m.repetition, of: cellPlan.repeats, decodeTPS: m.serverDecodeTPS))
        try store.insert(
          NoiseCheckRecord(
            runId: runId, cellHash: cellPlan.cell.id, scenario: scenario.name, repetition: m.repetition,
            promptTokens: m.promptTokens, generatedTokens: m.generatedTokens, ttftMs: m.ttftMs,
            serverPromptTPS: m.serverPromptTPS, serverDecodeTPS: m.serverDecodeTPS, measuredAt: context.wallClock()))
      }
    }
    if let error = outcome.error {
      if error is StoreError { throw error }
      context.progress(.warning("noise check failed: \(error); `strata diff` assumes the noise instead"))
    }
  }
}
