import Foundation
import StrataEngine
import StrataStore

extension ServerRecord {
  /// The row of a server that never answered /health, so the samples taken while
  /// it loaded are kept with the reason. The arguments are those it ran with when
  /// the supervisor's error carries them (it exited while loading), else the
  /// launch's with port 0; its log header has them too. Secrets are redacted in both.
  static func failedLoad(
    _ error: any Error, launch: ServerLaunch, runId: String, loadGroup: String, loadSeconds: Double,
    startedAt: Double
  ) -> ServerRecord {
    var arguments = launch.arguments(port: 0)
    if case .exitedDuringLoad(let actual, _, _, _)? = error as? SupervisorError { arguments = actual }
    // A container's `--port` is the one inside it, not the host's published port.
    let port =
      launch.engine.mode == .process
      ? arguments.firstIndex(of: "--port").map { $0 + 1 }.flatMap {
        arguments.indices.contains($0) ? Int(arguments[$0]) : nil
      } : nil
    return ServerRecord(
      runId: runId, loadGroup: loadGroup, engine: launch.engine.name,
      argumentsJSON: jsonArray(Redaction.arguments(arguments)),
      port: port ?? 0, loadSeconds: loadSeconds, buildInfo: nil, logPath: launch.logPath, startedAt: startedAt,
      loadFailure: error is CancellationError ? "interrupted while loading" : "\(error)")
  }
}
