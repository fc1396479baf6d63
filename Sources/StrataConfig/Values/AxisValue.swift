/// A scalar value of an axis.
///
/// `canonical` is the text used in cell identities and on command lines: strings
/// as is, ints in decimal (`512`), doubles via `String(describing:)` (`0.7`, `1.0`),
/// bools `true`/`false`. Ordering: bools, then numbers (numerically; an int sorts
/// before an equal double), then strings.
public enum AxisValue: Sendable, Hashable, Comparable, CustomStringConvertible {
  case string(String)
  case int(Int)
  case double(Double)
  case bool(Bool)

  /// The text form of the value (see the type's documentation).
  public var canonical: String {
    switch self {
    case .string(let value): return value
    case .int(let value): return String(value)
    case .double(let value): return String(describing: value)
    case .bool(let value): return value ? "true" : "false"
    }
  }

  /// Same as `canonical`.
  public var description: String { canonical }

  /// The string payload, if this is a string.
  public var stringValue: String? {
    if case .string(let value) = self { return value }
    return nil
  }

  /// Orders values of mixed kinds deterministically (see the type's documentation).
  public static func < (lhs: AxisValue, rhs: AxisValue) -> Bool {
    switch (lhs, rhs) {
    case (.bool(let left), .bool(let right)): return !left && right
    case (.string(let left), .string(let right)): return left < right
    case (.int(let left), .int(let right)): return left < right
    case (.double(let left), .double(let right)): return left < right
    case (.int(let left), .double(let right)): return Double(left) <= right
    case (.double(let left), .int(let right)): return left < Double(right)
    default: return lhs.rank < rhs.rank
    }
  }

  /// Kind order for `<`: bool, number, string.
  private var rank: Int {
    switch self {
    case .bool: return 0
    case .int, .double: return 1
    case .string: return 2
    }
  }
}
