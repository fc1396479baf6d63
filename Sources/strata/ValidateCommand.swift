import ArgumentParser
import Foundation
import StrataConfig
import StrataMatrix
import StrataRun

struct ValidateCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "validate",
    abstract: "Check every config file and print the planned cells without running anything.")

  @OptionGroup var options: ProjectOptions

  @Argument(help: "The matrix file (default: matrix.yaml in the project directory).")
  var matrix: String?

  func run() async throws {
    let project = try loadProject(options, matrix: matrix)
    let plan = MatrixExpander.plan(project.matrix, quantsByModel: project.quantsByModel)
    print(PlanPrinter.describe(plan))
    let missing = MissingFiles.check(project, plan: plan)
    guard missing.isEmpty else {
      printError((["files the planned cells need are missing:"] + missing.map { "  \($0)" }).joined(separator: "\n"))
      printError(
        "hint: run scripts/setup (it builds the engines and fetches the demo models and items), or fix the paths")
      throw ExitCode(2)
    }
  }
}

/// Loads the project, printing config errors as the user should see them.
func loadProject(_ options: ProjectOptions, matrix: String?) throws -> Project {
  do {
    return try ProjectLoader.load(directory: options.directory, matrixPath: matrix)
  } catch {
    printError(error.description)
    throw ExitCode(2)
  }
}

/// The engine binaries, model files and task items a plan needs that are not on disk.
enum MissingFiles {
  static func check(_ project: Project, plan: MatrixPlan) -> [String] {
    var problems: [String] = []
    var seen: Set<String> = []
    func require(_ path: String, _ what: String, executable: Bool = false) {
      guard seen.insert(path).inserted else { return }
      let fm = FileManager.default
      let ok = executable ? (!path.contains("/") || fm.isExecutableFile(atPath: path)) : fm.fileExists(atPath: path)
      if !ok { problems.append("\(what): \(path)") }
    }
    for group in plan.groups {
      // A container engine's binary lives in its image: `strata engines` checks those.
      if let engine = project.engines[group.key.engine], engine.mode == .process {
        require(engine.binary, "engine \(engine.name) binary", executable: true)
      }
      if case .local(let files)? = project.model(named: group.key.model)?.source, let path = files[group.key.quant] {
        require(path, "model \(group.key.model) \(group.key.quant)")
      }
      for selection in group.cells.flatMap(\.tasks) {
        if let task = project.tasks[selection.name] { require(task.items, "task \(task.name) items") }
      }
    }
    return problems
  }
}
