import Foundation
import StrataClient
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Runs generated Python against its tests in a bubblewrap sandbox, within limits.
///
/// Each run gets a fresh directory (removed afterwards), a minimal environment,
/// CPU, memory, file-size, descriptor and process limits, and its own PID,
/// network, mount, IPC and UTS namespaces with a read-only view of the system
/// and nothing of the host's homes, sockets or state (``SandboxCommand`` has the
/// whole policy). As root, the code runs as ``user``, never as root.
///
/// A program passes when it exits with status 0 *and* printed the completion
/// marker that strata appends after the tests (``SandboxCompletionMarker``).
public struct CodeSandbox: Sendable {
  /// The interpreter: a name looked up in the host's PATH, or an absolute path.
  public var python: String
  public var limits: SandboxLimits
  /// The unprivileged user the code runs as when strata runs as root. When strata
  /// is another user, the code keeps that user's uid inside a user namespace.
  public var user: SandboxUser
  /// The host's environment; only its PATH is read (to find python and the
  /// sandbox tools), and the interpreter's location is asked with it. Nothing
  /// of it reaches the program.
  public var hostEnvironment: [String: String]
  /// Where the throwaway directories are made.
  public var scratchDirectory: String
  /// The tools and interpreter ``prepared()`` found, so that runs skip the search.
  var resolved: Resolved?

  struct Resolved: Sendable, Hashable {
    var tools: SandboxTools
    var interpreter: SandboxInterpreter
  }

  public init(
    python: String = "python3", limits: SandboxLimits = SandboxLimits(), user: SandboxUser = .nobody,
    hostEnvironment: [String: String], scratchDirectory: String
  ) {
    self.python = python
    self.limits = limits
    self.user = user
    self.hostEnvironment = hostEnvironment
    self.scratchDirectory = scratchDirectory
  }

