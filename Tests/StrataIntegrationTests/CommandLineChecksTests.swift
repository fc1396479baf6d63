import Foundation
import StrataTestSupport
import Testing

/// The real `strata` executable, given values that once crashed it or started a
/// run that could not work: each is refused before anything starts, with exit
/// status 64 (usage) and a message that says what is allowed.
@Suite("Command-line values are checked before anything starts", RealParts.strataGate)
struct CommandLineChecksTests {
  static let refused: [(arguments: [String], message: String)] = [
    (["probe", "--watch=-1"], "--watch must be a number from 0.1 to 86400 seconds, not -1.0"),
    (["probe", "--watch", "inf"], "--watch must be a number"),
    (["probe", "--watch", "1", "--rate", "0"], "--rate must be a number from 0.1 to 1000 samples per second"),
    (["probe", "--watch", "1", "--rate", "nan"], "--rate must be a number"),
    (
      ["run", "--telemetry-rate", "inf"],
      "--telemetry-rate must be a number from 0.1 to 1000 samples per second, not inf"
    ),
    (["run", "--telemetry-rate", "1e-9"], "--telemetry-rate must be a number"),
    (["run", "--health-timeout", "0"], "--health-timeout must be a number from 1 to 86400 seconds"),
    (["run", "--health-timeout", "nan"], "--health-timeout must be a number"),
    (["run", "--limit", "0"], "--limit must be a whole number from 1 to 1000000 items, not 0"),
    (["run", "--limit=-5"], "--limit must be a whole number"),
    (["sandbox", "run", "x.py", "--wall-seconds", "inf"], "--wall-seconds must be a number from 0.1 to 3600 seconds"),
    (["sandbox", "check", "--user", "0:0"], "--user must be uid:gid with two numbers, neither 0"),
    (["run", "--format", "yaml"], "The value 'yaml' is invalid for '--format <format>'"),
    (["report", "--tariff", "cheap"], "--tariff cheap: no price per kWh; write it as 0.30/kWh"),
    (["report", "--tariff", "0.3/MWh"], "strata prices energy per kWh"),
    (["report", "--tariff", "0.3/kWh", "--by", "category"], "--tariff prices the comparison and hardware tables"),
  ]

  @Test("is refused with exit status 64 and what is allowed", arguments: refused.indices)
  func refusedValue(index: Int) throws {
    let (arguments, message) = Self.refused[index]
    // Run in a directory with no project: nothing must get as far as reading one.
    let run = try CapturedRun.run(try #require(StrataExecutable.path), arguments)
    let text = run.stderr
    #expect(run.status == 64, "\(arguments): \(text)")
    #expect(text.contains(message), "\(arguments): \(text)")
  }
}

/// `strata validate` (and `strata run`, before anything starts) proves the code
/// sandbox with a real probe when the plan has a code task.
@Suite("validate checks the sandbox a code task needs", RealParts.gate, RealParts.strataGate)
struct ValidateSandboxTests {
  func validate(path: String) throws -> (status: Int32, errors: String) {
    let dir = try RealParts.project(
      matrix: """
        axes:
          engine: [cpu]
          model: [smollm2-135m]
        tasks: [{name: mbpp, limit: 2}]
        """)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try """
    name: mbpp
    kind: code
    items: \(RealParts.cache)/tasks/mbpp.jsonl
    prompt: zero_shot
    format: completion
    """.write(toFile: "\(dir)/tasks/mbpp.yaml", atomically: true, encoding: .utf8)
    var environment = ProcessInfo.processInfo.environment
    environment["PATH"] = path
    let run = try CapturedRun.run(
      try #require(StrataExecutable.path), ["validate", "--project", dir], environment: environment)
    return (run.status, run.stderr)
  }

  @Test("with bubblewrap and python3 in PATH it passes; without, it fails naming the code tasks and what to do")
  func sandboxIsChecked() throws {
    let good = try validate(path: ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
    #expect(good.status == 0, "\(good.errors)")
    let bad = try validate(path: "/nonexistent")
    #expect(bad.status == 2, "\(bad.errors)")
    #expect(
      bad.errors.contains("the code sandbox cannot run here, and the plan has code tasks (mbpp)"), "\(bad.errors)")
    #expect(bad.errors.contains("strata sandbox check"))
  }
}

/// What strata prints from outside reaches the terminal without its control
/// bytes: here a program's stdout, echoed by `strata sandbox run`.
@Suite("strata's output carries no terminal controls from outside text", RealParts.strataGate)
struct TerminalOutputTests {
  @Test("a program that prints escape sequences and carriage returns: strata's stdout has none of them")
  func sandboxOutputIsCleaned() throws {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("strata-escape-\(UUID()).py").path
    defer { try? FileManager.default.removeItem(atPath: file) }
    try #"print("\x1b[2J\x1b[Hhello\rFAKE\x1b]0;title\x07 done\x9b31m")"#.write(
      toFile: file, atomically: true, encoding: .utf8)
    let run = try CapturedRun.run(try #require(StrataExecutable.path), ["sandbox", "run", file])
    let bytes = run.stdout
    let text = run.stdoutText
    #expect(run.status == 0, "\(text)")
    #expect(text.contains("helloFAKE done\n"), "whole sequences go: \(text)")
    #expect(!bytes.contains(0x1B) && !bytes.contains(0x0D) && !bytes.contains(0x07), "\(Array(bytes))")
    #expect(!text.unicodeScalars.contains { (0x80...0x9F).contains($0.value) })
  }
}
