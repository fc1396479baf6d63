import Foundation

/// The subset of JSON Schema (draft 2020-12 semantics) that structured-output
/// tasks need, compiled once from a task's schema.
///
/// Validation keywords: `type` (a name or an array of names), `properties`,
/// `required`, `additionalProperties` (a boolean or a schema), `items` (one schema
/// for every element), `enum`, `const`, `minimum`, `maximum`, `minLength`,
/// `maxLength` (in Unicode code points, as the spec counts) and `pattern`
/// (unanchored, ICU syntax). Annotations that never change a verdict (`$schema`,
/// `$id`, `$comment`, `title`, `description`, `default`, `examples`) are allowed.
/// Any other keyword is an error when the schema is compiled: a task whose schema
/// says `minItems` must not pass replies that a full validator would fail.
///
/// As in JSON Schema, a keyword applies only to values of its type (`minimum`
/// ignores strings), and `true`/`false` are schemas that accept/reject everything.
public struct JSONSchema: Sendable {
  let root: Node

  static let validationKeywords: Set<String> = [
    "type", "properties", "required", "additionalProperties", "items", "enum", "const",
    "minimum", "maximum", "minLength", "maxLength", "pattern",
  ]
  static let annotationKeywords: Set<String> = [
    "$schema", "$id", "$comment", "title", "description", "default", "examples",
  ]
  static let typeNames: Set<String> = ["null", "boolean", "object", "array", "number", "integer", "string"]

  public init(_ schema: JSONValue) throws(ScoringError) {
    root = try Node(schema, at: "#")
  }

  /// Compiles a schema written as JSON text.
  public init(json: String) throws(ScoringError) {
    guard let value = JSONValue.parse(json) else {
      throw .invalidSchema(path: "#", reason: "the schema is not valid JSON")
    }
    try self.init(value)
  }

  /// Everything wrong with `value`; empty when it is valid.
  public func violations(of value: JSONValue) -> [JSONSchemaViolation] {
    var found: [JSONSchemaViolation] = []
    root.check(value, at: "$", into: &found)
    return found
  }

  /// One compiled (sub)schema. A class so that schemas can nest; every property is
  /// a `let` of a Sendable type, which makes it Sendable.
  final class Node: Sendable {
    enum Additional: Sendable {
      case allowed
      case forbidden
      case schema(Node)
    }

    let acceptsNothing: Bool
    let types: Set<String>?
    let properties: [String: Node]
    let required: [String]
    let additional: Additional
    let items: Node?
    let allowedValues: [JSONValue]?
    let constant: JSONValue?
    let minimum: Double?
    let maximum: Double?
    let minLength: Int?
    let maxLength: Int?
    let pattern: AnswerPattern?

    init(_ schema: JSONValue, at path: String) throws(ScoringError) {
      let keywords: [String: JSONValue]
      switch schema {
      case .bool(let accepts): keywords = [:]; acceptsNothing = !accepts
      case .object(let object): keywords = object; acceptsNothing = false
      default: throw .invalidSchema(path: path, reason: "a schema must be an object or a boolean")
      }
      for key in keywords.keys.sorted()
      where !JSONSchema.validationKeywords.contains(key) && !JSONSchema.annotationKeywords.contains(key) {
        throw .unsupportedSchemaKeyword(key, path: path)
      }

      types = try Self.types(keywords["type"], at: path + "/type")
      var properties: [String: Node] = [:]
      if let value = keywords["properties"] {
        guard case .object(let object) = value else {
          throw .invalidSchema(path: path + "/properties", reason: "must be an object of schemas")
        }
        for (name, subschema) in object {
          properties[name] = try Node(subschema, at: path + "/properties/" + name)
        }
      }
      self.properties = properties
      required = try Self.strings(keywords["required"], at: path + "/required")
      switch keywords["additionalProperties"] {
      case nil, .bool(true)?: additional = .allowed
      case .bool(false)?: additional = .forbidden
      case let subschema?: additional = .schema(try Node(subschema, at: path + "/additionalProperties"))
      }
      switch keywords["items"] {
      case nil: items = nil
      case .array?:
        throw .invalidSchema(
          path: path + "/items", reason: "tuple form (an array of schemas) is not supported; give one schema")
      case let subschema?: items = try Node(subschema, at: path + "/items")
      }
      switch keywords["enum"] {
      case nil: allowedValues = nil
      case .array(let values)?: allowedValues = values
      default: throw .invalidSchema(path: path + "/enum", reason: "must be an array of values")
      }
      constant = keywords["const"]
      minimum = try Self.number(keywords["minimum"], at: path + "/minimum")
      maximum = try Self.number(keywords["maximum"], at: path + "/maximum")
      minLength = try Self.count(keywords["minLength"], at: path + "/minLength")
      maxLength = try Self.count(keywords["maxLength"], at: path + "/maxLength")
      switch keywords["pattern"] {
      case nil: pattern = nil
      case .string(let text)?: pattern = try AnswerPattern(text)
      default: throw .invalidSchema(path: path + "/pattern", reason: "must be a string")
      }
    }

