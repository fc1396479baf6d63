import StrataConfig

/// One point of the matrix: a full assignment of every axis the matrix declares.
///
/// A cell is identified by a hash of its canonical form (axis names sorted, one
/// `name=value` per line), so the same assignment hashes the same whatever the
/// order of keys in `matrix.yaml`, on every machine and in every run.
public struct Cell: Sendable, Hashable, Identifiable {
  public var engine: String
  public var model: String
  public var quant: String
  /// Load-time server flags (need their own server).
  public var flags: [ServerFlag: AxisValue]
  /// Request-time parameters (share a server with their siblings).
  public var sampling: [SamplingParameter: AxisValue]

  public init(
    engine: String, model: String, quant: String,
    flags: [ServerFlag: AxisValue] = [:], sampling: [SamplingParameter: AxisValue] = [:]
  ) {
    self.engine = engine
    self.model = model
    self.quant = quant
    self.flags = flags
    self.sampling = sampling
  }

  /// Every axis as `name → value`, with the names used by exclude rules.
  public var assignment: [String: AxisValue] {
    var result: [String: AxisValue] = [
      "engine": .string(engine), "model": .string(model), "quant": .string(quant),
    ]
    for (flag, value) in flags { result[flag.rawValue] = value }
    for (parameter, value) in sampling { result[parameter.rawValue] = value }
    return result
  }

  /// `name=value` lines sorted by name: the input of the cell hash.
  public var canonicalForm: String {
    assignment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.canonical)" }.joined(
      separator: "\n")
  }

  /// Stable 16-hex-digit identity of the assignment.
  public var id: String { StableHash.hex(canonicalForm) }

  /// The cells that can share one running server have equal load keys.
  public var loadKey: LoadGroupKey {
    LoadGroupKey(engine: engine, model: model, quant: quant, flags: flags)
  }

  /// llama-server arguments for the load-time flags, in a fixed order.
  public var flagArguments: [String] {
    flags.sorted { $0.key.rawValue < $1.key.rawValue }.flatMap { $0.key.arguments(for: $0.value) }
  }

  /// A short label of the flags and sampling values, e.g. "flash_attn=on threads=2".
  public var variantLabel: String {
    let parts =
      flags.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue)=\($0.value)" }
      + sampling.sorted { $0.key.rawValue < $1.key.rawValue }.map {
        "\($0.key.rawValue)=\($0.value)"
      }
    return parts.joined(separator: " ")
  }
}

/// What makes two cells need different servers: engine, model file and load-time flags.
public struct LoadGroupKey: Sendable, Hashable {
  public var engine: String
  public var model: String
  public var quant: String
  public var flags: [ServerFlag: AxisValue]

  /// Stable identity of the group, derived like a cell's.
  public var id: String {
    let flagLines = flags.sorted { $0.key.rawValue < $1.key.rawValue }.map {
      "\($0.key.rawValue)=\($0.value.canonical)"
    }
    return StableHash.hex(
      (["engine=\(engine)", "model=\(model)", "quant=\(quant)"] + flagLines).joined(separator: "\n"))
  }
}
