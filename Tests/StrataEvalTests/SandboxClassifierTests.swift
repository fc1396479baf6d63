import CStrataSys
import Testing

@testable import StrataEval

#if canImport(Glibc)
  import Glibc
#endif

@Suite("Sandbox verdicts, program assembly and pass@k, without running anything")
struct SandboxClassifierTests {
  static let syntaxReport = """
      File "/tmp/strata-sandbox-abc/main.py", line 1
        def f(:
              ^
    SyntaxError: invalid syntax
    """
  static let assertionReport = """
    Traceback (most recent call last):
      File "/tmp/strata-sandbox-abc/main.py", line 4, in <module>
        assert add(1, 2) == 4
    AssertionError
    """

  @Test(
    "exit status and traceback give the verdict",
    arguments: [
      (SandboxExit.exited(0), false, "", SandboxOutcomeKind.passed),
      (.exited(1), false, syntaxReport, .syntaxError),
      (.exited(1), false, syntaxReport.replacingOccurrences(of: "SyntaxError", with: "IndentationError"), .syntaxError),
      (.exited(1), false, assertionReport, .assertionFailed),
      (.exited(1), false, "Traceback (most recent call last):\n  File \"x\", line 1\nMemoryError\n", .memoryExceeded),
      (
        .exited(1), false, "Traceback (most recent call last):\n  File \"x\"\nZeroDivisionError: division by zero\n",
        .crashed(.exception("ZeroDivisionError"))
      ),
      (
        .exited(1), false, "Traceback (most recent call last):\n  File \"x\"\nsocket.gaierror: [Errno -3] x\n",
        .crashed(.exception("socket.gaierror"))
      ),
      (.exited(3), false, "", .crashed(.exit(3))),
      (.exited(2), false, "usage: something: went wrong\n", .crashed(.exit(2))),
      (.signalled(SIGKILL), true, "", .timeout(.wallClock)),
      (.signalled(SIGXCPU), false, "", .timeout(.cpuTime)),
      (.signalled(SIGSEGV), false, "", .crashed(.signal(SIGSEGV))),
      (.signalled(SIGKILL), false, "", .crashed(.signal(SIGKILL))),
    ])
  func verdict(exit: SandboxExit, stoppedAtWallLimit: Bool, stderr: String, expected: SandboxOutcomeKind) {
    let kind = SandboxOutcomeClassifier.classify(
      exit: exit, stoppedAtWallLimit: stoppedAtWallLimit, cpuSeconds: 0.1, cpuLimitSeconds: 2, stderr: stderr,
      completed: true)
    #expect(kind == expected)
  }

  @Test("SIGKILL after the CPU limit is the hard limit's, not a crash")
  func hardCPULimit() {
    let kind = SandboxOutcomeClassifier.classify(
      exit: .signalled(SIGKILL), stoppedAtWallLimit: false, cpuSeconds: 2.4, cpuLimitSeconds: 2, stderr: "",
      completed: false)
    #expect(kind == .timeout(.cpuTime))
  }

  @Test("status 0 without the completion marker is an early exit, not a pass")
  func earlyExit() {
    let kind = SandboxOutcomeClassifier.classify(
      exit: .exited(0), stoppedAtWallLimit: false, cpuSeconds: 0.1, cpuLimitSeconds: 2, stderr: "", completed: false)
    #expect(kind == .exitedBeforeTests)
    #expect(kind.description == "exited before its tests finished")
  }

  @Test(
    "bubblewrap's 128+signal exit reads as the signal",
    arguments: [
      (Int32(0) << 8, SandboxExit.exited(0)), (Int32(3) << 8, .exited(3)), (Int32(137) << 8, .signalled(SIGKILL)),
      (Int32(152) << 8, .signalled(SIGXCPU)), (Int32(9), .signalled(SIGKILL)),
    ])
  func bubblewrapExit(status: Int32, expected: SandboxExit) {
    #expect(SandboxExit(bubblewrapWaitStatus: status) == expected)
  }

  @Test("the completion marker is found on its own line, and removed from the output shown")
  func marker() {
    let marker = SandboxCompletionMarker(line: "strata-tests-completed-abc")
    #expect(marker.appears(in: "out\nstrata-tests-completed-abc\n"))
    #expect(!marker.appears(in: "out strata-tests-completed-abc\n"))
    #expect(!marker.appears(in: "strata-tests-completed-ab\n"))
    #expect(marker.removed(from: "out\n\nstrata-tests-completed-abc\n") == "out\n")
    #expect(SandboxCompletionMarker() != SandboxCompletionMarker())
  }

