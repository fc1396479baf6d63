import Foundation
import StrataTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The escape table again, with strata itself an ordinary user: the sandbox then
/// makes a user namespace instead of switching users, and must hold just as well.
/// The test process is root (CI is); it starts a copy of the real `strata` as
/// `nobody` through setpriv and runs each escape with `strata sandbox run`.
@Suite(
  "Code sandbox contains model-written code (strata as an unprivileged user)", .tags(.integration),
  RealParts.strataGate,
  RealPartGate.needs("root, to start strata as nobody through setpriv") { getuid() == 0 })
struct SandboxUnprivilegedTests {
  static let nobody = "65534"

  /// A copy of strata that nobody can execute: the build directory may sit under
  /// a home that only root can enter.
  final class UnprivilegedStrata {
    let directory: String
    let executable: String
    init() throws {
      let source = try #require(StrataExecutable.path)
      directory = FileManager.default.temporaryDirectory.appendingPathComponent("strata-nobody-\(UUID())").path
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
      chmod(directory, 0o755)
      executable = directory + "/strata"
      try FileManager.default.copyItem(atPath: source, toPath: executable)
      chmod(executable, 0o755)
    }
    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// `strata sandbox run FILE --json` as nobody; the outcome's fields.
    func run(_ file: String) throws -> (status: Int32, report: [String: String]) {
      let run = try CapturedRun.run(
        "/usr/bin/setpriv",
        [
          "--reuid=\(nobody)", "--regid=\(nobody)", "--clear-groups", "--", "/usr/bin/env", "-i",
          "PATH=/usr/bin:/bin", "HOME=/nonexistent", executable, "sandbox", "run", file, "--python",
          "/usr/bin/python3", "--wall-seconds", "20", "--json",
        ], directory: "/")
      let report = (try? JSONDecoder().decode([String: String].self, from: run.stdout)) ?? [:]
      return (run.status, report)
    }
  }

  @Test("is contained", arguments: SandboxEscape.all)
  func contained(escape: SandboxEscape) throws {
    let strata = try UnprivilegedStrata()
    let bait = try SandboxBait()
    let file = bait.directory + "/probe.py"
    try escape.program(bait).write(toFile: file, atomically: true, encoding: .utf8)
    chmod(file, 0o644)
    let (status, report) = try strata.run(file)
    #expect(report["identity"]?.contains("user namespace") == true, "\(report)")
    #expect(status == 0, "\(report)")
    let breach = escape.breach(stdout: report["stdout"] ?? "", bait: bait)
    #expect(breach == nil, "\(escape.name): \(breach ?? "")")
  }

  @Test("a reply that exits before the tests run does not pass", arguments: SandboxEscape.earlyExits.map(\.name))
  func earlyExit(name: String) throws {
    let reply = try #require(SandboxEscape.earlyExits.first { $0.name == name }).reply
    let strata = try UnprivilegedStrata()
    let bait = try SandboxBait()
    let file = bait.directory + "/reply.py"
    // What `strata sandbox run` runs is the file itself, so the test call comes after.
    try (reply + "\nassert add(1, 2) == 3\n").write(toFile: file, atomically: true, encoding: .utf8)
    chmod(file, 0o644)
    let (status, report) = try strata.run(file)
    #expect(status == 1, "\(report)")
    #expect(report["kind"] == "exited before its tests finished", "\(report)")
  }
}
