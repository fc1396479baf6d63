import Foundation
import Synchronization

/// Device-wide NVIDIA readings from `nvidia-smi --query-gpu … --format=csv,noheader,nounits`,
/// the fallback when NVML cannot be loaded.
///
/// Each sample starts one process (tens of milliseconds of CPU), so prefer `NVMLSampler`
/// at high rates. Figures and units are those of `NvidiaSMI.parseRows(csv:)`.
public struct NvidiaSMISampler: DeviceSampler {
  /// "nvidia-smi".
  public let name = "nvidia-smi"
  /// A bare name is looked up in `searchPath`; a name containing "/" is used as is.
  public let executable: String
  /// Longest time one invocation may take before it is killed, in seconds.
  public let timeoutSeconds: Double
  /// Colon-separated directories searched for a bare `executable` (the host's `PATH`).
  public let searchPath: String

  /// Creates a sampler; nothing runs until `status()` or `sampleDevices()`.
  ///
  /// - Parameters:
  ///   - executable: "nvidia-smi", or a path to it (tests point this at a stand-in script).
  ///   - timeoutSeconds: per invocation, 5 s by default.
  ///   - searchPath: directories for a bare name: the `PATH` of the host context.
  public init(executable: String = "nvidia-smi", timeoutSeconds: Double = 5, searchPath: String) {
    self.executable = executable
    self.timeoutSeconds = timeoutSeconds
    self.searchPath = searchPath
  }

  /// Available when the executable exists and one query succeeds with at least one GPU row.
  public func status() -> SamplerStatus {
    do {
      let rows = try query()
      if rows.isEmpty { return SamplerStatus(sampler: name, available: false, reason: "\(executable) lists no GPU") }
      return SamplerStatus(sampler: name, available: true)
    } catch {
      return SamplerStatus(sampler: name, available: false, reason: error.message)
    }
  }

  /// One reading of every GPU nvidia-smi lists.
  ///
  /// - Throws: `SamplerError` when the executable is missing, times out, exits non-zero, or
  ///   prints no GPU row.
  public func sampleDevices() throws -> [DeviceSample] {
    let rows = try query()
    guard !rows.isEmpty else { throw SamplerError(sampler: name, message: "\(executable) printed no GPU row") }
    return rows.map(\.sample)
  }

  /// The full path of `executable`, or nil when it is not an executable file.
  public func resolvedExecutable() -> String? {
    if executable.contains("/") { return access(executable, X_OK) == 0 ? executable : nil }
    for directory in searchPath.split(separator: ":") where !directory.isEmpty {
      let candidate = "\(directory)/\(executable)"
      if access(candidate, X_OK) == 0 { return candidate }
    }
    return nil
  }

  private func query() throws(SamplerError) -> [NvidiaSMI.Row] {
    guard let path = resolvedExecutable() else {
      throw SamplerError(sampler: name, message: "\(executable) not found: no NVIDIA driver on this host")
    }
    let result: NvidiaSMIProcess.Result
    do {
      result = try NvidiaSMIProcess.run(path, arguments: NvidiaSMI.arguments, timeoutSeconds: timeoutSeconds)
    } catch {
      throw SamplerError(sampler: name, message: "\(path) did not run: \(error)")
    }
    if result.timedOut {
      throw SamplerError(sampler: name, message: "\(path) took longer than \(timeoutSeconds) s and was killed")
    }
    guard result.exitStatus == 0 else {
      let detail = (result.stdout + "\n" + result.stderr).split(whereSeparator: \.isNewline).first ?? ""
      throw SamplerError(sampler: name, message: "\(path) exited with status \(result.exitStatus): \(detail)")
    }
    return NvidiaSMI.parseRows(csv: result.stdout)
  }
}

/// Runs a program from an argument array (no shell) with a deadline, draining stdout and
/// stderr concurrently and keeping at most `outputLimitBytes` of each.
enum NvidiaSMIProcess {
  /// Exit status and captured output of one run.
  struct Result {
    var exitStatus: Int32
    var stdout: String
    var stderr: String
    var timedOut: Bool
  }

  /// Bytes kept per stream; the rest is read and dropped so the child never blocks on a full pipe.
  static let outputLimitBytes = 1 << 20

  static func run(_ path: String, arguments: [String], timeoutSeconds: Double) throws -> Result {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    process.standardInput = FileHandle.nullDevice
    let stdoutPipe = Pipe()
    let stderrPipe = Pipe()
    process.standardOutput = stdoutPipe
    process.standardError = stderrPipe
    let exited = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in exited.signal() }

    let drained = DispatchGroup()
    let stdoutData = NvidiaSMIOutput()
    let stderrData = NvidiaSMIOutput()
    // Dedicated threads, not the global queue: Dispatch caps its workers near the core count,
    // and blocked readers queued behind other work would miss the deadline.
    for (pipe, sink) in [(stdoutPipe, stdoutData), (stderrPipe, stderrData)] {
      let reader = pipe.fileHandleForReading
      drained.enter()
      Thread.detachNewThread {
        sink.drain(reader, limit: outputLimitBytes)
        drained.leave()
      }
    }
    do {
      try process.run()
    } catch {
      // Unblock the readers: nothing else holds the write ends.
      try? stdoutPipe.fileHandleForWriting.close()
      try? stderrPipe.fileHandleForWriting.close()
      throw error
    }
    // The child holds its own copies; closing ours lets the readers see end-of-file.
    try? stdoutPipe.fileHandleForWriting.close()
    try? stderrPipe.fileHandleForWriting.close()

    var timedOut = false
    if exited.wait(timeout: .now() + timeoutSeconds) == .timedOut {
      timedOut = true
      process.terminate()
      if exited.wait(timeout: .now() + 1) == .timedOut {
        kill(process.processIdentifier, SIGKILL)
        _ = exited.wait(timeout: .now() + 1)
      }
    }
    // A grandchild could keep a pipe open; do not wait on it past a second.
    _ = drained.wait(timeout: .now() + 1)
    return Result(
      exitStatus: process.isRunning ? -1 : process.terminationStatus,
      stdout: stdoutData.text, stderr: stderrData.text, timedOut: timedOut)
  }
}

/// Output read from one pipe, shared between the reading thread and the caller.
private final class NvidiaSMIOutput: Sendable {
  private let data = Mutex(Data())

  /// Reads `handle` to end-of-file, keeping the first `limit` bytes.
  func drain(_ handle: FileHandle, limit: Int) {
    while true {
      let chunk = handle.availableData
      if chunk.isEmpty { return }
      data.withLock { kept in
        if kept.count < limit { kept.append(chunk.prefix(limit - kept.count)) }
      }
    }
  }

  /// The kept bytes as UTF-8 text (invalid sequences replaced).
  var text: String { data.withLock { String(decoding: $0, as: UTF8.self) } }
}