    static func types(_ value: JSONValue?, at path: String) throws(ScoringError) -> Set<String>? {
      guard let value else { return nil }
      let names: [String]
      switch value {
      case .string(let name): names = [name]
      case .array: names = try strings(value, at: path)
      default: throw .invalidSchema(path: path, reason: "must be a type name or an array of type names")
      }
      for name in names where !JSONSchema.typeNames.contains(name) {
        throw .invalidSchema(
          path: path,
          reason: "unknown type \"\(name)\"; use one of \(JSONSchema.typeNames.sorted().joined(separator: ", "))")
      }
      return Set(names)
    }

    static func strings(_ value: JSONValue?, at path: String) throws(ScoringError) -> [String] {
      guard let value else { return [] }
      guard case .array(let elements) = value else {
        throw .invalidSchema(path: path, reason: "must be an array of strings")
      }
      var result: [String] = []
      for element in elements {
        guard case .string(let string) = element else {
          throw .invalidSchema(path: path, reason: "must be an array of strings")
        }
        result.append(string)
      }
      return result
    }

    static func number(_ value: JSONValue?, at path: String) throws(ScoringError) -> Double? {
      guard let value else { return nil }
      guard case .number(let number) = value else { throw .invalidSchema(path: path, reason: "must be a number") }
      return number
    }

    static func count(_ value: JSONValue?, at path: String) throws(ScoringError) -> Int? {
      guard let value else { return nil }
      guard case .number(let number) = value, number >= 0, number == number.rounded(), number < 1e15 else {
        throw .invalidSchema(path: path, reason: "must be a non-negative integer")
      }
      return Int(number)
    }

    func check(_ value: JSONValue, at path: String, into found: inout [JSONSchemaViolation]) {
      func fail(_ message: String) { found.append(JSONSchemaViolation(path: path, message: message)) }
      if acceptsNothing { return fail("the schema allows no value here") }
      if let types, !types.contains(where: { value.hasType($0) }) {
        fail("expected \(types.sorted().joined(separator: " or ")), found \(value.typeName)")
      }
      if let allowedValues, !allowedValues.contains(value) {
        fail("\(value.jsonText) is not one of \(JSONValue.array(allowedValues).jsonText)")
      }
      if let constant, constant != value { fail("\(value.jsonText) is not \(constant.jsonText)") }

      switch value {
      case .number(let number):
        if let minimum, number < minimum { fail("\(value.jsonText) is less than the minimum \(minimum)") }
        if let maximum, number > maximum { fail("\(value.jsonText) is more than the maximum \(maximum)") }
      case .string(let string):
        let length = string.unicodeScalars.count
        if let minLength, length < minLength { fail("length \(length) is shorter than minLength \(minLength)") }
        if let maxLength, length > maxLength { fail("length \(length) is longer than maxLength \(maxLength)") }
        if let pattern, pattern.extract(from: string) == nil {
          fail("\(value.jsonText) does not match the pattern \(pattern.pattern)")
        }
      case .array(let elements):
        if let items {
          for (index, element) in elements.enumerated() { items.check(element, at: "\(path)[\(index)]", into: &found) }
        }
      case .object(let object):
        for name in required where object[name] == nil { fail("required property \"\(name)\" is missing") }
        for (name, member) in object.sorted(by: { $0.key < $1.key }) {
          let memberPath = "\(path).\(name)"
          if let schema = properties[name] {
            schema.check(member, at: memberPath, into: &found)
          } else {
            switch additional {
            case .allowed: break
            case .forbidden: fail("property \"\(name)\" is not allowed (additionalProperties is false)")
            case .schema(let schema): schema.check(member, at: memberPath, into: &found)
            }
          }
        }
      case .null, .bool: break
      }
    }
  }
}

/// One way a value fails its schema: where (`$.items[2].name`) and why.
public struct JSONSchemaViolation: Sendable, Hashable, CustomStringConvertible {
  public var path: String
  public var message: String
  public var description: String { "\(path): \(message)" }
}

extension JSONValue {
  func hasType(_ name: String) -> Bool {
    switch (name, self) {
    case ("integer", .number(let number)): number == number.rounded() && number.isFinite
    default: name == typeName
    }
  }
}
