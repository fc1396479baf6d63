import ArgumentParser
import Foundation
import StrataConfig
import StrataEval

/// `strata sandbox`: the code sandbox on its own, to check it on this host or to
/// run a program in it by hand.
struct SandboxGroupCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sandbox",
    abstract: "Check the code sandbox on this host, or run a Python file in it.",
    discussion: """
      Code tasks (MBPP, HumanEval, your own) run model-written Python in a bubblewrap \
      sandbox: its own PID, network, mount, IPC and UTS namespaces, a read-only view of \
      /usr, no home, no host sockets, no capabilities, and, when strata is root, an \
      unprivileged user (nobody). `strata sandbox check` proves it with a probe program.
      """,
    subcommands: [SandboxCheckCommand.self, SandboxRunCommand.self], defaultSubcommand: SandboxCheckCommand.self)
}

/// Options of both sandbox subcommands.
struct SandboxOptions: ParsableArguments {
  @Option(help: "The Python interpreter: a name looked up in PATH, or an absolute path.")
  var python: String = "python3"

  @Option(help: "Wall-clock limit in seconds for one program (0.1…3600).")
  var wallSeconds: Double = 10

  @Option(help: "The uid:gid code runs as when strata is root.")
  var user: String = "65534:65534"

  func validate() throws {
    try OptionCheck.range(wallSeconds, "--wall-seconds", 0.1...3600, "seconds")
    guard parsedUser != nil else {
      throw ValidationError("--user must be uid:gid with two numbers, neither 0 (e.g. 65534:65534), not \(user)")
    }
  }

  var parsedUser: SandboxUser? {
    let parts = user.split(separator: ":", omittingEmptySubsequences: false)
    guard parts.count == 2, let uid = UInt32(parts[0]), let gid = UInt32(parts[1]), uid != 0, gid != 0 else {
      return nil
    }
    return SandboxUser(uid: uid, gid: gid)
  }

  func sandbox(_ host: HostContext) -> CodeSandbox {
    var limits = SandboxLimits()
    limits.wallSeconds = wallSeconds
    return CodeSandbox(
      python: python, limits: limits, user: parsedUser ?? .nobody, hostEnvironment: host.environment,
      scratchDirectory: host.directories.temporary)
  }
}

struct SandboxCheckCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check", abstract: "Find the sandbox's tools and interpreter and run a probe through it.")

  @OptionGroup var options: SandboxOptions

  func run() async throws {
    let status = await options.sandbox(LiveHost.context()).status()
    emit("sandbox \(status)")
    if case .unavailable = status { throw ExitCode(1) }
  }
}

struct SandboxRunCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Run one Python file in the sandbox and print how it ended.",
    discussion: """
      The file runs as a code task's program does, with the completion marker after it: \
      it passes when it exits with status 0 having run to its end. Exit status: 0 when it \
      passed, 1 when it did not, 2 when the sandbox could not run it.
      """)

  @OptionGroup var options: SandboxOptions

  @Argument(help: "The Python file.")
  var file: String

  @Flag(help: "Print the outcome as JSON (kind, exit, stdout, stderr, identity, wall and CPU seconds).")
  var json = false

  func run() async throws {
    guard let data = FileManager.default.contents(atPath: file) else {
      throw ValidationError("cannot read \(file): check the path and its permissions")
    }
    let outcome: SandboxOutcome
    do {
      outcome = try await options.sandbox(LiveHost.context()).run(
        SandboxProgram(source: String(decoding: data, as: UTF8.self)))
    } catch {
      printError("strata: \(error)")
      throw ExitCode(2)
    }
    if json {
      let report: [String: String] = [
        "kind": outcome.kind.description, "exit": outcome.exit.description, "stdout": outcome.stdoutTail,
        "stderr": outcome.stderrTail, "identity": outcome.identity.description,
        "wall_seconds": String(format: "%.3f", outcome.wallSeconds),
        "cpu_seconds": String(format: "%.3f", outcome.cpuSeconds),
      ]
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      emit(String(decoding: try encoder.encode(report), as: UTF8.self))
    } else {
      emit(
        "\(outcome.kind) (\(outcome.exit), \(String(format: "%.2f", outcome.wallSeconds)) s wall, "
          + "\(String(format: "%.2f", outcome.cpuSeconds)) s CPU, as \(outcome.identity))")
      if !outcome.stdoutTail.isEmpty { emit("stdout:\n" + outcome.stdoutTail) }
      if !outcome.stderrTail.isEmpty { emit("stderr:\n" + outcome.stderrTail) }
    }
    if !outcome.passed { throw ExitCode(1) }
  }
}