  @Test("bubblewrap's own refusal is told from a program's output")
  func bubblewrapRefusal() {
    let refusal = "bwrap: No permissions to creating new namespace, likely because the kernel does not allow it\n"
    #expect(CodeSandbox.bubblewrapFailure(exit: .exited(1), stdout: "", stderr: refusal) != nil)
    #expect(CodeSandbox.bubblewrapFailure(exit: .exited(1), stdout: "x", stderr: refusal) == nil)
    #expect(CodeSandbox.bubblewrapFailure(exit: .exited(2), stdout: "", stderr: refusal) == nil)
    #expect(CodeSandbox.bubblewrapFailure(exit: .exited(1), stdout: "", stderr: "Traceback\nbwrap: x\n") == nil)
    let message = SandboxError.bubblewrapFailed(message: "bwrap: x").description
    #expect(message.contains("user.max_user_namespaces") && message.contains("never run outside the sandbox"))
  }

  @Test("an MBPP program is the code, the setup, then the asserts")
  func mbpp() {
    let program = SandboxProgram.mbpp(
      code: "def add(a, b):\n    return a + b", tests: ["assert add(1, 2) == 3", "assert add(0, 0) == 0"],
      setup: "import math")
    #expect(
      program.source
        == "def add(a, b):\n    return a + b\n\nimport math\n\nassert add(1, 2) == 3\nassert add(0, 0) == 0\n")
  }

  @Test("a HumanEval program continues the prompt and calls check on the entry point")
  func humanEval() {
    let program = SandboxProgram.humanEval(
      prompt: "def inc(x):\n    \"\"\"Add one.\"\"\"\n", completion: "    return x + 1\n",
      test: "def check(candidate):\n    assert candidate(1) == 2", entryPoint: "inc")
    #expect(
      program.source
        == "def inc(x):\n    \"\"\"Add one.\"\"\"\n    return x + 1\n\n\ndef check(candidate):\n    assert candidate(1) == 2\n\ncheck(inc)\n"
    )
  }

  @Test(
    "pass@k matches the closed form 1 − C(n−c,k)/C(n,k)",
    arguments: [
      (10, 3, 1, 0.3), (10, 3, 2, 1 - 21.0 / 45.0), (5, 0, 3, 0.0), (5, 5, 1, 1.0), (4, 2, 3, 1.0),
    ])
  func passAtK(n: Int, c: Int, k: Int, expected: Double) throws {
    let value = try #require(PassRate.passAtK(samples: n, correct: c, k: k))
    #expect(abs(value - expected) < 1e-12)
  }

  @Test("pass@k needs k within the sample count")
  func passAtKBounds() {
    #expect(PassRate.passAtK(samples: 3, correct: 1, k: 4) == nil)
    #expect(PassRate.passAtK(samples: 3, correct: 1, k: 0) == nil)
    #expect(PassRate.passAtK([], k: 1) == nil)
  }

  @Test("pass@1 over outcomes is the share that passed, with its interval")
  func passAt1() {
    func outcome(_ kind: SandboxOutcomeKind) -> SandboxOutcome {
      SandboxOutcome(
        kind: kind, exit: .exited(kind == .passed ? 0 : 1), wallSeconds: 0, cpuSeconds: 0, stdoutTail: "",
        stderrTail: "", identity: .switchTo(.nobody))
    }
    let outcomes = [outcome(.passed), outcome(.assertionFailed), outcome(.passed), outcome(.timeout(.wallClock))]
    let rate = PassRate.passAt1(outcomes)
    #expect(rate.successes == 2 && rate.trials == 4 && rate.value == 0.5)
    #expect(PassRate.passAtK([[outcomes[0], outcomes[1]], [outcomes[1], outcomes[3]]], k: 1) == 0.25)
  }

  @Test("a missing tool names the package to install")
  func missingTool() {
    #expect(throws: SandboxError.toolNotFound(name: "bwrap", package: "bubblewrap", searchPath: "/nonexistent")) {
      try SandboxTools.find(searchPath: "/nonexistent")
    }
    let message = SandboxError.toolNotFound(name: "bwrap", package: "bubblewrap", searchPath: "/x").description
    #expect(message.contains("apt-get install bubblewrap"))
  }

  @Test("a missing interpreter names the PATH searched and the fix")
  func missingPython() {
    let sandbox = CodeSandbox.onThisMachine(python: "python3-not-here", hostEnvironment: ["PATH": "/nonexistent/bin"])
    #expect(throws: SandboxError.pythonNotFound(command: "python3-not-here", searchPath: "/nonexistent/bin")) {
      try sandbox.resolvePython()
    }
    let absolute = CodeSandbox.onThisMachine(python: "/nonexistent/python3")
    #expect(throws: SandboxError.self) { try absolute.resolvePython() }
  }
}
