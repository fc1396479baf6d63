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
  /// The kernel refused a network namespace, with and without a user namespace.
  /// Code is never run with the network reachable, so this stops the task.
  case networkIsolationUnavailable(directErrno: Int32, userNamespaceErrno: Int32)
  /// The interpreter cannot be executed by ``CodeSandbox/runAs`` (it lives in a
  /// directory only strata's user may enter, as a pyenv under /root does).
  case interpreterNotAccessible(path: String, uid: UInt32)
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
    case .networkIsolationUnavailable(let direct, let user):
      return """
        code tasks need a private network namespace and the kernel refused both ways: \
        unshare(CLONE_NEWNET) failed (\(Self.text(direct))) and unshare(CLONE_NEWUSER|CLONE_NEWNET) \
        failed (\(Self.text(user))). Run strata as root, or enable unprivileged user namespaces \
        (sysctl user.max_user_namespaces=10000; on Debian also kernel.unprivileged_userns_clone=1; \
        on Ubuntu 24.04 and later kernel.apparmor_restrict_unprivileged_userns=0); inside a container, \
        allow unshare (--cap-add SYS_ADMIN or a seccomp profile that permits it); or leave code tasks \
        out of the matrix. Generated code is never run with the network reachable.
        """
    case .interpreterNotAccessible(let path, let uid):
      return
        "\(path) cannot be executed by uid \(uid), the user the sandbox runs code as; set the sandbox's python to an interpreter every user can run (a system python3), or drop runAs"
    case .workspaceFailed(let path, let code):
      return
        "could not prepare the sandbox directory \(path): \(Self.text(code)); check that the scratch directory exists and is writable"
    case .spawnFailed(let step, let code):
      return "could not start the sandboxed program (\(step) failed: \(Self.text(code)))"
    case .probeFailed(let outcome, let stderr):
      return "the sandbox probe (`pass`) did not pass: \(outcome); its stderr ends with: \(stderr.suffix(400))"
    case .cancelled:
      return "the sandboxed run was cancelled and its processes killed"
    }
  }

  /// The error for a failed `strata_sandbox_spawn`, by the step that failed.
  static func spawn(stage: Int32, errno code: Int32, firstErrno: Int32) -> SandboxError {
    switch UInt32(bitPattern: stage) {
    case STRATA_SANDBOX_STAGE_UNSHARE.rawValue:
      .networkIsolationUnavailable(directErrno: firstErrno, userNamespaceErrno: code)
    case STRATA_SANDBOX_STAGE_FORK.rawValue: .spawnFailed(step: "fork", errno: code)
    case STRATA_SANDBOX_STAGE_SETPGID.rawValue: .spawnFailed(step: "setpgid", errno: code)
    case STRATA_SANDBOX_STAGE_RLIMIT.rawValue: .spawnFailed(step: "setrlimit", errno: code)
    case STRATA_SANDBOX_STAGE_IDENTITY.rawValue: .spawnFailed(step: "switching user (setresuid)", errno: code)
    case STRATA_SANDBOX_STAGE_CHDIR.rawValue: .spawnFailed(step: "chdir", errno: code)
    case STRATA_SANDBOX_STAGE_DUP2.rawValue: .spawnFailed(step: "dup2", errno: code)
    default: .spawnFailed(step: "execve", errno: code)
    }
  }

  private static func text(_ code: Int32) -> String { String(cString: strerror(code)) }
}
