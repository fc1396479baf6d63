import Foundation
import StrataClient
import StrataEngine
import StrataStore

/// Why a cell failed, classified, with what the operator needs to see in the morning.
struct CellFailure: Error, Sendable, CustomStringConvertible {
  var kind: FailureKind
  var message: String
  /// The last lines of the server's log, when the server is the likely cause.
  var logTail: String?

  var description: String { message }

  /// Whether the server can serve the group's next cell: a hung or dead one is replaced.
  var endsServer: Bool { kind == .timeout || kind == .serverDied || kind == .outOfMemory }
}

/// Sorts errors into failure kinds from what they say and what the server's log says.
enum FailureClassifier {
  /// What llama.cpp and its backends print when an allocation fails: ggml's own
  /// messages, CUDA/HIP (`cudaMalloc failed: out of memory`), Vulkan
  /// (`ErrorOutOfDeviceMemory`), and the C++ runtime.
  static let outOfMemoryMarkers = [
    "out of memory", "outofdevicememory", "outofhostmemory", "failed to allocate", "unable to allocate",
    "cannot allocate memory", "std::bad_alloc", "cudamalloc failed", "hipmalloc failed",
    "error_out_of_device_memory", "insufficient memory",
  ]

  /// The log lines that show a failed allocation, if any.
  static func outOfMemoryLines(_ log: String) -> [String] {
    log.split(separator: "\n").map(String.init).filter { line in
      let lower = line.lowercased()
      return outOfMemoryMarkers.contains { lower.contains($0) }
    }
  }

  /// A failure mid-cell. `exited` says whether the server process is gone.
  static func duringCell(_ error: any Error, serverExited: Bool, log: () -> String) -> CellFailure {
    if let failure = error as? CellFailure { return failure }
    if serverExited {
      let tail = log()
      let oom = outOfMemoryLines(tail)
      if !oom.isEmpty {
        return CellFailure(
          kind: .outOfMemory, message: "out of memory mid-cell: \(oom.suffix(3).joined(separator: " | "))",
          logTail: tail)
      }
      return CellFailure(kind: .serverDied, message: "server died mid-cell: \(error)", logTail: tail)
    }
    if case .stalled? = error as? HTTPClientError {
      return CellFailure(kind: .timeout, message: "\(error)", logTail: log())
    }
    return CellFailure(kind: .error, message: "\(error)", logTail: nil)
  }

  /// A server that never became ready.
  static func duringLoad(_ error: any Error, log: () -> String) -> CellFailure {
    let tail = log()
    let oom = outOfMemoryLines(tail)
    if !oom.isEmpty {
      return CellFailure(
        kind: .outOfMemory,
        message: "out of memory while loading: \(oom.suffix(3).joined(separator: " | "))\n\(error)", logTail: tail)
    }
    if case .exitedDuringLoad(_, .signalled(SIGKILL), _, _)? = error as? SupervisorError {
      // strata sends SIGKILL only after SIGTERM at stop, never during a load.
      return CellFailure(
        kind: .outOfMemory,
        message:
          "killed by SIGKILL while loading, which strata did not send: most often the kernel's OOM killer (`journalctl -k | grep -i oom` says)\n\(error)",
        logTail: tail)
    }
    return CellFailure(kind: .loadFailed, message: "\(error)", logTail: tail)
  }

  /// Adds how the server ended to a failure that ended it.
  static func withExit(_ failure: CellFailure, _ exit: ChildExit?) -> CellFailure {
    guard failure.endsServer, let exit else { return failure }
    var result = failure
    if failure.kind == .serverDied, case .signalled(SIGKILL) = exit {
      result.kind = .outOfMemory
      result.message += " (killed by SIGKILL, which strata did not send: most often the kernel's OOM killer)"
    }
    result.message += "; server exit: \(exit)"
    return result
  }
}
