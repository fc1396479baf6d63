import Foundation
import StrataTestSupport
import Testing

extension Tag {
  /// Tests that start the real llama-server: seconds each, not milliseconds.
  @Tag static var integration: Self
}

/// Where set-up (scripts/setup, scripts/test) put the real engine, models and items.
enum RealParts {
  static var cache: String {
    let env = ProcessInfo.processInfo.environment
    return env["STRATA_CACHE"] ?? "\(env["HOME"] ?? "/root")/.cache/strata"
  }
  static var cpuServer: String { "\(cache)/bin/cpu/llama-server" }
  static var smollm2: String { "\(cache)/models/SmolLM2-135M-Instruct.Q4_1.gguf" }
  static var arcItems: String { "\(cache)/tasks/arc_challenge.jsonl" }

  /// True when set-up has run; scripts/test always runs it first, and requires
  /// these parts (``RealPartGate``), so in CI these tests never skip.
  static var available: Bool {
    [cpuServer, smollm2, arcItems].allSatisfy { FileManager.default.fileExists(atPath: $0) }
  }

  static let gate = RealPartGate.needs("the CPU llama-server, SmolLM2 and the ARC items from scripts/setup") {
    available
  }
  static let strataGate = RealPartGate.needs("the strata executable beside the tests (swift build)") {
    StrataExecutable.path != nil
  }

  /// A throwaway project directory with a 2-cell CPU matrix on SmolLM2.
  static func project(matrix: String) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-it-\(UUID())").path
    try FileManager.default.createDirectory(atPath: "\(dir)/engines", withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: "\(dir)/tasks", withIntermediateDirectories: true)
    try """
    models:
      - name: smollm2-135m
        files:
          Q4_1: \(smollm2)
    """.write(toFile: "\(dir)/models.yaml", atomically: true, encoding: .utf8)
    try """
    name: cpu
    backend: cpu
    binary: \(cpuServer)
    """.write(toFile: "\(dir)/engines/cpu.yaml", atomically: true, encoding: .utf8)
    try """
    name: arc_challenge
    kind: multiple_choice
    items: \(arcItems)
    prompt: few_shot
    format: completion
    max_tokens: 4
    limit: 4
    """.write(toFile: "\(dir)/tasks/arc_challenge.yaml", atomically: true, encoding: .utf8)
    try matrix.write(toFile: "\(dir)/matrix.yaml", atomically: true, encoding: .utf8)
    return dir
  }

  static let twoCellMatrix = """
    repeats: 2
    axes:
      engine: [cpu]
      model: [smollm2-135m]
      args:
        threads: [2]
        flash_attn: [on, off]
    scenarios: [pp64-tg16]
    tasks: [{name: arc_challenge, limit: 4}]
    """
}
