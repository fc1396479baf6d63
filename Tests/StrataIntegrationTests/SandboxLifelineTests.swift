import Foundation
import StrataTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// A sandboxed program never outlives strata: SIGKILL strata while the program sleeps,
/// and the reaper, bubblewrap and the program are gone within seconds (the lifeline).
@Suite("Sandboxed programs die with strata", .tags(.integration), RealParts.strataGate)
struct SandboxLifelineTests {
  /// Pids whose command line holds `tag`.
  static func processes(tagged tag: String) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap(Int32.init).filter { pid in
      guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
      return String(decoding: data, as: UTF8.self).contains(tag)
    }
  }

  @Test("SIGKILL of strata mid-program: the sleeping program is killed, not left running")
  func programDiesWithStrata() async throws {
    let strata = try #require(StrataExecutable.path)
    let tag = "sleeper-\(UUID().uuidString)"
    // Not the tag: strata's own command line holds the file's path.
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("strata-lifeline-\(UUID())").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let file = directory + "/sleeper.py"
    // The tag in the sleeper's own command line is how the test finds it.
    try """
    import os, sys
    os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(3600)", "\(tag)"])
    """.write(toFile: file, atomically: true, encoding: .utf8)
    chmod(file, 0o644)

    let process = Process()
    process.executableURL = URL(fileURLWithPath: strata)
    process.arguments = ["sandbox", "run", file, "--wall-seconds", "600"]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    var started = false
    for _ in 0..<200 where !started {
      started = !Self.processes(tagged: tag).isEmpty
      if !started { try await Task.sleep(nanoseconds: 50_000_000) }
    }
    #expect(started, "the sleeper never started")
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    var left = Self.processes(tagged: tag)
    for _ in 0..<100 where !left.isEmpty {
      try await Task.sleep(nanoseconds: 50_000_000)
      left = Self.processes(tagged: tag)
    }
    for pid in left { kill(pid, SIGKILL) }  // leave the machine clean whatever the outcome
    #expect(left.isEmpty, "the sandboxed program outlived strata: pids \(left)")
  }
}
