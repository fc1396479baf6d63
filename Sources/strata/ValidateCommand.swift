import ArgumentParser
import Foundation
import StrataConfig
import StrataHub
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
    let host = LiveHost.context()
    let (project, notPulled) = HubModels.resolve(
      try loadProject(options, matrix: matrix, host: host),
      cache: HubCache.standard(environment: host.environment, home: host.directories.home))
    let plan = MatrixExpander.plan(project.matrix, quantsByModel: project.quantsByModel)
    emit(PlanPrinter.describe(plan))
    for note in PlanPreflight.skippedMethods(project, plan: plan) { printError("note: \(note)") }
    let needed = Set(plan.groups.map { "\($0.key.model)\u{0}\($0.key.quant)" })
    for missing in notPulled where needed.contains("\(missing.model)\u{0}\(missing.quant)") {
      printError("note: \(missing); `strata run` pulls it first, or `strata models pull \(missing.model)` now")
    }
    let missing = PlanPreflight.missingFiles(project, plan: plan, searchPath: host.searchPath)
    guard missing.isEmpty else {
      printError((["files the planned cells need are missing:"] + missing.map { "  \($0)" }).joined(separator: "\n"))
      printError(
        "hint: run scripts/setup (it builds the engines and fetches the demo models and items), or fix the paths")
      throw ExitCode(2)
    }
    if let problem = await PlanPreflight.sandboxProblem(
      project, plan: plan, host: host)
    {
      printError(problem)
      throw ExitCode(2)
    }
  }
}

/// Loads the project, printing config errors as the user should see them.
func loadProject(_ options: ProjectOptions, matrix: String?, host: HostContext) throws -> Project {
  do {
    return try ProjectLoader.load(directory: options.directory, matrixPath: matrix, expander: host.pathExpander)
  } catch {
    printError(error.description)
    throw ExitCode(2)
  }
}
