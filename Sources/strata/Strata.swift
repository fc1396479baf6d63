import ArgumentParser

/// The `strata` command: argument parsing and terminal output only; the work
/// lives in StrataRun and StrataReport.
@main
struct Strata: AsyncParsableCommand {
  static let version = "0.1.0"

  /// `strata run --resume` takes an optional value, which swift-argument-parser
  /// options cannot: a bare one is given its default here.
  static func main() async {
    await main(RunCommand.expandingBareResume(Array(CommandLine.arguments.dropFirst())))
  }

  static let configuration = CommandConfiguration(
    commandName: "strata",
    abstract: "Sweep llama.cpp servers across engines, quants and flags; compare speed against quality.",
    discussion: """
      A project directory holds models.yaml, engines/*.yaml, tasks/*.yaml and matrix.yaml. \
      `strata validate` checks them and prints the planned cells; `strata run` runs the \
      sweep and records every figure in SQLite; `strata report` prints the comparison.
      """,
    version: version,
    subcommands: [
      RunCommand.self, PlanCommand.self, ReportCommand.self, ValidateCommand.self, EnginesCommand.self, GCCommand.self,
      ProbeCommand.self, ModelsGroupCommand.self, MergeCommand.self, DiffCommand.self,
      SandboxGroupCommand.self, ScheduleGroupCommand.self, ImportGroupCommand.self, ExportGroupCommand.self,
    ])
}

/// Options every subcommand shares.
struct ProjectOptions: ParsableArguments {
  @Option(name: .customLong("project"), help: "Directory with models.yaml, engines/ and tasks/.")
  var directory: String = "."

  @Option(help: "SQLite database file.")
  var db: String = "strata.sqlite"
}
