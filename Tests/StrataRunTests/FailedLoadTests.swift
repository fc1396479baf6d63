import Foundation
import StrataConfig
import StrataEngine
import StrataStore
import Testing

@testable import StrataRun

@Suite("The row of a server that failed to load")
struct FailedLoadTests {
  static let engine = EngineSpec(
    name: "cpu", backend: .cpu, binary: "/opt/llama/llama-server",
    location: SourceLocation(file: "engines/cpu.yaml", line: 1, column: 1))
  static let launch = ServerLaunch(
    engine: engine, modelPath: "/models/m.gguf", flagArguments: ["-t", "2"], logPath: "/logs/1.log", runId: "r",
    index: 1)

  @Test("an exit during load keeps the arguments it ran with, its port and the supervisor's reason")
  func exitedDuringLoad() {
    let ran = ["/opt/llama/llama-server", "-m", "/models/m.gguf", "--port", "41234", "-t", "2"]
    let error = SupervisorError.exitedDuringLoad(
      arguments: ran, status: .exited(1), logPath: "/logs/1.log", logTail: "error loading model")
    let row = ServerRecord.failedLoad(
      error, launch: Self.launch, runId: "r", loadGroup: "g", loadSeconds: 1.5, startedAt: 100)
    #expect(row.port == 41234)
    #expect(row.argumentsJSON == #"["\/opt\/llama\/llama-server","-m","\/models\/m.gguf","--port","41234","-t","2"]"#)
    #expect(row.loadFailure == "\(error)")
    #expect(row.loadSeconds == 1.5 && row.startedAt == 100 && row.buildInfo == nil)
    #expect(row.engine == "cpu" && row.logPath == "/logs/1.log" && row.loadGroup == "g")
  }

  @Test("a container's --port is the one inside it, so the row's port is 0 (its log has the published one)")
  func containerPort() {
    var engine = Self.engine
    engine.mode = .container
    let launch = ServerLaunch(
      engine: engine, modelPath: "/models/m.gguf", flagArguments: [], logPath: "/logs/2.log", runId: "r", index: 2)
    let error = SupervisorError.exitedDuringLoad(
      arguments: ["podman", "run", "localhost/llama.cpp:server", "--port", "8080"], status: .exited(1),
      logPath: "/logs/2.log", logTail: "")
    let row = ServerRecord.failedLoad(error, launch: launch, runId: "r", loadGroup: "g", loadSeconds: 1, startedAt: 1)
    #expect(row.port == 0)
    #expect(row.argumentsJSON.contains("podman"))
  }

  @Test("a timeout has no arguments of its own: the launch's, with port 0; Ctrl-C says interrupted")
  func timeoutAndInterrupt() {
    let timeout = ServerRecord.failedLoad(
      SupervisorError.healthTimeout(seconds: 600, logPath: "/logs/1.log", logTail: ""), launch: Self.launch,
      runId: "r", loadGroup: "g", loadSeconds: 600, startedAt: 1)
    #expect(timeout.port == 0)
    #expect(timeout.argumentsJSON.contains("m.gguf"))
    #expect((timeout.loadFailure ?? "").contains("600"))
    let interrupted = ServerRecord.failedLoad(
      CancellationError(), launch: Self.launch, runId: "r", loadGroup: "g", loadSeconds: 0.2, startedAt: 1)
    #expect(interrupted.loadFailure == "interrupted while loading")
  }
}
