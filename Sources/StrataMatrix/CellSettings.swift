import StrataConfig

/// The request-time values of a cell, typed once, with the defaults a matrix
/// without that axis gets (named here, not re-invented at each use).
public struct CellSettings: Sendable, Equatable {
  /// Greedy decoding unless the matrix sweeps temperature: figures repeat run to run.
  public static let defaultTemperature = 0.0
  /// The seed every request carries when the matrix has no seed axis.
  public static let defaultSeed: UInt64 = 42

  public var temperature: Double
  public var seed: UInt64
  /// nil leaves llama-server's default top-p when the matrix has no top_p axis.
  public var topP: Double?
  /// The server's slots (`-np`), which is how many task items go out at once.
  public var slots: Int

  public init(_ cell: Cell) {
    temperature = Self.number(cell.sampling[.temperature]) ?? Self.defaultTemperature
    topP = Self.number(cell.sampling[.topP])
    if case .int(let value) = cell.sampling[.seed] {
      seed = UInt64(truncatingIfNeeded: value)
    } else {
      seed = Self.defaultSeed
    }
    if case .int(let value) = cell.flags[.parallel] { slots = max(1, value) } else { slots = 1 }
  }

  private static func number(_ value: AxisValue?) -> Double? {
    switch value {
    case .double(let value): value
    case .int(let value): Double(value)
    default: nil
    }
  }
}

extension Cell {
  /// "engine model quant variant", as progress lines and reports name a cell.
  public var label: String {
    ([engine, model, quant] + (variantLabel.isEmpty ? [] : [variantLabel])).joined(separator: " ")
  }
}

extension LoadGroupKey {
  public var label: String { Cell(engine: engine, model: model, quant: quant, flags: flags).label }
}
