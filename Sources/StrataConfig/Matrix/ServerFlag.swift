/// A server flag axis. Each case knows its llama-server flag(s).
///
/// Values are validated when `matrix.yaml` is parsed: ints for batch, ubatch,
/// threads and ctx (> 0) and ngl (>= 0); ctk one of `ServerFlag.cacheTypes`;
/// flash_attn one of on/off/auto, stored as a string.
public enum ServerFlag: String, Sendable, Hashable, CaseIterable {
  case batch, ubatch, threads, ctk
  case flashAttn = "flash_attn"
  case ngl, ctx
  /// `-np`: server slots. Task items are then sent this many at a time (performance
  /// scenarios stay single-stream); 1 when the matrix has no such axis.
  case parallel

  /// The KV-cache types llama-server accepts for `-ctk`/`-ctv`.
  public static let cacheTypes = ["f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "iq4_nl", "q5_0", "q5_1"]

  /// The command-line arguments for a value: batch → ["-b", v], ubatch → ["-ub", v], threads → ["-t", v],
  /// ctk → ["-ctk", v, "-ctv", v], flash_attn → ["-fa", v] where bool true/false map to on/off,
  /// ngl → ["-ngl", v], ctx → ["-c", v], parallel → ["-np", v].
  ///
  /// `v` is the value's canonical text; the value is not validated here.
  public func arguments(for value: AxisValue) -> [String] {
    let text = value.canonical
    switch self {
    case .batch: return ["-b", text]
    case .ubatch: return ["-ub", text]
    case .threads: return ["-t", text]
    case .ctk: return ["-ctk", text, "-ctv", text]
    case .flashAttn:
      if case .bool(let on) = value { return ["-fa", on ? "on" : "off"] }
      return ["-fa", text]
    case .ngl: return ["-ngl", text]
    case .ctx: return ["-c", text]
    case .parallel: return ["-np", text]
    }
  }
}

/// Request-time (sampling) axes: they never need a new server.
public enum SamplingParameter: String, Sendable, Hashable, CaseIterable {
  case temperature, seed
  case topP = "top_p"
}

/// Named sets of sampling axes for common questions, written
/// `axes: {sampling: {preset: temperature_sweep}}`; axes given beside a preset win.
public enum SamplingPreset: String, Sendable, Hashable, CaseIterable {
  /// How does quality move with temperature? 0.2, 0.7 and 1.2 at one seed.
  case temperatureSweep = "temperature_sweep"
  /// Two cells whose requests differ in one variable only: the same seed (42) and
  /// temperature (0.7), top-p 0.9 against 1.0, so any difference in answers is top-p's.
  case deterministicPair = "deterministic_pair"

  public var axes: [SamplingParameter: [AxisValue]] {
    switch self {
    case .temperatureSweep: [.temperature: [.double(0.2), .double(0.7), .double(1.2)], .seed: [.int(42)]]
    case .deterministicPair: [.seed: [.int(42)], .temperature: [.double(0.7)], .topP: [.double(0.9), .double(1.0)]]
    }
  }
}

/// How the matrix's axes are combined into cells.
///
/// Only `full` (every combination) exists so far; `pairwise` and `sample` are
/// recognised in `matrix.yaml` and rejected as not supported yet.
public enum Design: String, Sendable {
  case full
}
