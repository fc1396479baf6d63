import Foundation
import StrataTestSupport
import Testing

@testable import StrataEval

#if canImport(Glibc)
  import Glibc
#endif

/// Every test here runs the real python3 of this machine inside the real sandbox.
@Suite("Code sandbox, running real python3")
struct CodeSandboxTests {
  /// A fresh scratch directory per test, so "nothing left behind" is checkable.
  final class Scratch {
    let path: String
    init() throws {
      let base = URL(fileURLWithPath: NSTemporaryDirectory()).standardizedFileURL.path
      var template = Array((base + "/strata-sandbox-test-XXXXXX").utf8CString)
      let made = template.withUnsafeMutableBufferPointer { $0.baseAddress.flatMap { mkdtemp($0) } }
      path = String(cString: try #require(made))
    }
    var entries: [String] { (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? ["(unreadable)"] }
    deinit { try? FileManager.default.removeItem(atPath: path) }
  }

  /// Wall limit for tests whose subject is not the wall limit: generous, because CI
  /// runs suites in parallel on two cores and python3's start-up alone can take
  /// seconds there. Outcomes, not durations, are what these tests check.
  static let generousWallSeconds: Double = 20

  func sandbox(
    _ scratch: Scratch, wall: Double = generousWallSeconds, cpu: Int? = 2, memory: Int? = 512 << 20
  ) -> CodeSandbox {
    CodeSandbox.onThisMachine(
      limits: SandboxLimits(wallSeconds: wall, cpuSeconds: cpu, memoryBytes: memory), scratchDirectory: scratch.path)
  }

  /// The same, with the interpreter pinned by ``CodeSandbox/prepared()``, for the
  /// tests whose limits are tight enough that a shim's start-up would matter.
  func preparedSandbox(
    _ scratch: Scratch, wall: Double = generousWallSeconds, cpu: Int? = 2, memory: Int? = 512 << 20
  )
    async throws -> CodeSandbox
  {
    try await sandbox(scratch, wall: wall, cpu: cpu, memory: memory).prepared()
  }

  /// A CPU limit far past the wall limit of the tests that time out on the wall
  /// clock: it never decides their outcome, but ends the busy loop should the test
  /// runner die before it kills the group. 30 s, not 10: under a loaded CI (real sweeps
  /// beside the unit tests) the wall limit's kill once came after 10 s of CPU.
  static let backstopCPUSeconds = 30

  static let addTests = ["assert add(1, 2) == 3", "assert add(-1, 1) == 0"]

  @Test("a correct MBPP solution passes")
  func correctPasses() async throws {
    let scratch = try Scratch()
    let outcome = try await sandbox(scratch).run(
      .mbpp(code: "def add(a, b):\n    return a + b", tests: Self.addTests))
    #expect(outcome.kind == .passed, "\(outcome.stderrTail)")
    #expect(outcome.exit == .exited(0))
  }

  @Test("a wrong MBPP solution fails its assertion")
  func wrongFailsAssertion() async throws {
    let scratch = try Scratch()
    let outcome = try await sandbox(scratch).run(
      .mbpp(code: "def add(a, b):\n    return a - b", tests: Self.addTests))
    #expect(outcome.kind == .assertionFailed)
    #expect(outcome.stderrTail.contains("AssertionError"))
  }

  @Test("a HumanEval completion runs against check(entry_point)")
  func humanEval() async throws {
    let scratch = try Scratch()
    let test = "def check(candidate):\n    assert candidate([1, 2, 3]) == 6\n    assert candidate([]) == 0"
    let prompt = "def total(xs):\n    \"\"\"Sum of xs.\"\"\"\n"
    let right = try await sandbox(scratch).run(
      .humanEval(prompt: prompt, completion: "    return sum(xs)\n", test: test, entryPoint: "total"))
    let wrong = try await sandbox(scratch).run(
      .humanEval(prompt: prompt, completion: "    return len(xs)\n", test: test, entryPoint: "total"))
    #expect(right.kind == .passed, "\(right.stderrTail)")
    #expect(wrong.kind == .assertionFailed)
  }

  @Test("a syntax error is reported as one")
  func syntaxError() async throws {
    let scratch = try Scratch()
    let outcome = try await sandbox(scratch).run(.mbpp(code: "def add(a, b)\n    return a + b", tests: Self.addTests))
    #expect(outcome.kind == .syntaxError, "\(outcome.stderrTail)")
  }

  @Test("a fake bwrap refusal fails the item, not the task; a closed stdout does not break the epilogue")
  func fakeBubblewrapRefusal() async throws {
    let scratch = try Scratch()
    let forged = try await sandbox(scratch).run(
      SandboxProgram(source: "import sys\nsys.stderr.write('bwrap: cannot do that\\n')\nsys.exit(1)\n"))
    #expect(!forged.passed)
    #expect(forged.exit == .exited(1))
    let closed = try await sandbox(scratch).run(
      .mbpp(code: "import sys\nsys.stdout.close()\ndef add(a, b):\n    return a + b", tests: Self.addTests))
    #expect(closed.kind == .passed, "\(closed.stderrTail)")
  }

  @Test("another exception is a crash named by its class")
  func otherException() async throws {
    let scratch = try Scratch()
    let outcome = try await sandbox(scratch).run(SandboxProgram(source: "print(1 / 0)\n"))
    #expect(outcome.kind == .crashed(.exception("ZeroDivisionError")))
  }

  @Test("a busy loop stops at the wall limit")
  func wallTimeout() async throws {
    let scratch = try Scratch()
    let outcome = try await preparedSandbox(scratch, wall: 1.5, cpu: Self.backstopCPUSeconds).run(
      SandboxProgram(source: "while True:\n    pass\n"))
    // The kind tells "stopped by the wall limit" from "ran on to the CPU backstop"
    // (that one reads .cpuTime); an upper bound on the wall time would only measure
    // how loaded the machine is (13.7 s once, beside a llama.cpp build on 2 cores).
    #expect(outcome.kind == .timeout(.wallClock))
    #expect(outcome.wallSeconds >= 1.5)
  }

  @Test("a busy loop stops at the CPU limit long before the wall limit")
  func cpuTimeout() async throws {
    let scratch = try Scratch()
    let outcome = try await preparedSandbox(scratch, wall: 20, cpu: 1).run(
      SandboxProgram(source: "while True:\n    pass\n"))
    #expect(outcome.kind == .timeout(.cpuTime))
    // rusage splits user and system time by sampling, so it can read a little under
    // the scheduler's exact figure that RLIMIT_CPU is checked against.
    #expect(outcome.cpuSeconds >= 0.7)
  }

  @Test("on timeout every process the program started dies: its child and the sleeper that child started")
  func groupKilledOnTimeout() async throws {
    let scratch = try Scratch()
    let bait = try SandboxBait()
    let source = """
      import os, subprocess, time
      pid = os.fork()
      if pid == 0:
          subprocess.Popen(["sleep", "\(bait.leftoverTag)"])
          time.sleep(30)
          os._exit(0)
      time.sleep(0.5)
      print("started", flush=True)
      while True:
          pass

      """
    let outcome = try await ForkTestLock.run {
      try await preparedSandbox(scratch, wall: 2, cpu: Self.backstopCPUSeconds).run(SandboxProgram(source: source))
    }
    #expect(outcome.kind == .timeout(.wallClock))
    #expect(outcome.stdoutTail.contains("started"), "stdout: \(outcome.stdoutTail)")
    #expect(SandboxEscape.waitForNoLeftovers(bait) == nil, "a sleeper survived the sandbox")
  }

  @Test("a sleeper left running by a program that exited is killed too")
  func leftoverKilledAfterExit() async throws {
    let scratch = try Scratch()
    let bait = try SandboxBait()
    let source =
      "import subprocess, time\nsubprocess.Popen(['sleep', '\(bait.leftoverTag)'])\ntime.sleep(0.3)\nprint('started')\n"
    let outcome = try await preparedSandbox(scratch).run(SandboxProgram(source: source))
    #expect(outcome.kind == .passed, "\(outcome.stderrTail)")
    #expect(outcome.stdoutTail.contains("started"))
    #expect(SandboxEscape.waitForNoLeftovers(bait) == nil, "a sleeper survived the sandbox")
  }

  @Test("a memory hog gets MemoryError from the address-space limit")
  func memoryHog() async throws {
    let scratch = try Scratch()
    let outcome = try await preparedSandbox(scratch, memory: 512 << 20).run(
      SandboxProgram(source: "x = bytearray(4 << 30)\n"))
    #expect(outcome.kind == .memoryExceeded, "\(outcome.kind): \(outcome.stderrTail)")
  }

  @Test("cancelling the task kills the program and throws cancelled")
  func cancellation() async throws {
    let scratch = try Scratch()
    let sandbox = sandbox(scratch, wall: 20, cpu: Self.backstopCPUSeconds)
    // On its own thread: the bound is about the sandbox, not about the wait for the test pool.
    try await onTimingExecutor {
      let start = Date()
      let run = Task(executorPreference: DedicatedExecutor.timing) {
        try await sandbox.run(SandboxProgram(source: "while True:\n    pass\n"))
      }
      try await Task.sleep(nanoseconds: 300_000_000)
      run.cancel()
      await #expect(throws: SandboxError.cancelled) { try await run.value }
      // Well under the 20 s wall limit: the cancellation, not the limit, ended it.
      #expect(Date().timeIntervalSince(start) < 15)
    }
    #expect(scratch.entries.isEmpty)
  }

  @Test("the working directory is fresh, is HOME, and is removed with what was written there")
  func workingDirectoryRemoved() async throws {
    let scratch = try Scratch()
    let source = """
      import os
      print(os.getcwd())
      print(os.environ["HOME"])
      print(os.listdir("."))
      open("leak.txt", "w").write("left behind?")
      os.makedirs("locked/inner")
      os.chmod("locked", 0)

      """
    let outcome = try await sandbox(scratch).run(SandboxProgram(source: source))
    #expect(outcome.kind == .passed, "\(outcome.stderrTail)")
    let lines = outcome.stdoutTail.split(separator: "\n").map(String.init)
    try #require(lines.count == 3)
    #expect(lines[0] == "/sandbox/work")
    #expect(lines[1] == "/sandbox/work")
    #expect(lines[2] == "[]")
    // The host directory behind /sandbox/work is gone, with what the program left.
    #expect(scratch.entries.isEmpty)
  }

  @Test("the environment is minimal: no proxies, nothing of the host's")
  func minimalEnvironment() async throws {
    let scratch = try Scratch()
    var host = ProcessInfo.processInfo.environment
    host["http_proxy"] = "http://proxy.invalid:3128"
    host["HTTPS_PROXY"] = "http://proxy.invalid:3128"
    host["ALL_PROXY"] = "socks5://proxy.invalid:1080"
    host["STRATA_TEST_SECRET"] = "must-not-leak"
    var sandbox = sandbox(scratch)
    sandbox.hostEnvironment = host
    let outcome = try await sandbox.run(
      SandboxProgram(source: "import json, os\nprint(json.dumps(dict(os.environ)))\n"))
    #expect(outcome.kind == .passed)
    let environment = try JSONDecoder().decode([String: String].self, from: Data(outcome.stdoutTail.utf8))
    #expect(!environment.keys.contains { $0.lowercased().contains("proxy") })
    #expect(environment["STRATA_TEST_SECRET"] == nil)
    #expect(environment["PYTHONDONTWRITEBYTECODE"] == "1")
    #expect(environment["PATH"]?.isEmpty == false)
    #expect(environment["HOME"] == "/sandbox/work")
  }

  @Test("status finds python3 and proves the namespace with a probe")
  func status() async throws {
    let scratch = try Scratch()
    let status = await sandbox(scratch).status()
    guard case .ready(let python, let identity) = status else {
      Issue.record("sandbox unavailable: \(status)")
      return
    }
    #expect(python.hasPrefix("/") && python.contains("python3"))
    #expect(FileManager.default.isExecutableFile(atPath: python))
    #expect(identity == (getuid() == 0 ? .switchTo(.nobody) : .callerInUserNamespace(uid: getuid())))
    let missing = await CodeSandbox.onThisMachine(python: "no-such-python", scratchDirectory: scratch.path).status()
    #expect(missing.description.contains("no no-such-python in PATH"))
  }
}
