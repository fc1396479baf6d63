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
    emit(PlanPrinter.describe(plan))
    for note in PlanPreflight.skippedMethods(project, plan: plan) { printError("note: \(note)") }
    let missing = PlanPreflight.missingFiles(project, plan: plan)
    guard missing.isEmpty else {
      printError((["files the planned cells need are missing:"] + missing.map { "  \($0)" }).joined(separator: "\n"))
      printError(
        "hint: run scripts/setup (it builds the engines and fetches the demo models and items), or fix the paths")
      throw ExitCode(2)
    }
    if let problem = await PlanPreflight.sandboxProblem(
      project, plan: plan, environment: ProcessInfo.processInfo.environment)
    {
      printError(problem)
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
