import Foundation

/// A parsed JSON document, for checking structured replies against a schema.
///
/// Numbers are `Double`: JSON Schema compares numbers by value (1 equals 1.0, and
/// an "integer" is any number without a fractional part), and structured replies
/// hold no integers beyond 2^53.
public enum JSONValue: Sendable, Hashable {
  case null
  case bool(Bool)
  case number(Double)
  case string(String)
  case array([JSONValue])
  case object([String: JSONValue])

  /// Parses one complete JSON text; nil when it is not valid JSON.
  public static func parse(_ text: some StringProtocol) -> JSONValue? {
    try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
  }

  /// The JSON Schema type name of this value ("integer" only through `isInteger`).
  var typeName: String {
    switch self {
    case .null: "null"
    case .bool: "boolean"
    case .number: "number"
    case .string: "string"
    case .array: "array"
    case .object: "object"
    }
  }

  /// Compact JSON text for messages.
  var jsonText: String {
    guard let data = try? JSONEncoder().encode(self) else { return typeName }
    return String(decoding: data, as: UTF8.self)
  }
}

extension JSONValue: Codable {
  public init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    // Bool before Double: the decoder refuses to read `true` as a number and `1`
    // as a Bool, so the order only saves a failed attempt.
    if container.decodeNil() {
      self = .null
    } else if let bool = try? container.decode(Bool.self) {
      self = .bool(bool)
    } else if let number = try? container.decode(Double.self) {
      self = .number(number)
    } else if let string = try? container.decode(String.self) {
      self = .string(string)
    } else if let array = try? container.decode([JSONValue].self) {
      self = .array(array)
    } else {
      self = .object(try container.decode([String: JSONValue].self))
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    switch self {
    case .null: try container.encodeNil()
    case .bool(let bool): try container.encode(bool)
    case .number(let number): try container.encode(number)
    case .string(let string): try container.encode(string)
    case .array(let array): try container.encode(array)
    case .object(let object): try container.encode(object)
    }
  }
}

/// Finds the JSON a model meant as its answer inside a chatty reply.
///
/// Models wrap JSON in prose ("Here is the JSON: {…}") or in Markdown fences
/// (```` ```json … ``` ````). Tried in order: the whole reply; the body of each
/// fenced block; then each `{` or `[` in turn, up to its matching bracket (skipping
/// brackets inside strings). The first candidate that parses wins; only the whole
/// reply may be a bare scalar ("42", "\"yes\"").
public enum JSONLocator {
  /// The JSON found, its text, and where it was found.
  public struct Found: Sendable, Hashable {
    public enum Place: String, Sendable, Hashable { case wholeReply, fencedBlock, embedded }
    public var value: JSONValue
    public var text: String
    public var place: Place
  }

  public static func firstJSON(in reply: String) -> Found? {
    let trimmed = reply.trimmingWhitespace()
    if let value = JSONValue.parse(trimmed) { return Found(value: value, text: trimmed, place: .wholeReply) }
    for body in fencedBlocks(in: reply) {
      let text = body.trimmingWhitespace()
      if let value = JSONValue.parse(text), value.isContainer {
        return Found(value: value, text: text, place: .fencedBlock)
      }
    }
    var start = reply.startIndex
    while let open = reply[start...].firstIndex(where: { $0 == "{" || $0 == "[" }) {
      if let close = matchingClose(in: reply, from: open) {
        let text = reply[open...close]
        if let value = JSONValue.parse(text) { return Found(value: value, text: String(text), place: .embedded) }
      }
      start = reply.index(after: open)
    }
    return nil
  }

  /// Bodies of ```…``` blocks; the info string after the opening fence ("json") is skipped.
  static func fencedBlocks(in text: String) -> [Substring] {
    var blocks: [Substring] = []
    var rest = text[...]
    while let open = rest.range(of: "```") {
      let afterFence = rest[open.upperBound...]
      let bodyStart = afterFence.firstIndex(of: "\n").map { afterFence.index(after: $0) } ?? afterFence.startIndex
      guard let close = rest[bodyStart...].range(of: "```") else { break }
      blocks.append(rest[bodyStart..<close.lowerBound])
      rest = rest[close.upperBound...]
    }
    return blocks
  }

  /// The index of the bracket that closes the one at `open`, tracking string
  /// literals and escapes so that "}" inside a string does not count.
  static func matchingClose(in text: String, from open: String.Index) -> String.Index? {
    var depth = 0
    var inString = false
    var escaped = false
    var index = open
    while index < text.endIndex {
      let character = text[index]
      if inString {
        if escaped {
          escaped = false
        } else if character == "\\" {
          escaped = true
        } else if character == "\"" {
          inString = false
        }
      } else {
        switch character {
        case "\"": inString = true
        case "{", "[": depth += 1
        case "}", "]":
          depth -= 1
          if depth == 0 { return index }
        default: break
        }
      }
      index = text.index(after: index)
    }
    return nil
  }
}

extension JSONValue {
  var isContainer: Bool {
    switch self {
    case .array, .object: true
    default: false
    }
  }
}
