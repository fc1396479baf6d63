import CStrataSys
import StrataClient

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A child process started from an argument array, with its output in a file.
///
/// Started with `posix_spawn` rather than Foundation's `Process` for three
/// reasons: the child gets its own process group (a Ctrl-C in strata's terminal
/// reaches strata, which then stops the server in order, not the server first);
/// signal dispositions are reset to default (strata ignores SIGINT to handle it
/// itself, and ignored signals survive `exec`); and stdout and stderr go straight
/// to the log file, so no pipe can fill up and block the server.
public struct ChildProcess: Sendable {
  public let pid: pid_t
  public let arguments: [String]

  /// Spawns `arguments[0]` (an absolute path) with `environment`, stdin from
  /// /dev/null and both output streams appended to `logPath`.
  public static func spawn(
    arguments: [String], environment: [String: String], logPath: String
  ) throws(ProcessError) -> ChildProcess {
    guard let executable = arguments.first else { throw .spawnFailed(path: "", errno: EINVAL) }
    // A bare name ("llama-server") is looked up in PATH, as a shell would.
    let searchPath = !executable.contains("/")
    guard searchPath || access(executable, X_OK) == 0 else { throw .notExecutable(path: executable) }

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    // Nothing else of strata's leaks into a server that may outlive a cell:
    // database files, sockets, a file another thread is writing.
    strata_spawn_file_actions_addclosefrom(&actions, 3)

    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for signal in [SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT] { sigaddset(&defaults, signal) }
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    var emptyMask = sigset_t()
    sigemptyset(&emptyMask)
    posix_spawnattr_setsigmask(&attributes, &emptyMask)
    posix_spawnattr_setpgroup(&attributes, 0)
    posix_spawnattr_setflags(
      &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

    let argv = arguments.map { strdup($0) } + [nil]
    let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
      argv.forEach { free($0) }
      envp.forEach { free($0) }
    }
    var pid: pid_t = 0
    func spawnOnce() -> Int32 {
      searchPath
        ? posix_spawnp(&pid, executable, &actions, &attributes, argv, envp)
        : posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
    }
    var status = spawnOnce()
    // ETXTBSY: a just-written executable can still be open for writing in a
    // child another thread is forking; it clears as soon as that child execs.
    for _ in 0..<20 where status == ETXTBSY {
      usleep(10_000)
      status = spawnOnce()
    }
    guard status == 0 else {
      throw status == ENOENT ? .notExecutable(path: executable) : .spawnFailed(path: executable, errno: status)
    }
    return ChildProcess(pid: pid, arguments: arguments)
  }

  /// Non-blocking check: the exit status once the child has ended (and is reaped), else nil.
  public func pollExit() -> ChildExit? {
    var status: Int32 = 0
    while true {
      let result = waitpid(pid, &status, WNOHANG)
      if result == pid { return ChildExit(waitStatus: status) }
      if result == -1 && errno == EINTR { continue }
      if result == -1 && errno == ECHILD { return .unknown }
      return nil
    }
  }

  /// Sends a signal to the child; false when it no longer exists.
  @discardableResult
  public func send(_ signal: Int32) -> Bool { kill(pid, signal) == 0 }

  /// Stops the child: SIGTERM, up to `graceSeconds` for it to exit, then SIGKILL.
  /// Always reaps, so no zombie is left behind.
  public func terminate(graceSeconds: Double) async -> ChildExit {
    if let status = pollExit() { return status }
    send(SIGTERM)
    let deadline = MonotonicClock.seconds() + graceSeconds
    while MonotonicClock.seconds() < deadline {
      if let status = pollExit() { return status }
      // A cancelled task's sleep returns at once; stopping must still wait.
      if Task.isCancelled {
        usleep(20_000)
      } else {
        try? await Task.sleep(nanoseconds: 20_000_000)
      }
    }
    send(SIGKILL)
    while true {
      if let status = pollExit() { return status }
      usleep(5_000)
    }
  }
}

/// How a child ended.
public enum ChildExit: Sendable, Hashable, CustomStringConvertible {
  case exited(Int32)
  case signalled(Int32)
  case unknown

  init(waitStatus status: Int32) {
    let low = status & 0x7f
    if low == 0 {
      self = .exited((status >> 8) & 0xff)
    } else {
      self = .signalled(low)
    }
  }

  public var description: String {
    switch self {
    case .exited(let code): "exit status \(code)"
    case .signalled(let signal): "killed by signal \(signal)"
    case .unknown: "unknown exit status (already reaped)"
    }
  }
}

/// Failures to start a child process.
public enum ProcessError: Error, Sendable, CustomStringConvertible {
  case notExecutable(path: String)
  case spawnFailed(path: String, errno: Int32)

  public var description: String {
    switch self {
    case .notExecutable(let path):
      "\(path) does not exist or is not executable; run scripts/setup (or scripts/build-engines) to build the engine, or fix `binary:` in the engine file"
    case .spawnFailed(let path, let code):
      "could not start \(path): \(String(cString: strerror(code)))"
    }
  }
}
