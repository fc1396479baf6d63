import Foundation
import StrataConfig
import StrataEngine
import StrataEval
import StrataMatrix

/// What a plan needs from the disk and the engines, checked before anything runs:
/// `strata validate` prints it, so a missing file or an answer that cannot be
/// scored on some engine is known before an overnight sweep, not found in its log.
public enum PlanPreflight {
  /// The engine binaries, model files and task items the plan needs that are not
  /// on disk, as "what: path" lines. A process engine whose cells score multiple
  /// choice by continuation likelihood also needs `llama-perplexity` beside its
  /// `llama-server` (scripts/build-engines builds both).
  /// A bare binary name counts when `searchPath` (default: strata's `PATH`) has it.
  public static func missingFiles(
    _ project: Project, plan: MatrixPlan, searchPath: String?
  ) -> [String] {
    var problems: [String] = []
    var seen: Set<String> = []
    func require(_ path: String, _ what: String, executable: Bool = false) {
      guard seen.insert(path).inserted else { return }
      let ok =
        executable
        ? ExecutableLookup.find(path, path: searchPath) != nil : FileManager.default.fileExists(atPath: path)
      if !ok { problems.append("\(what): \(path)") }
    }
    for group in plan.groups {
      let engine = project.engines[group.key.engine]
      // A container engine's binary lives in its image: `strata engines` checks those.
      if let engine, engine.mode == .process {
        require(engine.binary, "engine \(engine.name) binary", executable: true)
      }
      // A quant not pulled from Hugging Face yet is pulled by `strata run` (validate notes it).
      if case .local(let files)? = project.model(named: group.key.model)?.source, let path = files[group.key.quant],
        NotPulled.repository(of: path) == nil
      {
        require(path, "model \(group.key.model) \(group.key.quant)")
      }
      for task in tasks(of: group, in: project) {
        require(task.items, "task \(task.name) items")
        // Where the server itself is missing, that one line says the build is missing.
        if let engine, task.methods.contains(.continuationLikelihood),
          ExecutableLookup.find(engine.binary, path: searchPath) != nil,
          let perplexity = PerplexityRunner.binary(for: engine, path: searchPath)
        {
          require(
            perplexity, "engine \(engine.name) llama-perplexity (for \(task.name) continuation_likelihood)",
            executable: true)
        }
      }
    }
    return problems
  }

  /// Answers the plan asks for that some engine cannot give, one line per engine
  /// and task: a container image ships `llama-server` only, so continuation
  /// likelihood (scored by `llama-perplexity`) is skipped there and the cell's other
  /// answers still count. Not an error: the run says the same as it skips them.
  public static func skippedMethods(_ project: Project, plan: MatrixPlan) -> [String] {
    var notes: [String] = []
    var seen: Set<String> = []
    for group in plan.groups {
      guard let engine = project.engines[group.key.engine], PerplexityRunner.binary(for: engine, path: nil) == nil
      else {
        continue
      }
      for task in tasks(of: group, in: project) where task.methods.contains(.continuationLikelihood) {
        guard seen.insert("\(engine.name)/\(task.name)").inserted else { continue }
        notes.append(
          "\(task.name) continuation_likelihood is skipped on engine \(engine.name): "
            + "a \(engine.mode.rawValue) engine has no llama-perplexity; use a process engine of the same build for it")
      }
    }
    return notes
  }

  /// The code tasks the plan runs, sorted: those need the sandbox.
  public static func codeTasks(_ project: Project, plan: MatrixPlan) -> [String] {
    Set(plan.groups.flatMap { tasks(of: $0, in: project) }.filter { $0.kind == .code }.map(\.name)).sorted()
  }

  /// Nil when the plan runs no code task or the sandbox runs code here (a real
  /// probe program inside it); else the line to print. Checked before anything
  /// starts, so a sweep does not spend its performance scenarios first and then
  /// fail every code task.
  public static func sandboxProblem(
    _ project: Project, plan: MatrixPlan, host: HostContext
  ) async -> String? {
    let tasks = codeTasks(project, plan: plan)
    guard !tasks.isEmpty else { return nil }
    do {
      _ = try await CodeSandbox(hostEnvironment: host.environment, scratchDirectory: host.directories.temporary)
        .prepared()
      return nil
    } catch {
      return "the code sandbox cannot run here, and the plan has code tasks (\(tasks.joined(separator: ", "))): "
        + "\(error)\nhint: `strata sandbox check` says what is missing (bubblewrap and python3: scripts/install-deps)"
    }
  }

  private static func tasks(of group: LoadGroup, in project: Project) -> [TaskSpec] {
    var names: Set<String> = []
    return group.cells.flatMap(\.tasks).compactMap { selection in
      guard names.insert(selection.name).inserted else { return nil }
      return project.tasks[selection.name]
    }
  }
}
