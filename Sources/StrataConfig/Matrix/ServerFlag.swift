/// A server flag axis. Each case knows its llama-server flag(s).
///
/// Values are validated when `matrix.yaml` is parsed: ints for batch, ubatch,
/// threads and ctx (> 0) and ngl (>= 0); ctk one of `ServerFlag.cacheTypes`;
/// flash_attn one of on/off/auto, stored as a string.
public enum ServerFlag: String, Sendable, Hashable, CaseIterable {
  case batch, ubatch, threads, ctk
  case flashAttn = "flash_attn"
  case ngl, ctx

  /// The KV-cache types llama-server accepts for `-ctk`/`-ctv`.
  public static let cacheTypes = ["f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "iq4_nl", "q5_0", "q5_1"]

  /// The command-line arguments for a value: batch → ["-b", v], ubatch → ["-ub", v], threads → ["-t", v],
  /// ctk → ["-ctk", v, "-ctv", v], flash_attn → ["-fa", v] where bool true/false map to on/off,
  /// ngl → ["-ngl", v], ctx → ["-c", v].
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
    }
  }
}

/// Request-time (sampling) axes: they never need a new server.
public enum SamplingParameter: String, Sendable, Hashable, CaseIterable {
  case temperature, seed
}

/// How the matrix's axes are combined into cells.
///
/// Only `full` (every combination) exists so far; `pairwise` and `sample` are
/// recognised in `matrix.yaml` and rejected as not supported yet.
public enum Design: String, Sendable {
  case full
}
