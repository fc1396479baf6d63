import ArgumentParser
import Foundation
import StrataConfig
import StrataRun
import StrataStore

struct ImportGroupCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "import",
    abstract: "Load results other tools measured, so that they sit beside strata's in the tables.",
    subcommands: [ImportLlamaBenchCommand.self])
}

struct ImportLlamaBenchCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "llama-bench",
    abstract: "Import `llama-bench -o json` or `-o jsonl` output as a run.",
    discussion: """
      Each file becomes one run of engine `llama-bench-<backend>` (--engine renames it):
      tests with the same settings are one cell, and each prompt test (pp512) is paired
      with a generation test (tg128) into a pp512-tg128 scenario, one repetition per
      llama-bench sample. The model is the models.yaml entry whose file has the same
      name, else the file's own name and quant tag (--model names it). The host is this
      machine (its inventory), or --host NAME for a file measured elsewhere (then its CPU
      is llama-bench's cpu_info). The same file imports as the same run: importing it
      again adds nothing. `strata report --hardware` then shows the rows.
      """)

  @Argument(help: "Files llama-bench wrote with -o json or -o jsonl.")
  var files: [String]

  @OptionGroup var options: ProjectOptions

  @Option(help: "The host the file was measured on (default: this one).")
  var host: String?

  @Option(help: "The engine name its rows get (default: llama-bench-<backend>).")
  var engine: String?

  @Option(help: "The model name its rows get (default: from models.yaml, else the file name).")
  var model: String?

  func run() async throws {
    let context = LiveHost.context()
    // models.yaml only names the models; without it (or with one that does not load) the
    // files name themselves, which the operator should know before the rows fail to line up.
    var models: ModelsFile?
    do {
      models = try ProjectLoader.loadModels(directory: options.directory, expander: context.pathExpander)
    } catch {
      printError(
        "warning: models.yaml in \(options.directory) not used, so models are named by their files: \(error.description)"
      )
    }
    let store: ResultStore
    do {
      store = try ResultStore(path: options.db)
    } catch {
      printError(error.description)
      throw ExitCode(1)
    }
    var failed = false
    for file in files {
      do {
        try importFile(file, store: store, context: context, models: models)
      } catch let error as LlamaBenchImportError {
        printError(error.description)
        failed = true
      } catch let error as StoreError {
        printError(error.description)
        throw ExitCode(1)
      }
    }
    if failed { throw ExitCode(2) }
  }

  func importFile(_ file: String, store: ResultStore, context: HostContext, models: ModelsFile?) throws {
    guard let data = FileManager.default.contents(atPath: file) else {
      throw LlamaBenchImportError(
        file: file, line: nil, message: "cannot be read (no such file, or no permission)", hint: nil)
    }
    let tests = try LlamaBenchParser.parse(data, file: file)
    var inventory = HostInventory.read(procRoot: context.roots.proc, etcRoot: context.roots.etc)
    if let host {
      inventory = HostInventory(
        hostname: host, cpuModel: tests.compactMap(\.cpuInfo).first { !$0.isEmpty } ?? "unknown", logicalCores: 0,
        memoryBytes: 0, os: "unknown", kernel: "unknown")
    }
    // The names models.yaml gives are part of the run's identity: importing again after
    // a rename there is a new run, not "already imported".
    let named = LlamaBenchImport(tests: tests, engine: engine, model: model, models: models, runId: "", fallbackTime: 0)
      .cells.map { "\($0.cell.model) \($0.cell.quant)" }.joined(separator: ",")
    let runId = LlamaBenchImport.runId(
      for: data, host: inventory.hostname, engine: engine, model: (model ?? "") + "\u{1F}" + named)
    let imported = LlamaBenchImport(
      tests: tests, engine: engine, model: model, models: models, runId: runId, fallbackTime: context.clock.wall())
    for note in imported.notes { printError("\(file): \(note)") }
    guard !imported.cells.isEmpty else {
      throw LlamaBenchImportError(
        file: file, line: nil,
        message: "no prompt test paired with a generation test; run llama-bench with both -p and -n (its default)")
    }
    let written = try imported.write(
      to: store, runId: runId, host: inventory, source: (file as NSString).lastPathComponent,
      strataVersion: Strata.version, commandLine: CommandLine.arguments.joined(separator: " "))
    guard written else {
      emit("\(file): already imported as run \(runId); nothing added")
      return
    }
    let repetitions = imported.cells.map(\.repetitions.count).reduce(0, +)
    emit(
      "\(file): \(tests.count) tests → \(imported.cells.count) cells, \(repetitions) repetitions, as run \(runId) "
        + "(engine \(imported.engine), host \(inventory.hostname)); `strata report --hardware --db \(options.db)` shows them"
    )
  }
}
