import ArgumentParser
import Foundation
import StrataConfig
import StrataEngine
import StrataRun

struct EnginesCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "engines",
    abstract: "List every engine in engines/ with whether it can run here, and if not, why.",
    discussion: """
      Each engine is checked as a sweep would run it: the binary or image, the container \
      runtime, the devices its backend needs, then llama-server's own --version and \
      --list-devices. Nothing is pulled. Exit status 1 when any engine is unavailable.
      """)

  @Option(name: .customLong("project"), help: "Directory with engines/.")
  var directory: String = "."

  @Flag(help: "Print the reports as JSON.")
  var json = false

  @Argument(help: "Engine names to check (default: all).")
  var names: [String] = []

  func run() async throws {
    let host = LiveHost.context()
    let engines: [String: EngineSpec]
    do {
      engines = try ProjectLoader.loadEngines(directory: directory, expander: host.pathExpander)
    } catch {
      printError(error.description)
      throw ExitCode(2)
    }
    if let unknown = names.first(where: { engines[$0] == nil }) {
      printError(
        "no engine '\(unknown)' in \(directory)/engines; known: \(engines.keys.sorted().joined(separator: ", "))")
      throw ExitCode(2)
    }
    let inspector = EngineInspector.onThisHost(host)
    var reports: [EngineReport] = []
    for name in names.isEmpty ? engines.keys.sorted() : names {
      if let engine = engines[name] { reports.append(await inspector.inspect(engine)) }
    }
    if json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      emit(String(decoding: try encoder.encode(reports), as: UTF8.self))
    } else {
      emit(EngineTable.render(reports), terminator: "")
    }
    if reports.contains(where: { !$0.available }) { throw ExitCode(1) }
  }
}

/// The human table of `strata engines`: one line per engine, the reason on the same line.
enum EngineTable {
  static func render(_ reports: [EngineReport]) -> String {
    let header = ["ENGINE", "BACKEND", "MODE", "STATUS", "DETAIL"]
    let rows = reports.map { report -> [String] in
      let mode = report.runtime.map { "\(report.mode) (\($0))" } ?? report.mode
      let detail: String
      if report.available {
        let build = report.build.map { "build \($0)" } ?? report.version ?? "build unknown"
        let devices = report.devices.isEmpty ? "" : "; " + report.devices.joined(separator: "; ")
        let image = report.imageID.map { "; image \($0.prefix(19))" } ?? ""
        detail = "\(build)\(devices)\(image)\(report.note.map { "; \($0)" } ?? "")"
      } else {
        detail = report.reason ?? "unavailable"
      }
      let status =
        !report.available ? "unavailable" : report.mode == "container" && report.imageID == nil ? "to pull" : "ready"
      return [report.engine, report.backend, mode, status, detail]
    }
    let widths = (0..<header.count - 1).map { column in
      ([header] + rows).map { $0[column].count }.max() ?? 0
    }
    return ([header] + rows).map { row in
      row.enumerated().map { index, cell in
        index < widths.count ? cell.padding(toLength: widths[index], withPad: " ", startingAt: 0) : cell
      }.joined(separator: "  ")
    }.joined(separator: "\n") + "\n"
  }
}
