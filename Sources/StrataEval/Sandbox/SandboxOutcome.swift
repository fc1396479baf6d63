#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// How the sandboxed process ended, as `wait` reported it.
public enum SandboxExit: Sendable, Hashable, Codable, CustomStringConvertible {
  case exited(Int32)
  case signalled(Int32)

  init(waitStatus status: Int32) {
    let signal = status & 0x7f
    self = signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
  }

  /// The program's ending as bubblewrap reports it: bubblewrap exits with the
  /// program's status, or 128 + the signal that killed it, the shell's way. A
  /// program that itself exits with 129…192 reads as signalled; neither passes.
  init(bubblewrapWaitStatus status: Int32) {
    switch SandboxExit(waitStatus: status) {
    case .exited(let code) where code > 128 && code <= 128 + 64: self = .signalled(code - 128)
    case let other: self = other
    }
  }

  public var description: String {
    switch self {
    case .exited(let code): "exit status \(code)"
    case .signalled(let signal): "killed by signal \(signal)"
    }
  }
}

/// Which limit stopped a program that ran too long.
public enum SandboxTimeLimit: String, Sendable, Hashable, Codable {
  case wallClock
  case cpuTime
}

/// Why a program that did not pass crashed.
public enum SandboxCrash: Sendable, Hashable, Codable, CustomStringConvertible {
  /// An uncaught exception other than the classified ones, by its class name.
  case exception(String)
  /// A non-zero exit with no traceback (e.g. `sys.exit(3)`).
  case exit(Int32)
  /// A signal strata did not send (SIGSEGV from a C extension, an outside SIGKILL).
  case signal(Int32)

  public var description: String {
    switch self {
    case .exception(let name): name
    case .exit(let code): "exit status \(code)"
    case .signal(let signal): "signal \(signal)"
    }
  }
}

/// The verdict on one program.
public enum SandboxOutcomeKind: Sendable, Hashable, Codable, CustomStringConvertible {
  case passed
  /// SyntaxError, IndentationError or TabError: the completion is not valid Python.
  case syntaxError
  /// An `assert` of the tests failed: valid code, wrong answer.
  case assertionFailed
  case timeout(SandboxTimeLimit)
  /// MemoryError: the program asked for more than the memory limit.
  case memoryExceeded
  /// Exit status 0 without the completion marker: the program left before its
  /// tests finished (`sys.exit()`, `exit()`, `quit()`, `os._exit(0)`).
  case exitedBeforeTests
  case crashed(SandboxCrash)

  public var description: String {
    switch self {
    case .passed: "passed"
    case .syntaxError: "syntax error"
    case .assertionFailed: "assertion failed"
    case .timeout(.wallClock): "timeout (wall clock)"
    case .timeout(.cpuTime): "timeout (CPU time)"
    case .memoryExceeded: "memory limit exceeded"
    case .exitedBeforeTests: "exited before its tests finished"
    case .crashed(let crash): "crashed: \(crash)"
    }
  }
}

/// What one sandboxed run produced.
public struct SandboxOutcome: Sendable, Hashable, Codable {
  public var kind: SandboxOutcomeKind
  public var exit: SandboxExit
  public var wallSeconds: Double
  /// User plus system CPU time of the program and the children it waited for.
  public var cpuSeconds: Double
  /// The last ``SandboxLimits/outputTailBytes`` of each stream, decoded as UTF-8 with repairs.
  public var stdoutTail: String
  public var stderrTail: String
  /// Who the program ran as.
  public var identity: SandboxIdentity

  public var passed: Bool { kind == .passed }
}

/// Turns an exit status and Python's traceback into a verdict. Pure, so the table
/// of cases is tested without running anything.
public enum SandboxOutcomeClassifier {
  /// `stoppedAtWallLimit`: strata killed the group because the wall clock ran out.
  /// `cpuLimitSeconds`: the RLIMIT_CPU in force, to tell its SIGKILL from another's.
  /// `completed`: the completion marker appeared (``SandboxCompletionMarker``).
  public static func classify(
    exit: SandboxExit, stoppedAtWallLimit: Bool, cpuSeconds: Double, cpuLimitSeconds: Int?, stderr: String,
    completed: Bool
  ) -> SandboxOutcomeKind {
    if stoppedAtWallLimit { return .timeout(.wallClock) }
    switch exit {
    case .exited(0):
      return completed ? .passed : .exitedBeforeTests
    case .signalled(SIGXCPU):
      return .timeout(.cpuTime)
    case .signalled(SIGKILL) where cpuLimitSeconds.map { cpuSeconds >= Double($0) } ?? false:
      // The hard CPU limit's SIGKILL, for a program that caught SIGXCPU.
      return .timeout(.cpuTime)
    case .signalled(let signal):
      return .crashed(.signal(signal))
    case .exited(let code):
      guard let name = exceptionName(stderr: stderr) else { return .crashed(.exit(code)) }
      switch name.split(separator: ".").last.map(String.init) ?? name {
      case "SyntaxError", "IndentationError", "TabError": return .syntaxError
      case "AssertionError": return .assertionFailed
      case "MemoryError": return .memoryExceeded
      default: return .crashed(.exception(name))
      }
    }
  }

  /// The class of the exception Python reported last: the last non-empty line of
  /// a traceback reads `Name: message` or just `Name` (a bare `assert`). A syntax
  /// error in the main file has no "Traceback" header, only the `File …` lines.
  public static func exceptionName(stderr: String) -> String? {
    guard let last = stderr.split(whereSeparator: \.isNewline).last(where: { !$0.allSatisfy(\.isWhitespace) })
    else { return nil }
    let name = last.prefix { $0 != ":" }
    guard !name.isEmpty, name.first.map({ $0.isLetter || $0 == "_" }) == true,
      name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." })
    else { return nil }
    // A traceback or a syntax-error report precedes the line; plain output does not.
    guard stderr.contains("Traceback (most recent call last)") || stderr.contains("  File \"") else { return nil }
    return String(name)
  }
}
