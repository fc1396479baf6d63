import Foundation
import StrataTestSupport
import Testing

@testable import StrataEngine

/// Writes an executable shell script: a stand-in for llama-server in tests that
/// exercise process handling (start, logs, signals), not inference.
func standInExecutable(_ body: String) throws -> String {
  let path = FileManager.default.temporaryDirectory.appendingPathComponent("strata-standin-\(UUID()).sh").path
  // O_CLOEXEC: a process another test spawns meanwhile must not inherit the
  // write descriptor, or exec'ing the script fails with ETXTBSY.
  let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o755)
  guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
  let bytes = Array("#!/bin/sh\n\(body)\n".utf8)
  let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
  close(fd)
  guard written == bytes.count else { throw POSIXError(.EIO) }
  return path
}

func temporaryLog() -> String {
  FileManager.default.temporaryDirectory.appendingPathComponent("strata-test-\(UUID()).log").path
}

@Suite("Child processes: spawn, output capture, stop and reap")
struct ChildProcessTests {
  @Test("output and errors go to the log file; the exit status is reported")
  func capturesOutput() async throws {
    let script = try standInExecutable("echo out-line; echo err-line >&2; echo \"args: $*\"; exit 3")
    let log = temporaryLog()
    let child = try ChildProcess.spawn(arguments: [script, "-m", "model file.gguf"], environment: [:], logPath: log)
    var status: ChildExit?
    for _ in 0..<500 where status == nil {
      status = child.pollExit()
      try await Task.sleep(nanoseconds: 10_000_000)
    }
    #expect(status == .exited(3))
    let text = try String(contentsOfFile: log, encoding: .utf8)
    #expect(text.contains("out-line") && text.contains("err-line"))
    #expect(text.contains("args: -m model file.gguf"))
  }

  @Test("the environment given is the environment the child sees")
  func environment() async throws {
    let script = try standInExecutable("echo \"vk=$GGML_VK_VISIBLE_DEVICES\"")
    let log = temporaryLog()
    let child = try ChildProcess.spawn(arguments: [script], environment: ["GGML_VK_VISIBLE_DEVICES": "0"], logPath: log)
    for _ in 0..<500 where child.pollExit() == nil { try await Task.sleep(nanoseconds: 10_000_000) }
    #expect(try String(contentsOfFile: log, encoding: .utf8).contains("vk=0"))
  }

  @Test("terminate sends SIGTERM and reaps a child that obeys it")
  func terminateGraceful() async throws {
    let script = try standInExecutable("trap 'echo got-term; exit 0' TERM; while true; do sleep 0.05; done")
    let log = temporaryLog()
    let child = try ChildProcess.spawn(arguments: [script], environment: [:], logPath: log)
    try await Task.sleep(nanoseconds: 200_000_000)
    let status = await child.terminate(graceSeconds: 5)
    #expect(status == .exited(0))
    #expect(try String(contentsOfFile: log, encoding: .utf8).contains("got-term"))
    #expect(kill(child.pid, 0) == -1)
  }

  @Test("a child that ignores SIGTERM is killed after the grace period")
  func terminateForced() async throws {
    let script = try standInExecutable("trap '' TERM; while true; do sleep 0.05; done")
    let child = try ChildProcess.spawn(arguments: [script], environment: [:], logPath: temporaryLog())
    try await Task.sleep(nanoseconds: 200_000_000)
    // On its own thread: the bound is about terminate, not about the wait for the test pool.
    await onTimingExecutor {
      let started = Date()
      let status = await child.terminate(graceSeconds: 0.5)
      #expect(status == .signalled(SIGKILL))
      #expect(Date().timeIntervalSince(started) < 15, "killed after the grace period, not left running")
    }
  }

  @Test("the child runs in its own process group, so a terminal Ctrl-C reaches strata first")
  func ownProcessGroup() async throws {
    let script = try standInExecutable("exec sleep 5")
    let child = try ChildProcess.spawn(arguments: [script], environment: [:], logPath: temporaryLog())
    #expect(getpgid(child.pid) == child.pid)
    #expect(getpgid(child.pid) != getpgrp())
    _ = await child.terminate(graceSeconds: 1)
  }

  @Test("a missing binary is an error that says how to build it")
  func missingBinary() {
    #expect {
      _ = try ChildProcess.spawn(arguments: ["/nonexistent/llama-server"], environment: [:], logPath: temporaryLog())
    } throws: { error in
      "\(error)".contains("/nonexistent/llama-server") && "\(error)".contains("scripts/setup")
    }
  }

  @Test("the registry kills every live child")
  func registryKillsAll() async throws {
    let registry = ProcessRegistry()
    let script = try standInExecutable("trap '' TERM; exec sleep 30")
    let children = try (0..<2).map { _ in
      try ChildProcess.spawn(arguments: [script], environment: [:], logPath: temporaryLog())
    }
    children.forEach(registry.insert)
    #expect(registry.live.count == 2)
    registry.killAll()
    #expect(registry.live.isEmpty)
    for child in children { #expect(kill(child.pid, 0) == -1) }
  }

  @Test("free loopback ports are distinct and bindable")
  func ports() throws {
    let a = try #require(LoopbackPort.free())
    let b = try #require(LoopbackPort.free())
    #expect(a > 0 && b > 0)
  }
}
