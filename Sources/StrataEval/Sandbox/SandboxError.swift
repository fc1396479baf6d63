import CStrataSys

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Why generated code could not be run. A program that runs and fails is not an
/// error but a ``SandboxOutcome``.
public enum SandboxError: Error, Sendable, Hashable, CustomStringConvertible {
  /// No Python interpreter under the configured name.
  case pythonNotFound(command: String, searchPath: String)
  /// A program the sandbox is built from is not installed.
  case toolNotFound(name: String, package: String, searchPath: String)
  /// The interpreter could not say where it lives (it failed to start, or hung).
  case interpreterFailed(path: String, detail: String)
  /// bubblewrap refused to build the sandbox (its own message, `bwrap: …`):
  /// typically a kernel that forbids the namespaces it needs.
  case bubblewrapFailed(message: String)
  /// The throwaway directory or its files could not be made.
  case workspaceFailed(path: String, errno: Int32)
  /// Another step of starting the program failed.
  case spawnFailed(step: String, errno: Int32)
  /// The probe program of ``CodeSandbox/status()`` did not pass.
  case probeFailed(outcome: String, stderrTail: String)
  /// The task running the program was cancelled; the program was killed.
  case cancelled

  public var description: String {
    switch self {
    case .pythonNotFound(let command, let searchPath):
      return command.contains("/")
        ? "\(command) is not an executable file; install Python 3 or point the sandbox's python setting at one"
        : "no \(command) in PATH (\(searchPath)); install Python 3 (apt-get install python3) or set the sandbox's python to an absolute path"
    case .toolNotFound(let name, let package, let searchPath):
      return
        "\(name) is not in PATH (\(searchPath)); the code sandbox needs it: apt-get install \(package) (or leave code tasks out of the matrix)"
    case .interpreterFailed(let path, let detail):
      return
        "\(path) could not report its sys.executable and prefix (\(detail)); point the sandbox's python at a working Python 3"
    case .bubblewrapFailed(let message):
      return """
        bubblewrap could not build the sandbox: \(message). As root this needs mount, PID and network \
        namespaces (inside a container: --cap-add SYS_ADMIN or --privileged); as another user it needs \
        unprivileged user namespaces (sysctl user.max_user_namespaces=10000; on Debian also \
        kernel.unprivileged_userns_clone=1; on Ubuntu 24.04 and later an AppArmor profile for bwrap or \
        kernel.apparmor_restrict_unprivileged_userns=0); or leave code tasks out of the matrix. \
        Generated code is never run outside the sandbox.
        """
    case .workspaceFailed(let path, let code):
      return
        "could not prepare the sandbox directory \(path): \(Self.text(code)); check that the scratch directory exists and is writable"
    case .spawnFailed(let step, let code):
      return "could not start the sandboxed program (\(step) failed: \(Self.text(code)))"
    case .probeFailed(let outcome, let stderr):
      return
        "the sandbox probe (print sys.executable) did not pass: \(outcome); its stderr ends with: \(stderr.suffix(400))"
    case .cancelled:
      return "the sandboxed run was cancelled and its processes killed"
    }
  }

  /// The error for a failed `strata_sandbox_spawn`, by the step that failed.
  static func spawn(stage: Int32, errno code: Int32) -> SandboxError {
    switch UInt32(bitPattern: stage) {
    case STRATA_SANDBOX_STAGE_FORK.rawValue: .spawnFailed(step: "fork", errno: code)
    case STRATA_SANDBOX_STAGE_SETPGID.rawValue: .spawnFailed(step: "setpgid", errno: code)
    case STRATA_SANDBOX_STAGE_RLIMIT.rawValue: .spawnFailed(step: "setrlimit", errno: code)
    case STRATA_SANDBOX_STAGE_CHDIR.rawValue: .spawnFailed(step: "chdir", errno: code)
    case STRATA_SANDBOX_STAGE_DUP2.rawValue: .spawnFailed(step: "dup2", errno: code)
    default: .spawnFailed(step: "execve", errno: code)
    }
  }

  private static func text(_ code: Int32) -> String { String(cString: strerror(code)) }
}
