import Foundation
import StrataConfig
import StrataEngine
import StrataEval

/// Scores continuation-likelihood multiple choice with llama.cpp's own
/// `llama-perplexity --multiple-choice`, because llama-server returns no
/// log-probabilities for prompt tokens (`echo` is not honoured, build 11434).
/// It runs the engine's own build (the `llama-perplexity` beside its
/// `llama-server`) with the cell's flags, so the score belongs to the cell.
public struct PerplexityRunner: Sendable {
  public var engine: EngineSpec
  public var modelPath: String
  /// The cell's load-time flags (`-t 2`, `-fa on`, …), appended after strata's own.
  public var flagArguments: [String]
  public var environment: [String: String]
  /// Where the items file for llama-perplexity is written (the host's temporary directory).
  public var scratchDirectory: String
  public var timeoutSeconds: Double

  public init(
    engine: EngineSpec, modelPath: String, flagArguments: [String], environment: [String: String],
    scratchDirectory: String, timeoutSeconds: Double = 1800
  ) {
    self.scratchDirectory = scratchDirectory
    self.engine = engine
    self.modelPath = modelPath
    self.flagArguments = flagArguments
    self.environment = environment
    self.timeoutSeconds = timeoutSeconds
  }

  /// `llama-perplexity` in the directory of a process engine's `llama-server`, the
  /// same build (a bare server name is looked up in `path` first); nil for a
  /// container engine, whose image ships `llama-server` only.
  public static func binary(
    for engine: EngineSpec, path: String?
  ) -> String? {
    guard engine.mode == .process else { return nil }
    let server = ExecutableLookup.find(engine.binary, path: path) ?? engine.binary
    return ((server as NSString).deletingLastPathComponent as NSString).appendingPathComponent("llama-perplexity")
  }

  /// The engine's `llama-perplexity` when it can be run: the path above, if executable.
  public static func runnableBinary(
    for engine: EngineSpec, path: String?
  ) -> String? {
    binary(for: engine, path: path).flatMap { $0.contains("/") ? ExecutableLookup.find($0, path: nil) : nil }
  }

  /// Items per llama-perplexity run: the sweep stores each batch's verdicts
  /// before it starts the next.
  public static let batchSize = 25

  /// Per item, whether the most likely continuation (mean log-probability per
  /// token, llama-perplexity's `acc_norm`) is the right one.
  public func score(_ items: [ContinuationItem]) async throws(ContinuationScoringError) -> [Bool] {
    guard !items.isEmpty else { return [] }
    guard let binary = Self.runnableBinary(for: engine, path: environment["PATH"]) else {
      throw .noPerplexityBinary(engine: engine.name, path: Self.binary(for: engine, path: environment["PATH"]))
    }
    try? FileManager.default.createDirectory(atPath: scratchDirectory, withIntermediateDirectories: true)
    let file = URL(fileURLWithPath: scratchDirectory).appendingPathComponent("strata-mc-\(UUID().uuidString).bin")
    defer { try? FileManager.default.removeItem(at: file) }
    do {
      try PerplexityTaskFile.encode(items).write(to: file)
    } catch {
      throw .failed(status: "could not write \(file.path): \(error)", tail: "")
    }
    // Every answer of an item is scored in one batch, one sequence each.
    let sequences = max(4, items.map(\.continuations.count).max() ?? 4)
    let arguments =
      [binary, "-m", modelPath, "--multiple-choice", "-bf", file.path, "-c", "2048", "-np", String(sequences)]
      + engine.args + flagArguments
    let runner = CommandRunner(environment: environment.merging(engine.serverEnvironment) { _, engine in engine })
    guard let result = await runner.run(arguments, timeoutSeconds: timeoutSeconds) else {
      throw .failed(status: "did not finish within \(Int(timeoutSeconds)) s", tail: "")
    }
    guard result.succeeded else { throw .failed(status: "\(result.status)", tail: String(result.output.suffix(600))) }
    return try PerplexityMultipleChoiceOutput.correctness(result.output, expected: items.count)
  }
}
