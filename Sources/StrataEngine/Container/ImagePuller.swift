import Foundation
import StrataClient
import StrataConfig

/// `<runtime> pull`, with the runtime's own progress lines handed on as they come.
public struct ImagePuller: Sendable {
  public var environment: [String: String]
  public var timeoutSeconds: Double

  public init(environment: [String: String], timeoutSeconds: Double = 3600) {
    self.environment = environment
    self.timeoutSeconds = timeoutSeconds
  }

  /// Pulls the engine's image; nil on success, else the runtime's last words.
  public func pull(_ engine: EngineSpec, progress: (String) -> Void) async -> String? {
    guard let spec = engine.container, let runtime = ContainerRuntime.resolve(spec.runtime, path: environment["PATH"])
    else { return "no container runtime" }
    let log = TemporaryDirectory.path(environment: environment) + "/strata-pull-\(UUID().uuidString).log"
    defer { unlink(log) }
    let command = ContainerCommand(runtime: runtime).pull(spec.image)
    guard let child = try? ChildProcess.spawn(arguments: command, environment: environment, logPath: log) else {
      return "could not start \(command.joined(separator: " "))"
    }
    let started = MonotonicClock.seconds()
    var shown = ""
    while true {
      let last = LogTail.read(log, lines: 1).trimmingCharacters(in: .whitespacesAndNewlines)
      if !last.isEmpty, last != shown {
        shown = last
        progress(last)
      }
      if let status = child.pollExit() {
        return status == .exited(0)
          ? nil : "\(command.joined(separator: " ")) failed (\(status)): \(LogTail.read(log, lines: 3))"
      }
      if MonotonicClock.seconds() - started > timeoutSeconds || Task.isCancelled {
        _ = await child.terminate(graceSeconds: 5)
        return Task.isCancelled ? "cancelled" : "timed out after \(Int(timeoutSeconds)) s"
      }
      try? await Task.sleep(nanoseconds: 250_000_000)
    }
  }
}
