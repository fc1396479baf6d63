import Yams

/// A YAML scalar resolved with strata's own small schema.
///
/// Quoted and block scalars are always strings. Plain scalars resolve like YAML's
/// core schema restricted to decimal numbers: `~`/`null`/empty → null,
/// `true`/`false` → bool (but `on`, `off`, `yes`, `no` stay strings),
/// decimal integers → int, decimal or exponent floats → double, anything else → string.
enum ScalarValue: Equatable {
  case null
  case bool(Bool)
  case int(Int)
  case double(Double)
  case string(String)

  /// Resolves `scalar`, honouring explicit tags such as `!!str`.
  init(_ scalar: Node.Scalar) {
    let tag = scalar.tag.rawValue
    let text = scalar.string
    if tag == Tag.Name.implicit.rawValue {
      self = scalar.style == .plain || scalar.style == .any ? Self.resolvePlain(text) : .string(text)
      return
    }
    let resolved = Self.resolvePlain(text)
    switch (tag, resolved) {
    case (Tag.Name.null.rawValue, .null), (Tag.Name.bool.rawValue, .bool),
      (Tag.Name.int.rawValue, .int), (Tag.Name.float.rawValue, .double):
      self = resolved
    case (Tag.Name.float.rawValue, .int(let value)):
      self = .double(Double(value))
    default:
      self = .string(text)
    }
  }

  /// Resolution of an untagged plain scalar.
  static func resolvePlain(_ text: String) -> ScalarValue {
    switch text {
    case "", "~", "null", "Null", "NULL": return .null
    case "true", "True", "TRUE": return .bool(true)
    case "false", "False", "FALSE": return .bool(false)
    default: break
    }
    if isDecimalInteger(text) {
      if let value = Int(text) { return .int(value) }
      if let value = Double(text) { return .double(value) }
    }
    let numberCharacters: Set<Character> = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "+", "-", ".", "e", "E"]
    if text.allSatisfy({ numberCharacters.contains($0) }), text.contains(where: \.isASCIIDigitCharacter),
      let value = Double(text), value.isFinite
    {
      return .double(value)
    }
    return .string(text)
  }

  /// An optional sign followed by one or more ASCII digits.
  static func isDecimalInteger(_ text: String) -> Bool {
    var digits = Substring(text)
    if let first = digits.first, first == "+" || first == "-" { digits = digits.dropFirst() }
    return !digits.isEmpty && digits.allSatisfy(\.isASCIIDigitCharacter)
  }

  /// How the value reads in an error message, e.g. `the string 'abc'`.
  var phrase: String {
    switch self {
    case .null: return "an empty value"
    case .bool(let value): return "the boolean \(value)"
    case .int(let value): return "the integer \(value)"
    case .double(let value): return "the number \(value)"
    case .string(let value): return "the string '\(value)'"
    }
  }
}

extension Character {
  /// `0`...`9` only (not other Unicode digits).
  var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
