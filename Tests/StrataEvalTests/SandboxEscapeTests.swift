import Foundation
import StrataTestSupport
import Testing

@testable import StrataEval

#if canImport(Glibc)
  import Glibc
#endif

/// Each escape the trust review tried, run in the real sandbox as this test
/// process's user — root in CI, the way the README runs strata. (The same table
/// runs as an unprivileged user through `strata sandbox run` in the integration
/// tests.) Before bubblewrap, as root, most of these got through.
@Suite("Code sandbox contains model-written code (as the test's user)")
struct SandboxEscapeTests {
  func sandbox() async throws -> CodeSandbox {
    try await CodeSandbox.onThisMachine(limits: SandboxLimits(wallSeconds: 20, cpuSeconds: 5, memoryBytes: 512 << 20))
      .prepared()
  }

  @Test("is contained", arguments: SandboxEscape.all)
  func contained(escape: SandboxEscape) async throws {
    let bait = try SandboxBait()
    let outcome = try await ForkTestLock.run { try await sandbox().run(SandboxProgram(source: escape.program(bait))) }
    #expect(outcome.kind == .passed, "\(outcome.kind): \(outcome.stderrTail)")
    let breach = escape.breach(stdout: outcome.stdoutTail, bait: bait)
    #expect(breach == nil, "\(escape.name): \(breach ?? "")")
  }

  @Test("a reply that exits before the tests run does not pass", arguments: SandboxEscape.earlyExits.map(\.name))
  func earlyExit(name: String) async throws {
    let reply = try #require(SandboxEscape.earlyExits.first { $0.name == name }).reply
    let outcome = try await sandbox().run(.mbpp(code: reply, tests: ["assert add(1, 2) == 3"]))
    #expect(!outcome.passed)
    #expect(outcome.kind == .exitedBeforeTests, "\(outcome.kind): \(outcome.stderrTail)")
  }

  @Test("a HumanEval reply that calls sys.exit(0) inside the function fails; the right one passes")
  func humanEvalExit() async throws {
    let prompt = "def has_close_elements(numbers, threshold):\n    \"\"\"Any two numbers closer than threshold?\"\"\"\n"
    let test = """
      def check(candidate):
          assert candidate([1.0, 2.0, 3.9, 4.0, 5.0, 2.2], 0.3) == True
          assert candidate([1.0, 2.0, 5.9, 4.0, 5.0], 0.95) == True
          assert candidate([1.0, 2.0, 3.0, 4.0, 5.0], 0.5) == False
      """
    let right = """
          return any(abs(a - b) < threshold for i, a in enumerate(numbers) for b in numbers[i + 1:])

      """
    let exiting = "    import sys\n    sys.exit(0)\n"
    let sandbox = try await sandbox()
    let passes = try await sandbox.run(
      .humanEval(prompt: prompt, completion: right, test: test, entryPoint: "has_close_elements"))
    let exits = try await sandbox.run(
      .humanEval(prompt: prompt, completion: exiting, test: test, entryPoint: "has_close_elements"))
    #expect(passes.kind == .passed, "\(passes.stderrTail)")
    #expect(exits.kind == .exitedBeforeTests)
  }
}
