import Foundation
import StrataEngine
import StrataMatrix

/// Whether a stored run can be continued with this plan and these engines.
enum ResumeCheck {
  static func check(
    _ resume: ResumeState, plan: MatrixPlan, identities: [String: EngineReport], matrixPath: String
  ) throws {
    guard resume.run.status.isUnfinished else { throw ResumeRefusal.finished(resume.run.id) }
    let planned = Set(plan.cells.map(\.cell.id) + plan.skipped.map(\.cell.id))
    let stored = Set(resume.cells.keys)
    if planned != stored {
      throw ResumeRefusal.matrixChanged(
        runId: resume.run.id, added: planned.subtracting(stored).count, removed: stored.subtracting(planned).count,
        path: matrixPath)
    }
    let before =
      (try? JSONDecoder().decode([String: EngineReport].self, from: Data(resume.run.enginesJSON.utf8))) ?? [:]
    var changes: [String] = []
    for engine in plan.engines.sorted() {
      guard let old = before[engine], let new = identities[engine], old.available, new.available else { continue }
      if old.expectedBuildInfo != new.expectedBuildInfo {
        changes.append("\(engine): build \(old.expectedBuildInfo ?? "unknown") → \(new.expectedBuildInfo ?? "unknown")")
      }
      if old.imageID != new.imageID {
        changes.append("\(engine): image \(old.imageID ?? "none") → \(new.imageID ?? "none")")
      }
    }
    if !changes.isEmpty { throw ResumeRefusal.engineChanged(runId: resume.run.id, changes: changes) }
  }
}
