import Yams

/// The keys of one YAML mapping, checked against the keys its context allows.
struct Fields {
  /// The mapping node itself, for "missing key" errors.
  let node: Node
  /// Present keys in document order with their key and value nodes.
  let entries: [(key: String, keyNode: Node, value: Node)]

  /// The value node of `key`, if present.
  subscript(key: String) -> Node? {
    entries.first { $0.key == key }?.value
  }

  /// The key node of `key`, if present (points at the key, not its value).
  func keyNode(_ key: String) -> Node? {
    entries.first { $0.key == key }?.keyNode
  }

  /// Whether `key` is present.
  func has(_ key: String) -> Bool { self[key] != nil }
}

/// Reads typed values out of a node tree for one file, collecting every problem.
struct ConfigReader {
  let file: String
  var errors: [ConfigError] = []

  init(file: String) {
    self.file = file
  }

  // MARK: Positions and reporting

  /// Where `node` starts; the file as a whole when Yams gave no mark.
  func location(of node: Node) -> SourceLocation {
    guard let mark = node.mark else { return SourceLocation(file: file) }
    return SourceLocation(file: file, line: mark.line, column: mark.column)
  }

  /// Records an error at `node`.
  mutating func error(_ message: String, at node: Node, hint: String = "") {
    errors.append(ConfigError(location: location(of: node), message: message, hint: hint))
  }

  /// Records an error at `location`.
  mutating func error(_ message: String, at location: SourceLocation, hint: String = "") {
    errors.append(ConfigError(location: location, message: message, hint: hint))
  }

  /// How a node reads in an error message: `a mapping`, `a list`, `the string 'x'`.
  func describe(_ node: Node) -> String {
    switch node {
    case .mapping: return "a mapping"
    case .sequence: return "a list"
    case .scalar(let scalar): return ScalarValue(scalar).phrase
    case .alias: return "an alias"
    }
  }

  // MARK: Mappings

  /// Checks `node` is a mapping whose keys are all in `known`; reports the rest and returns the known ones.
  mutating func fields(of node: Node, context: String, known: [String]) -> Fields? {
    guard case .mapping(let mapping) = node else {
      error("expected a mapping for \(context), found \(describe(node))", at: node)
      return nil
    }
    var entries: [(key: String, keyNode: Node, value: Node)] = []
    for (keyNode, value) in mapping {
      guard case .scalar(let scalar) = keyNode else {
        error("keys in \(context) must be plain names, found \(describe(keyNode))", at: keyNode)
        continue
      }
      let key = scalar.string
      guard known.contains(key) else {
        error(
          "unknown key '\(key)' in \(context); known keys: \(Suggestions.list(known))", at: keyNode,
          hint: Suggestions.hint(for: key, in: known))
        continue
      }
      entries.append((key, keyNode, value))
    }
    return Fields(node: node, entries: entries)
  }

  /// Reports a missing required key at the mapping.
  mutating func missing(_ key: String, in fields: Fields, context: String, hint: String = "") {
    error("missing required key '\(key)' in \(context)", at: fields.node, hint: hint)
  }

  // MARK: Scalars

  /// The resolved scalar, or nil (and an error) for a mapping, list or alias.
  mutating func scalar(_ node: Node, _ what: String, expected: String) -> ScalarValue? {
    guard case .scalar(let scalar) = node else {
      error("expected \(expected) for \(what), found \(describe(node))", at: node)
      return nil
    }
    return ScalarValue(scalar)
  }

  /// A non-empty text value; numbers and booleans are taken as written.
  mutating func string(_ node: Node, _ what: String) -> String? {
    guard let value = scalar(node, what, expected: "a string") else { return nil }
    guard case .scalar(let raw) = node, value != .null, !raw.string.isEmpty else {
      error("expected a string for \(what), found \(value.phrase)", at: node)
      return nil
    }
    return raw.string
  }

  /// An integer within `range`.
  mutating func int(_ node: Node, _ what: String, range: ClosedRange<Int>? = nil) -> Int? {
    guard let value = scalar(node, what, expected: "an integer") else { return nil }
    guard case .int(let number) = value else {
      error("expected an integer for \(what), found \(value.phrase)", at: node)
      return nil
    }
    if let range, !range.contains(number) {
      error("\(what) must be \(describe(range)), found \(number)", at: node)
      return nil
    }
    return number
  }

  /// A non-negative integer up to `UInt64.max`.
  mutating func uint64(_ node: Node, _ what: String) -> UInt64? {
    guard let value = scalar(node, what, expected: "a non-negative integer") else { return nil }
    if case .scalar(let raw) = node, ScalarValue.isDecimalInteger(raw.string), let number = UInt64(raw.string) {
      return number
    }
    error("expected a non-negative integer for \(what), found \(value.phrase)", at: node)
    return nil
  }

  /// `true` or `false`; YAML's `yes`/`no`/`on`/`off` are strings here, so they are reported.
  mutating func bool(_ node: Node, _ what: String) -> Bool? {
    guard let value = scalar(node, what, expected: "true or false") else { return nil }
    guard case .bool(let flag) = value else {
      error("expected true or false for \(what), found \(value.phrase)", at: node)
      return nil
    }
    return flag
  }

  /// A number (integers are accepted) within `range`.
  mutating func double(_ node: Node, _ what: String, range: ClosedRange<Double>? = nil) -> Double? {
    guard let value = scalar(node, what, expected: "a number") else { return nil }
    let number: Double
    switch value {
    case .int(let int): number = Double(int)
    case .double(let double): number = double
    default:
      error("expected a number for \(what), found \(value.phrase)", at: node)
      return nil
    }
    if let range, !range.contains(number) {
      error("\(what) must be between \(range.lowerBound) and \(range.upperBound), found \(number)", at: node)
      return nil
    }
    return number
  }

  /// A list of nodes; an empty value is an empty list, a single scalar a one-element list when `allowScalar`.
  mutating func list(_ node: Node, _ what: String, allowScalar: Bool = false) -> [Node]? {
    switch node {
    case .sequence(let sequence): return Array(sequence)
    case .scalar(let scalar) where ScalarValue(scalar) == .null: return []
    case .scalar where allowScalar: return [node]
    default:
      error("expected a list for \(what), found \(describe(node))", at: node)
      return nil
    }
  }

  /// `1...4096` → "between 1 and 4096", `1...` style ranges → "at least 1".
  private func describe(_ range: ClosedRange<Int>) -> String {
    if range.upperBound == Int.max { return "at least \(range.lowerBound)" }
    return "between \(range.lowerBound) and \(range.upperBound)"
  }
}
