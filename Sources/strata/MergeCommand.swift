import ArgumentParser
import Foundation
import StrataStore

struct MergeCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "merge",
    abstract: "Combine the databases of several hosts (or runs) into one.",
    discussion: """
      Every run of each source that the output lacks is copied with all its rows: cells,
      repetitions, task answers, servers and their telemetry, and the host inventory the
      run recorded. Runs keep their ids; servers are renumbered and what points at them
      follows. A run the output already has is left alone, so merging again changes
      nothing. A source written by an older strata is read through a migrated copy; the
      sources themselves are never written. The output is created if it does not exist.
      """)

  @Argument(help: "The databases to merge (strata.sqlite files).")
  var sources: [String]

  @Option(name: [.customShort("o"), .customLong("output")], help: "The database to merge into.")
  var output: String

  func validate() throws {
    guard !sources.isEmpty else { throw ValidationError("name at least one database to merge") }
    let target = URL(fileURLWithPath: output).standardizedFileURL.path
    if let same = sources.first(where: { URL(fileURLWithPath: $0).standardizedFileURL.path == target }) {
      throw ValidationError("\(same) is the output too; merge into another file")
    }
  }

  func run() async throws {
    let host = LiveHost.context()
    let store: ResultStore
    do {
      store = try ResultStore(path: output)
    } catch {
      printError(error.description)
      throw ExitCode(1)
    }
    var failed = false
    for source in sources {
      do {
        let summary = try store.merge(from: source, scratchDirectory: host.directories.temporary)
        let ids = { (runs: [String]) in runs.map { String($0.prefix(8)) }.joined(separator: ", ") }
        emit(
          "\(source): \(summary.added.count) run(s) added, \(summary.present.count) already in \(output)"
            + (summary.added.isEmpty ? "" : " (\(ids(summary.added)))")
            + (summary.replaced.isEmpty
              ? "" : "; \(summary.replaced.count) replaced by their newer state (\(ids(summary.replaced)))"))
        if !summary.conflicting.isEmpty {
          printError(
            "\(source): \(ids(summary.conflicting)) differ from the copies in \(output) both ways (resumed in two places?); the output's are kept"
          )
        }
      } catch {
        printError(error.description)
        failed = true
      }
    }
    if failed { throw ExitCode(1) }
  }
}
