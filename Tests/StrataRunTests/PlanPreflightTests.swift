import Foundation
import StrataConfig
import StrataEval
import StrataMatrix
import StrataTestSupport
import Testing

@testable import StrataRun
@testable import StrataTelemetry

/// A scratch project on disk: a process engine whose build directory the test
/// fills, a container engine, one model file and one task scored by continuation
/// likelihood.
@Suite("strata validate's preflight: files the plan needs, answers an engine cannot give")
struct PlanPreflightTests {
  final class ScratchProject {
    let directory: String
    init() throws {
      directory = NSTemporaryDirectory() + "strata-preflight-\(UUID().uuidString)"
      try write("bin/.keep", "")
      try write("model.Q4_0.gguf", "GGUF")
      try write("items.jsonl", "")
      try write("models.yaml", "models:\n  - name: tiny\n    path: \(directory)/model.Q4_0.gguf\n")
      try write("engines/cpu.yaml", "name: cpu\nbackend: cpu\nbinary: \(directory)/bin/llama-server\n")
      try write(
        "engines/boxed.yaml",
        "name: boxed\nbackend: cpu\nmode: container\nimage: localhost/llama.cpp:server\npull: never\n")
      try write(
        "tasks/arc.yaml",
        """
        name: arc
        kind: multiple_choice
        items: \(directory)/items.jsonl
        method: [generative, continuation_likelihood]

        """)
      try write(
        "matrix.yaml", "axes:\n  engine: [cpu, boxed]\n  model: tiny\ntasks:\n  - {name: arc, limit: 5}\n")
    }
    deinit { try? FileManager.default.removeItem(atPath: directory) }

    func write(_ name: String, _ text: String) throws {
      let path = (directory as NSString).appendingPathComponent(name)
      try FileManager.default.createDirectory(
        atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      try text.write(toFile: path, atomically: false, encoding: .utf8)
    }

    func executable(_ name: String) throws {
      try write(name, "#!/bin/sh\n")
      try FileManager.default.setAttributes(
        [.posixPermissions: 0o755], ofItemAtPath: (directory as NSString).appendingPathComponent(name))
    }

    func load() throws -> (Project, MatrixPlan) {
      let project = try ProjectLoader.load(directory: directory, expander: TestHost.expander)
      return (project, MatrixExpander.plan(project.matrix, quantsByModel: project.quantsByModel))
    }
  }

  @Test("a process engine without llama-perplexity beside llama-server is reported with the path")
  func perplexityMissing() throws {
    let scratch = try ScratchProject()
    try scratch.executable("bin/llama-server")
    let (project, plan) = try scratch.load()
    #expect(
      PlanPreflight.missingFiles(project, plan: plan, searchPath: ProcessInfo.processInfo.environment["PATH"]) == [
        "engine cpu llama-perplexity (for arc continuation_likelihood): \(scratch.directory)/bin/llama-perplexity"
      ])
  }

  @Test("with both binaries built nothing is missing")
  func nothingMissing() throws {
    let scratch = try ScratchProject()
    try scratch.executable("bin/llama-server")
    try scratch.executable("bin/llama-perplexity")
    let (project, plan) = try scratch.load()
    #expect(
      PlanPreflight.missingFiles(project, plan: plan, searchPath: ProcessInfo.processInfo.environment["PATH"]).isEmpty)
  }

  @Test("missing server, model and items are each named once; a missing build is one line, not two")
  func everythingMissing() throws {
    let scratch = try ScratchProject()
    try FileManager.default.removeItem(atPath: scratch.directory + "/model.Q4_0.gguf")
    try FileManager.default.removeItem(atPath: scratch.directory + "/items.jsonl")
    let (project, plan) = try scratch.load()
    #expect(
      PlanPreflight.missingFiles(project, plan: plan, searchPath: ProcessInfo.processInfo.environment["PATH"]) == [
        "engine cpu binary: \(scratch.directory)/bin/llama-server",
        "model tiny Q4_0: \(scratch.directory)/model.Q4_0.gguf",
        "task arc items: \(scratch.directory)/items.jsonl",
      ])
  }

  @Test("a bare server name is looked up in PATH, and llama-perplexity is expected beside what it finds")
  func bareNameInPath() throws {
    let scratch = try ScratchProject()
    try scratch.write("engines/cpu.yaml", "name: cpu\nbackend: cpu\nbinary: llama-server\n")
    let (project, plan) = try scratch.load()
    let bin = scratch.directory + "/bin"
    #expect(
      PlanPreflight.missingFiles(project, plan: plan, searchPath: "/nonexistent:\(bin)") == [
        "engine cpu binary: llama-server"
      ])
    try scratch.executable("bin/llama-server")
    #expect(
      PlanPreflight.missingFiles(project, plan: plan, searchPath: "/nonexistent:\(bin)") == [
        "engine cpu llama-perplexity (for arc continuation_likelihood): \(bin)/llama-perplexity"
      ])
    try scratch.executable("bin/llama-perplexity")
    #expect(PlanPreflight.missingFiles(project, plan: plan, searchPath: "/nonexistent:\(bin)").isEmpty)
    let engine = try #require(project.engines["cpu"])
    #expect(PerplexityRunner.runnableBinary(for: engine, path: bin) == "\(bin)/llama-perplexity")
    #expect(PerplexityRunner.runnableBinary(for: engine, path: "/nonexistent") == nil)
  }

  @Test("a container engine's continuation likelihood is a note, once per engine and task, and not a missing file")
  func containerNote() throws {
    let scratch = try ScratchProject()
    let (project, plan) = try scratch.load()
    #expect(
      PlanPreflight.skippedMethods(project, plan: plan) == [
        "arc continuation_likelihood is skipped on engine boxed: a container engine has no llama-perplexity; "
          + "use a process engine of the same build for it"
      ])
    #expect(
      !PlanPreflight.missingFiles(project, plan: plan, searchPath: ProcessInfo.processInfo.environment["PATH"]).contains
      { $0.contains("boxed") })
  }

  @Test("the runner refuses a container engine with the same reason, before running anything")
  func runnerRefusesContainer() async throws {
    let scratch = try ScratchProject()
    let (project, _) = try scratch.load()
    let engine = try #require(project.engines["boxed"])
    #expect(PerplexityRunner.binary(for: engine, path: nil) == nil)
    let runner = PerplexityRunner(
      engine: engine, modelPath: scratch.directory + "/model.Q4_0.gguf", flagArguments: [], environment: [:],
      scratchDirectory: scratch.directory)
    let item = ContinuationItem(id: "1", context: "The sky is", continuations: [" blue", " green"], correct: 0)
    let error = await #expect(throws: ContinuationScoringError.self) { try await runner.score([item]) }
    #expect(error?.description.contains("engine boxed: a container image ships llama-server only") == true)
  }
}

@Suite("Server figures by backend")
struct ServerFiguresTests {
  @Test("ROCm: fdinfo engine time is marked not measured, never a near-zero share")
  func rocmEngineTimeNotMeasured() {
    var summary = TelemetrySummary(samples: 3)
    summary.processEngineBusyPercent = 0.4
    let rocm = ServerFigures.honest(summary, backend: .rocm)
    #expect(rocm.processEngineBusyPercent == nil)
    #expect(rocm.notMeasured?["processEngineBusyPercent"]?.contains("KFD user queues") == true)
    #expect(ServerFigures.honest(summary, backend: .vulkan) == summary)
  }
}