  private var searchPath: String { hostEnvironment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin" }

  /// Who the code runs as, given strata's own effective uid.
  public var identity: SandboxIdentity {
    .forCaller(effectiveUID: geteuid(), sandboxUser: user)
  }

  /// The interpreter's absolute path (a shim, maybe; ``prepared()`` finds the binary).
  public func resolvePython() throws(SandboxError) -> String {
    if python.contains("/") {
      guard SandboxTools.isExecutableFile(python) else {
        throw .pythonNotFound(command: python, searchPath: searchPath)
      }
      return python
    }
    guard let found = SandboxTools.which(python, searchPath: searchPath) else {
      throw .pythonNotFound(command: python, searchPath: searchPath)
    }
    return found
  }

  func resolve() throws(SandboxError) -> Resolved {
    if let resolved { return resolved }
    let tools = try SandboxTools.find(searchPath: searchPath)
    let interpreter = try SandboxInterpreter.discover(python: try resolvePython(), environment: hostEnvironment)
    return Resolved(tools: tools, interpreter: interpreter)
  }

  /// The environment the program sees, and nothing else: no proxies, no
  /// credentials, no PYTHONPATH. A fixed hash seed keeps set and dict orders,
  /// and so the printed output, the same on every run.
  public func environment(pythonPath: String) -> [String: String] {
    let pythonDirectory = (pythonPath as NSString).deletingLastPathComponent
    var path = [pythonDirectory]
    for directory in ["/usr/local/bin", "/usr/bin", "/bin"] where !path.contains(directory) { path.append(directory) }
    return [
      "PATH": path.joined(separator: ":"), "HOME": SandboxCommand.workInside, "TMPDIR": "/tmp",
      "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0", "PYTHONIOENCODING": "utf-8", "LANG": "C.UTF-8",
    ]
  }

  /// Runs `program` to its end or its limits and classifies how it ended.
  /// Throws only when the program could not be run at all; cancelling the task
  /// kills the program and throws ``SandboxError/cancelled``.
  public func run(_ program: SandboxProgram) async throws(SandboxError) -> SandboxOutcome {
    try await run(program, confirmingBubblewrapFailures: true)
  }

  /// What looks like bubblewrap's own refusal (status 1, no stdout, one `bwrap: …` line)
  /// can also be a program that wrote that line and exited 1. Only when a trivial program
  /// fails the same way is it bubblewrap's; otherwise it is the program's failure, scored as
  /// such, and the task goes on.
  private func run(
    _ program: SandboxProgram, confirmingBubblewrapFailures confirm: Bool
  ) async throws(SandboxError) -> SandboxOutcome {
    if Task.isCancelled { throw .cancelled }
    let resolved = try resolve()
    let identity = identity
    let marker = SandboxCompletionMarker()
    let owner: SandboxUser? =
      if case .switchTo(let user) = identity { user } else { nil }
    let workspace = try SandboxWorkspace.create(
      under: scratchDirectory, source: program.source + marker.epilogue, owner: owner)
    defer { workspace.remove() }
    let command = SandboxCommand(
      tools: resolved.tools, interpreter: resolved.interpreter, programPath: workspace.program,
      workPath: workspace.work, environment: environment(pythonPath: resolved.interpreter.executable),
      identity: identity, maxProcesses: limits.maxProcesses, topLevel: SandboxHostLayout.topLevel())

    let start = MonotonicClock.seconds()
    let process = try SandboxProcess.spawn(
      executable: resolved.tools.bwrap, arguments: command.arguments, workspace: workspace, limits: limits)
    // Whatever happens below, nothing of the program outlives the run.
    defer { process.killGroup() }

    let watched = await SandboxWatch.until(process, deadline: start + limits.wallSeconds)
    guard case .ended(let ending, let stoppedAtWallLimit) = watched else { throw .cancelled }
    let wallSeconds = MonotonicClock.seconds() - start
    process.killGroup()

    let stdoutTail = Self.tail(of: workspace.stdoutPath, bytes: limits.outputTailBytes)
    let stderrTail = Self.tail(of: workspace.stderrPath, bytes: limits.outputTailBytes)
    if let message = Self.bubblewrapFailure(exit: ending.exit, stdout: stdoutTail, stderr: stderrTail) {
      guard confirm else { throw .bubblewrapFailed(message: message) }
      // Throws .bubblewrapFailed itself when bubblewrap cannot run even that.
      _ = try await run(SandboxProgram(source: "pass\n"), confirmingBubblewrapFailures: false)
    }
    let kind = SandboxOutcomeClassifier.classify(
      exit: ending.exit, stoppedAtWallLimit: stoppedAtWallLimit, cpuSeconds: ending.cpuSeconds,
      cpuLimitSeconds: limits.cpuSeconds, stderr: stderrTail, completed: marker.appears(in: stdoutTail))
    return SandboxOutcome(
      kind: kind, exit: ending.exit, wallSeconds: wallSeconds, cpuSeconds: ending.cpuSeconds,
      stdoutTail: marker.removed(from: stdoutTail), stderrTail: stderrTail, identity: identity)
  }

  /// bubblewrap's own refusal (before the program started): status 1, nothing on
  /// stdout, and one line that bubblewrap wrote, `bwrap: …`.
  static func bubblewrapFailure(exit: SandboxExit, stdout: String, stderr: String) -> String? {
    guard exit == .exited(1), stdout.isEmpty else { return nil }
    let lines = stderr.split(whereSeparator: \.isNewline)
    guard lines.count == 1, lines[0].hasPrefix("bwrap: ") else { return nil }
    return String(lines[0])
  }

  /// Whether code can be run here: finds the tools and the interpreter and runs
  /// a probe through the whole sandbox, so a refused namespace shows up before a
  /// sweep starts rather than at its first code task.
  public func status() async -> SandboxStatus {
    do {
      let prepared = try await prepared()
      return .ready(python: prepared.resolved?.interpreter.executable ?? python, identity: prepared.identity)
    } catch {
      return .unavailable(error)
    }
  }

  /// This sandbox with its tools and interpreter found once and proved by a
  /// probe, for a sweep to use for all its programs: a version-manager shim
  /// (pyenv's is a bash script) costs about half a second per start, the binary
  /// a few milliseconds. Throws the reason when the sandbox is unavailable.
  public func prepared() async throws(SandboxError) -> CodeSandbox {
    var pinned = self
    pinned.resolved = try resolve()
    var probe = pinned
    probe.limits.wallSeconds = max(limits.wallSeconds, 10)
    let outcome = try await probe.run(SandboxProgram(source: "import sys\nprint(sys.executable)\n"))
    guard outcome.passed else {
      throw .probeFailed(outcome: outcome.kind.description, stderrTail: outcome.stderrTail)
    }
    return pinned
  }

  /// The last `bytes` of a file; a character cut in half becomes U+FFFD.
  static func tail(of path: String, bytes: Int) -> String {
    guard let handle = FileHandle(forReadingAtPath: path) else { return "" }
    defer { try? handle.close() }
    let size = (try? handle.seekToEnd()) ?? 0
    try? handle.seek(toOffset: size > UInt64(bytes) ? size - UInt64(bytes) : 0)
    return String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
  }
}

/// Whether the sandbox can run code on this host, and if not, why.
public enum SandboxStatus: Sendable, Hashable, CustomStringConvertible {
  case ready(python: String, identity: SandboxIdentity)
  case unavailable(SandboxError)

  public var description: String {
    switch self {
    case .ready(let python, let identity): "ready: \(python), code runs as \(identity) in bubblewrap"
    case .unavailable(let error): "unavailable: \(error)"
    }
  }
}

/// Waits for a sandboxed program on a thread of its own, not on Swift's cooperative pool:
/// the wall limit is a promise to the operator, and a pool whose few threads other work
/// holds (two on a 2-core machine) once checked it 30 s late.
enum SandboxWatch {
  enum Result: Sendable {
    case ended(SandboxProcess.Ending, stoppedAtWallLimit: Bool)
    case cancelled
  }

  /// The process is polled, killed and reaped by the watching thread only, so the group
  /// is never signalled after the reap (its id may be reused then).
  static func until(_ process: SandboxProcess, deadline: Double) async -> Result {
    let watched = Unchecked(process)
    let cancelled = Mutex(false)
    return await withTaskCancellationHandler {
      await withCheckedContinuation { (continuation: CheckedContinuation<Result, Never>) in
        Thread {
          let process = watched.value
          while true {
            if let ended = process.poll() {
              return continuation.resume(returning: .ended(ended, stoppedAtWallLimit: false))
            }
            if cancelled.withLock({ $0 }) {
              process.killGroup()
              _ = process.wait()
              return continuation.resume(returning: .cancelled)
            }
            if MonotonicClock.seconds() >= deadline {
              process.killGroup()
              return continuation.resume(returning: .ended(process.wait(), stoppedAtWallLimit: true))
            }
            usleep(5_000)
          }
        }.start()
      }
    } onCancel: {
      cancelled.withLock { $0 = true }
    }
  }

  /// The process crosses to the watching thread once, and the caller leaves it alone until
  /// the watch returns.
  private struct Unchecked<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
  }
}
