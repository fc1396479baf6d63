import Foundation
import StrataClient

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Runs generated Python against its tests, away from the network and within limits.
///
/// Each run gets a fresh directory (removed afterwards), a minimal environment,
/// its own process group (killed as a whole when the run ends, on time or not),
/// CPU, memory, file-size and descriptor limits, and a private network namespace.
/// If no network namespace can be made the run is refused, never done with the
/// network reachable.
///
/// What it does not isolate: the filesystem (the program can read what strata's
/// user can, and write there too unless ``runAs`` names another user), and a
/// process that leaves the group with setsid escapes the group kill (RLIMIT_CPU
/// still ends it if it computes; a pid namespace or cgroup would end a sleeper).
public struct CodeSandbox: Sendable {
  /// The interpreter: a name looked up in the host's PATH, or an absolute path.
  public var python: String
  public var limits: SandboxLimits
  /// Run the program as this user (root only); nil keeps strata's own.
  public var runAs: SandboxUser?
  /// The host's environment; only its PATH is read, to find ``python``. Nothing of
  /// it reaches the program.
  public var hostEnvironment: [String: String]
  /// Where the throwaway directories are made.
  public var scratchDirectory: String

  public init(
    python: String = "python3", limits: SandboxLimits = SandboxLimits(), runAs: SandboxUser? = nil,
    hostEnvironment: [String: String] = ProcessInfo.processInfo.environment,
    scratchDirectory: String = FileManager.default.temporaryDirectory.path
  ) {
    self.python = python
    self.limits = limits
    self.runAs = runAs
    self.hostEnvironment = hostEnvironment
    self.scratchDirectory = scratchDirectory
  }

  /// The interpreter's absolute path.
  public func resolvePython() throws(SandboxError) -> String {
    let searchPath = hostEnvironment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    if python.contains("/") {
      guard Self.isExecutableFile(python) else { throw .pythonNotFound(command: python, searchPath: searchPath) }
      return python
    }
    for directory in searchPath.split(separator: ":") where !directory.isEmpty {
      let candidate = "\(directory)/\(python)"
      if Self.isExecutableFile(candidate) { return candidate }
    }
    throw .pythonNotFound(command: python, searchPath: searchPath)
  }

  /// The environment the program sees, and nothing else: no proxies, no
  /// credentials, no PYTHONPATH. A fixed hash seed keeps set and dict orders,
  /// and so the printed output, the same on every run.
  public func environment(pythonPath: String, workDirectory: String) -> [String: String] {
    let pythonDirectory = (pythonPath as NSString).deletingLastPathComponent
    var path = [pythonDirectory]
    for directory in ["/usr/local/bin", "/usr/bin", "/bin"] where !path.contains(directory) { path.append(directory) }
    return [
      "PATH": path.joined(separator: ":"), "HOME": workDirectory, "TMPDIR": workDirectory,
      "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0", "PYTHONIOENCODING": "utf-8", "LANG": "C.UTF-8",
    ]
  }

  /// Runs `program` to its end or its limits and classifies how it ended.
  /// Throws only when the program could not be run at all; cancelling the task
  /// kills the program and throws ``SandboxError/cancelled``.
  public func run(_ program: SandboxProgram) async throws(SandboxError) -> SandboxOutcome {
    if Task.isCancelled { throw .cancelled }
    let pythonPath = try resolvePython()
    let workspace = try SandboxWorkspace.create(under: scratchDirectory, source: program.source, owner: runAs)
    defer { workspace.remove() }

    let start = MonotonicClock.seconds()
    let process: SandboxProcess
    do {
      process = try SandboxProcess.spawn(
        executable: pythonPath, arguments: ["-B", workspace.program],
        environment: environment(pythonPath: pythonPath, workDirectory: workspace.work), workspace: workspace,
        limits: limits, user: runAs)
    } catch .spawnFailed(step: "execve", errno: EACCES) where runAs != nil {
      throw .interpreterNotAccessible(path: pythonPath, uid: runAs?.uid ?? 0)
    }
    // Whatever happens below, nothing of the program outlives the run.
    defer { process.killGroup() }

    let deadline = start + limits.wallSeconds
    var stoppedAtWallLimit = false
    var ending: SandboxProcess.Ending
    while true {
      if let ended = process.poll() {
        ending = ended
        break
      }
      if Task.isCancelled {
        process.killGroup()
        _ = process.wait()
        throw .cancelled
      }
      if MonotonicClock.seconds() >= deadline {
        stoppedAtWallLimit = true
        process.killGroup()
        ending = process.wait()
        break
      }
      try? await Task.sleep(nanoseconds: 5_000_000)
    }
    let wallSeconds = MonotonicClock.seconds() - start
    // The leader is gone; its children may not be. The group id stays reserved
    // while any member lives, so this cannot hit an unrelated process.
    process.killGroup()

    let stderrTail = Self.tail(of: workspace.stderrPath, bytes: limits.outputTailBytes)
    let kind = SandboxOutcomeClassifier.classify(
      exit: ending.exit, stoppedAtWallLimit: stoppedAtWallLimit, cpuSeconds: ending.cpuSeconds,
      cpuLimitSeconds: limits.cpuSeconds, stderr: stderrTail)
    return SandboxOutcome(
      kind: kind, exit: ending.exit, wallSeconds: wallSeconds, cpuSeconds: ending.cpuSeconds,
      stdoutTail: Self.tail(of: workspace.stdoutPath, bytes: limits.outputTailBytes), stderrTail: stderrTail,
      isolation: process.isolation)
  }

  /// Whether code can be run here: finds the interpreter and runs a probe through
  /// the whole sandbox, so a refused namespace shows up before a sweep starts
  /// rather than at its first code task. `ready` names the interpreter the probe
  /// reported as `sys.executable`, which is the real binary behind a shim.
  public func status() async -> SandboxStatus {
    do {
      let pythonPath = try resolvePython()
      var probe = self
      probe.limits.wallSeconds = max(limits.wallSeconds, 10)
      let outcome = try await probe.run(SandboxProgram(source: "import sys\nprint(sys.executable)\n"))
      guard outcome.passed else {
        return .unavailable(.probeFailed(outcome: outcome.kind.description, stderrTail: outcome.stderrTail))
      }
      let reported = outcome.stdoutTail.trimmingCharacters(in: .whitespacesAndNewlines)
      return .ready(python: reported.hasPrefix("/") ? reported : pythonPath, isolation: outcome.isolation)
    } catch {
      return .unavailable(error)
    }
  }

  /// This sandbox with ``python`` pinned to the interpreter ``status()`` found, for
  /// a sweep to use for all its programs: a version-manager shim (pyenv's is a
  /// bash script) costs about half a second per program, the binary a few
  /// milliseconds. Throws the reason when the sandbox is unavailable.
  public func prepared() async throws(SandboxError) -> CodeSandbox {
    switch await status() {
    case .ready(let python, _):
      var pinned = self
      pinned.python = python
      return pinned
    case .unavailable(let error):
      throw error
    }
  }

  private static func isExecutableFile(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG && access(path, X_OK) == 0
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
  case ready(python: String, isolation: NetworkIsolation)
  case unavailable(SandboxError)

  public var description: String {
    switch self {
    case .ready(let python, let isolation): "ready: \(python), isolated by \(isolation.rawValue)"
    case .unavailable(let error): "unavailable: \(error)"
    }
  }
}
