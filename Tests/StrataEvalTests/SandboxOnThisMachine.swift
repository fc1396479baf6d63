import Foundation
import StrataEval

extension CodeSandbox {
  /// A sandbox with the real machine's environment and temporary directory, as the
  /// executable's host context hands them to a run.
  static func onThisMachine(
    python: String = "python3", limits: SandboxLimits = SandboxLimits(), user: SandboxUser = .nobody,
    hostEnvironment: [String: String] = ProcessInfo.processInfo.environment,
    scratchDirectory: String = FileManager.default.temporaryDirectory.path
  ) -> CodeSandbox {
    CodeSandbox(
      python: python, limits: limits, user: user, hostEnvironment: hostEnvironment, scratchDirectory: scratchDirectory)
  }
}
