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
      exit: exit, stoppedAtWallLimit: stoppedAtWallLimit, cpuSeconds: 0.1, cpuLimitSeconds: 2, stderr: stderr)
    #expect(kind == expected)
  }

  @Test("SIGKILL after the CPU limit is the hard limit's, not a crash")
  func hardCPULimit() {
    let kind = SandboxOutcomeClassifier.classify(
      exit: .signalled(SIGKILL), stoppedAtWallLimit: false, cpuSeconds: 2.4, cpuLimitSeconds: 2, stderr: "")
    #expect(kind == .timeout(.cpuTime))
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
        stderrTail: "", isolation: .networkNamespace)
    }
    let outcomes = [outcome(.passed), outcome(.assertionFailed), outcome(.passed), outcome(.timeout(.wallClock))]
    let rate = PassRate.passAt1(outcomes)
    #expect(rate.successes == 2 && rate.trials == 4 && rate.value == 0.5)
    #expect(PassRate.passAtK([[outcomes[0], outcomes[1]], [outcomes[1], outcomes[3]]], k: 1) == 0.25)
  }

  @Test("a refused namespace becomes an error that says how to enable one")
  func refusedNamespace() {
    let error = SandboxError.spawn(
      stage: Int32(STRATA_SANDBOX_STAGE_UNSHARE.rawValue), errno: ENOSPC, firstErrno: EPERM)
    #expect(error == .networkIsolationUnavailable(directErrno: EPERM, userNamespaceErrno: ENOSPC))
    let message = error.description
    #expect(message.contains("Operation not permitted"))
    #expect(message.contains("user.max_user_namespaces"))
    #expect(message.contains("never run with the network reachable"))
  }

  @Test("a missing interpreter names the PATH searched and the fix")
  func missingPython() {
    let sandbox = CodeSandbox(python: "python3-not-here", hostEnvironment: ["PATH": "/nonexistent/bin"])
    #expect(throws: SandboxError.pythonNotFound(command: "python3-not-here", searchPath: "/nonexistent/bin")) {
      try sandbox.resolvePython()
    }
    let absolute = CodeSandbox(python: "/nonexistent/python3")
    #expect(throws: SandboxError.self) { try absolute.resolvePython() }
  }
}
