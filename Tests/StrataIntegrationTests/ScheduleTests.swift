import Foundation
import StrataTestSupport
import Testing

/// `strata schedule` writes units systemd's own checker accepts; `scripts/install-strata`
/// puts strata and its completions on PATH.
@Suite("Unattended runs: systemd units and strata on PATH", .tags(.integration), RealParts.strataGate)
struct ScheduleTests {
  static let systemdAnalyze = RealPartGate.needs("systemd-analyze (Debian's systemd package)") {
    FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze")
  }

  @Test("the generated service and timer pass `systemd-analyze verify`", ScheduleTests.systemdAnalyze)
  func unitsVerify() async throws {
    let dir = try RealParts.project(matrix: RealParts.twoCellMatrix)
    let units = "\(dir)/units"
    let install = try await StrataCLI.run(
      [
        "schedule", "install", "--unit-directory", units, "--no-enable", "--on-calendar", "*-*-* 01:00",
        "--max-duration", "6h",
      ], project: dir)
    #expect(install.status == 0, "\(install.output)")
    let service = try String(contentsOfFile: "\(units)/strata-sweep.service", encoding: .utf8)
    let timer = try String(contentsOfFile: "\(units)/strata-sweep.timer", encoding: .utf8)
    #expect(service.contains("\"--resume\" \"auto\""), "\(service)")
    #expect(service.contains("\"--max-duration\" \"6h\""), "\(service)")
    #expect(service.contains("KillSignal=SIGINT") && service.contains("Nice=10"))
    #expect(service.contains("WorkingDirectory=\(dir)"))
    #expect(timer.contains("Persistent=true") && timer.contains("OnCalendar=*-*-* 01:00"))

    let verify = Process()
    verify.executableURL = URL(fileURLWithPath: "/usr/bin/systemd-analyze")
    verify.arguments = ["verify", "--man=no", "\(units)/strata-sweep.service", "\(units)/strata-sweep.timer"]
    let pipe = Pipe()
    verify.standardOutput = pipe
    verify.standardError = pipe
    try verify.run()
    while verify.isRunning { try await Task.sleep(nanoseconds: 50_000_000) }
    let said = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    #expect(verify.terminationStatus == 0, "systemd-analyze verify: \(said)")
    // What it would print about these units is a problem in them; notes about the host's own units are not.
    #expect(!said.contains("strata-sweep"), "systemd-analyze verify: \(said)")

    let status = try await StrataCLI.run(["schedule", "status", "--unit-directory", units], project: dir)
    #expect(status.output.contains("calendar: *-*-* 01:00"), "\(status.output)")
    let remove = try await StrataCLI.run(
      ["schedule", "remove", "--unit-directory", units, "--no-disable"], project: dir, withProject: false)
    #expect(remove.status == 0, "\(remove.output)")
    #expect(!FileManager.default.fileExists(atPath: "\(units)/strata-sweep.timer"))
  }

  @Test("scripts/install-strata puts strata on PATH with bash, zsh and fish completions")
  func installOnPath() async throws {
    let prefix = FileManager.default.temporaryDirectory.appendingPathComponent("strata-prefix-\(UUID())").path
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("scripts/install-strata").path
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = [script, try #require(StrataExecutable.path)]
    process.environment = ProcessInfo.processInfo.environment.merging(["STRATA_PREFIX": prefix]) { $1 }
    try process.run()
    while process.isRunning { try await Task.sleep(nanoseconds: 50_000_000) }
    #expect(process.terminationStatus == 0)
    #expect(FileManager.default.isExecutableFile(atPath: "\(prefix)/bin/strata"))
    let bash = try String(contentsOfFile: "\(prefix)/share/bash-completion/completions/strata", encoding: .utf8)
    #expect(bash.contains("schedule") && bash.contains("--resume"))
    #expect(FileManager.default.fileExists(atPath: "\(prefix)/share/zsh/site-functions/_strata"))
    #expect(FileManager.default.fileExists(atPath: "\(prefix)/share/fish/vendor_completions.d/strata.fish"))
  }
}
