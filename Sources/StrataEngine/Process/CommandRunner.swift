import Foundation
import StrataClient
import StrataConfig

#if canImport(Glibc)
  import Glibc
#endif

/// What a short command printed and how it ended.
public struct CommandResult: Sendable, Hashable {
  public var status: ChildExit
  /// stdout and stderr together, as the command wrote them.
  public var output: String
  public var succeeded: Bool { status == .exited(0) }
  /// The last non-empty line, for one-line error messages.
  public var lastLine: String {
    output.split(separator: "\n").last { !$0.allSatisfy(\.isWhitespace) }.map(String.init) ?? "(no output)"
  }
  /// Every non-empty line (the last 20 where there are more), trimmed and joined with " | ":
  /// a runtime's error is often several lines whose first says which layer failed.
  public var wholeOutput: String {
    let lines = output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    return lines.isEmpty ? "(no output)" : lines.suffix(20).joined(separator: " | ")
  }
}

/// Runs short helper commands (`llama-server --version`, `podman inspect`, …) to
/// completion and captures their output through a temporary file, with the same
/// spawn rules as the servers (own process group, no inherited descriptors).
public struct CommandRunner: Sendable {
  public var environment: [String: String]

  public init(environment: [String: String]) {
    self.environment = environment
  }

  /// Runs `arguments` and waits up to `timeoutSeconds`; nil when it could not
  /// start or ran past the timeout (it is killed then).
  public func run(_ arguments: [String], timeoutSeconds: Double = 60) async -> CommandResult? {
    guard let capture = Capture(arguments, environment: environment) else { return nil }
    defer { capture.discard() }
    let deadline = MonotonicClock.seconds() + timeoutSeconds
    while true {
      if let result = capture.finished() { return result }
      if MonotonicClock.seconds() > deadline {
        _ = await capture.child.terminate(graceSeconds: 1)
        return nil
      }
      // A cancelled task must still wait for a stop or remove command to finish.
      if Task.isCancelled { usleep(5_000) } else { try? await Task.sleep(nanoseconds: 5_000_000) }
    }
  }

  /// The same without suspending, for the emergency path just before `exit`.
  public func runBlocking(_ arguments: [String], timeoutSeconds: Double = 30) -> CommandResult? {
    guard let capture = Capture(arguments, environment: environment) else { return nil }
    defer { capture.discard() }
    let deadline = MonotonicClock.seconds() + timeoutSeconds
    while true {
      if let result = capture.finished() { return result }
      if MonotonicClock.seconds() > deadline {
        capture.child.send(SIGKILL)
        _ = waitpid(capture.child.pid, nil, 0)
        return nil
      }
      usleep(5_000)
    }
  }

  /// A started command and the file its output goes to.
  private struct Capture {
    let child: ChildProcess
    let output: String

    init?(_ arguments: [String], environment: [String: String]) {
      output = TemporaryDirectory.path(environment: environment) + "/strata-cmd-\(UUID().uuidString).log"
      guard let child = try? ChildProcess.spawn(arguments: arguments, environment: environment, logPath: output)
      else { return nil }
      self.child = child
    }

    /// The result once the command has ended, else nil.
    func finished() -> CommandResult? {
      child.pollExit().map {
        CommandResult(status: $0, output: (try? String(contentsOfFile: output, encoding: .utf8)) ?? "")
      }
    }

    func discard() { unlink(output) }
  }
}
