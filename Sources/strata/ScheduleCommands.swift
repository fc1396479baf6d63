import ArgumentParser
import Foundation
import StrataConfig
import StrataRun
import StrataStore

struct ScheduleGroupCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "schedule",
    abstract: "Run a sweep unattended from a systemd timer.",
    subcommands: [ScheduleInstallCommand.self, ScheduleStatusCommand.self, ScheduleRemoveCommand.self])
}

/// Options shared by the schedule subcommands.
struct ScheduleOptions: ParsableArguments {
  @Flag(help: "The user's systemd instance (~/.config/systemd/user) instead of the system's.")
  var user = false

  @Option(help: "Base name of the units.")
  var name = "strata-sweep"

  @Option(help: "Where to write the unit files (default: the system's or the user's unit directory).")
  var unitDirectory: String?

  func directory(_ host: HostContext) -> String {
    unitDirectory ?? SystemdUnits.directory(user: user, home: host.directories.home, environment: host.environment)
  }

  func systemctl(_ arguments: [String]) -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["systemctl"] + (user ? ["--user"] : []) + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    do { try process.run() } catch { return (127, "\(error)") }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
  }
}

struct ScheduleInstallCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "install",
    abstract:
      "Write a systemd service and timer that run `strata run --resume auto` on a calendar, and enable the timer.")

  @OptionGroup var project: ProjectOptions
  @OptionGroup var schedule: ScheduleOptions

  @Argument(help: "The matrix file (default: matrix.yaml in the project directory).")
  var matrix: String?

  @Option(help: "When to start, in systemd.time(7) calendar syntax.")
  var onCalendar = "*-*-* 01:00"

  @Option(help: "Stop at a cell boundary before this much time is spent (e.g. 6h); the next night resumes.")
  var maxDuration: String?

  @Option(help: "Seconds systemd waits for a clean stop before it kills strata (longer than stopping a server).")
  var stopTimeout = 300

  @Flag(help: "Only write the units; do not run systemctl.")
  var noEnable = false

  func validate() throws {
    if let maxDuration, Duration.parse(maxDuration) == nil {
      throw ValidationError("--max-duration: '\(maxDuration)' is not a duration; write it like 6h, 90m or 3600")
    }
    try OptionCheck.range(stopTimeout, "--stop-timeout", 30...86_400, "seconds")
  }

  func run() async throws {
    let host = LiveHost.context()
    let loaded = try loadProject(project, matrix: matrix, host: host)
    let directory = URL(fileURLWithPath: project.directory).standardizedFileURL.path
    let units = SystemdUnits(
      name: schedule.name, executable: try strataExecutable(host), projectDirectory: directory,
      matrix: URL(fileURLWithPath: loaded.matrixPath).standardizedFileURL.path,
      database: URL(fileURLWithPath: project.db, relativeTo: URL(fileURLWithPath: directory + "/")).standardizedFileURL
        .path, onCalendar: onCalendar, maxDuration: maxDuration, user: schedule.user, stopTimeoutSeconds: stopTimeout)
    let unitDirectory = schedule.directory(host)
    try FileManager.default.createDirectory(atPath: unitDirectory, withIntermediateDirectories: true)
    try units.service.write(toFile: "\(unitDirectory)/\(units.serviceName)", atomically: true, encoding: .utf8)
    try units.timer.write(toFile: "\(unitDirectory)/\(units.timerName)", atomically: true, encoding: .utf8)
    emit("wrote \(unitDirectory)/\(units.serviceName) and \(units.timerName)")
    emit("  runs: \(units.command.joined(separator: " "))")
    emit("  on:   \(onCalendar) (Persistent=true: a missed night runs at the next boot)")
    emit("  env:  \(units.environmentFile) (optional KEY=value lines, e.g. HF_TOKEN=…)")
    guard !noEnable else { return }
    for arguments in [["daemon-reload"], ["enable", "--now", units.timerName]] {
      let result = schedule.systemctl(arguments)
      guard result.status == 0 else {
        printError(
          "systemctl \(arguments.joined(separator: " ")) failed: \(result.output.trimmingCharacters(in: .whitespacesAndNewlines))"
        )
        printError(
          "hint: the units are written; on a machine where systemd runs, enable them with `systemctl\(schedule.user ? " --user" : "") enable --now \(units.timerName)`"
        )
        throw ExitCode(1)
      }
    }
    emit("enabled \(units.timerName); `strata schedule status` shows the next start")
  }

  /// strata by absolute path: the one on PATH (scripts/setup installs it), else this executable.
  private func strataExecutable(_ host: HostContext) throws -> String {
    for directory in host.searchPath.split(separator: ":") {
      let candidate = "\(directory)/strata"
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return Bundle.main.executablePath ?? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
  }
}

struct ScheduleStatusCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "status", abstract: "Show the timer's units, its next start and the database's latest run.")

  @OptionGroup var project: ProjectOptions
  @OptionGroup var schedule: ScheduleOptions

  func run() async throws {
    let host = LiveHost.context()
    let directory = schedule.directory(host)
    let service = "\(directory)/\(schedule.name).service"
    let timer = "\(directory)/\(schedule.name).timer"
    guard FileManager.default.fileExists(atPath: timer) else {
      emit("no timer installed at \(timer); `strata schedule install` writes one")
      throw ExitCode(1)
    }
    emit("units: \(service), \(timer)")
    if let line = try? String(contentsOfFile: timer, encoding: .utf8).split(separator: "\n").first(where: {
      $0.hasPrefix("OnCalendar=")
    }) {
      emit("calendar: \(line.dropFirst("OnCalendar=".count))")
    }
    let shown = schedule.systemctl([
      "show", "\(schedule.name).timer", "--property=ActiveState,NextElapseUSecRealtime,LastTriggerUSec",
    ])
    if shown.status == 0 {
      for line in shown.output.split(separator: "\n") { emit("timer: \(line)") }
    } else {
      emit("timer: systemctl cannot say (\(shown.output.split(separator: "\n").first ?? "no systemd here"))")
    }
    if FileManager.default.fileExists(atPath: project.db), let store = try? ResultStore(path: project.db),
      let latest = try? store.runs().first
    {
      emit("latest run: \(latest.id) \(latest.status.rawValue)\(latest.stopReason.map { " — \($0)" } ?? "")")
    }
  }
}

struct ScheduleRemoveCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "remove", abstract: "Disable the timer and delete its units.")

  @OptionGroup var schedule: ScheduleOptions

  @Flag(help: "Only delete the unit files; do not run systemctl.")
  var noDisable = false

  func run() async throws {
    let host = LiveHost.context()
    let directory = schedule.directory(host)
    if !noDisable {
      let result = schedule.systemctl(["disable", "--now", "\(schedule.name).timer"])
      if result.status != 0 {
        printError("note: systemctl disable: \(result.output.trimmingCharacters(in: .whitespacesAndNewlines))")
      }
    }
    var removed = 0
    for unit in ["service", "timer"] {
      let path = "\(directory)/\(schedule.name).\(unit)"
      if (try? FileManager.default.removeItem(atPath: path)) != nil {
        removed += 1
        emit("removed \(path)")
      }
    }
    if removed == 0 { emit("no units named \(schedule.name) in \(directory)") }
    if !noDisable { _ = schedule.systemctl(["daemon-reload"]) }
  }
}
