import Foundation

/// One field of a report row as `--where`, `--sort` and `--by` see it.
public enum FieldValue: Sendable, Hashable, CustomStringConvertible {
  case text(String)
  case number(Double)
  /// The row has no such figure (a failed cell has no decode speed).
  case missing

  public var description: String {
    switch self {
    case .text(let text): text
    case .number(let value): value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    case .missing: "-"
    }
  }
}

/// A row of a report table that can be filtered, sorted and grouped by name.
public protocol ReportRow: Sendable {
  /// Field name → value. Names are lower-case machine names (`decode_tps`, `host`).
  var fields: [String: FieldValue] { get }
  /// The names every row of this table has, for error messages and `--help`
  /// (a row's axes add more).
  static var fieldNames: [String] { get }
}

/// `--where FIELD OP VALUE`: `=` and `!=` take a comma-separated list of values
/// (any of them); `~` is a case-insensitive substring; `<`, `<=`, `>`, `>=` compare numbers.
public struct RowFilter: Sendable, Hashable {
  public enum Operator: String, Sendable, CaseIterable {
    // Two-character operators first, so that `>=` is not read as `>` followed by `=…`.
    case notEqual = "!=", atLeast = ">=", atMost = "<=", equal = "=", greater = ">", less = "<", contains = "~"
  }
  public var field: String
  public var op: Operator
  public var operand: String

  public init(field: String, op: Operator, operand: String) {
    self.field = field
    self.op = op
    self.operand = operand
  }

  /// Parses `decode_tps>=20`, `engine=cpu,vulkan`, `host~lab`.
  public static func parse(_ text: String) throws(RowQueryError) -> RowFilter {
    for op in Operator.allCases {
      guard let range = text.range(of: op.rawValue) else { continue }
      // The first operator in the text wins: `model=a<b` is an equality on model.
      let earlier = Operator.allCases.compactMap { other in text.range(of: other.rawValue)?.lowerBound }.min()
      guard range.lowerBound == earlier else { continue }
      let field = text[..<range.lowerBound].trimmingCharacters(in: .whitespaces).lowercased()
      let operand = text[range.upperBound...].trimmingCharacters(in: .whitespaces)
      guard !field.isEmpty else { throw .badFilter(text, "it names no field before `\(op.rawValue)`") }
      if [.atLeast, .atMost, .greater, .less].contains(op), Double(operand) == nil {
        throw .badFilter(text, "`\(op.rawValue)` compares numbers and `\(operand)` is not one")
      }
      return RowFilter(field: field, op: op, operand: operand)
    }
    throw .badFilter(text, "it has no operator; write FIELD=VALUE, FIELD!=VALUE, FIELD~TEXT or FIELD>=NUMBER")
  }

  func matches(_ value: FieldValue) -> Bool {
    switch op {
    case .equal: return alternatives.contains { Self.same(value, $0) }
    case .notEqual: return !alternatives.contains { Self.same(value, $0) }
    case .contains:
      guard case .text(let text) = value else {
        return value != .missing && value.description.localizedCaseInsensitiveContains(operand)
      }
      return text.localizedCaseInsensitiveContains(operand)
    case .atLeast, .atMost, .greater, .less:
      guard case .number(let number) = value, let bound = Double(operand) else { return false }
      switch op {
      case .atLeast: return number >= bound
      case .atMost: return number <= bound
      case .greater: return number > bound
      default: return number < bound
      }
    }
  }

  private var alternatives: [String] {
    operand.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
  }

  /// Text compares case-insensitively; a number equals an operand with the same value ("2" = 2.0).
  private static func same(_ value: FieldValue, _ operand: String) -> Bool {
    switch value {
    case .text(let text): text.caseInsensitiveCompare(operand) == .orderedSame
    case .number(let number): Double(operand) == number
    case .missing: operand == "-" || operand.isEmpty
    }
  }
}

/// `--sort FIELD[,FIELD…]`, each descending with a leading `-`.
public struct SortKey: Sendable, Hashable {
  public var field: String
  public var descending: Bool

  public init(field: String, descending: Bool = false) {
    self.field = field
    self.descending = descending
  }

  public static func parse(_ text: String) throws(RowQueryError) -> [SortKey] {
    var keys: [SortKey] = []
    for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
      let descending = part.hasPrefix("-")
      let field = (descending || part.hasPrefix("+") ? String(part.dropFirst()) : part).lowercased()
      guard !field.isEmpty else { throw .badSort(text) }
      keys.append(SortKey(field: field, descending: descending))
    }
    guard !keys.isEmpty else { throw .badSort(text) }
    return keys
  }
}

/// Rows that share the `--by` fields' values, under a heading that names them.
public struct ReportSection<Row: Sendable>: Sendable {
  /// "host=lab1 engine=cpu"; nil without `--by`.
  public var title: String?
  public var rows: [Row]
}

/// What `--where`, `--sort` and `--by` ask of a table: keep the rows every filter
/// matches, order them (missing values last, the table's own order breaking ties),
/// and split them into sections by the grouping fields.
public struct RowQuery: Sendable, Hashable {
  public var filters: [RowFilter]
  public var sort: [SortKey]
  public var groups: [String]

  public init(filters: [RowFilter] = [], sort: [SortKey] = [], groups: [String] = []) {
    self.filters = filters
    self.sort = sort
    self.groups = groups.map { $0.lowercased() }
  }

  public static func parse(where filters: [String], sort: String?, by groups: [String]) throws(RowQueryError)
    -> RowQuery
  {
    var parsed: [RowFilter] = []
    for filter in filters { parsed.append(try RowFilter.parse(filter)) }
    let keys = try sort.map { text throws(RowQueryError) in try SortKey.parse(text) } ?? []
    let fields = groups.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
      .filter { !$0.isEmpty }
    return RowQuery(filters: parsed, sort: keys, groups: fields)
  }

  public var isEmpty: Bool { filters.isEmpty && sort.isEmpty && groups.isEmpty }

  /// Every field the query names must exist in the table: a typo is an error, not an empty table.
  public func check<Row: ReportRow>(_ rows: [Row], table: String) throws(RowQueryError) {
    let known = Set(Row.fieldNames).union(rows.flatMap(\.fields.keys))
    let named = filters.map { ("--where", $0.field) } + sort.map { ("--sort", $0.field) } + groups.map { ("--by", $0) }
    for (option, field) in named where !known.contains(field) {
      throw .unknownField(option: option, field: field, table: table, known: known.sorted())
    }
  }

  public func apply<Row: ReportRow>(_ rows: [Row], table: String) throws(RowQueryError) -> [ReportSection<Row>] {
    try check(rows, table: table)
    let kept = rows.enumerated().filter { _, row in
      let fields = row.fields
      return filters.allSatisfy { $0.matches(fields[$0.field] ?? .missing) }
    }
    let keys = groups.map { SortKey(field: $0) } + sort
    let ordered = kept.sorted { left, right in
      let a = left.element.fields
      let b = right.element.fields
      for key in keys {
        let order = Self.compare(a[key.field] ?? .missing, b[key.field] ?? .missing, descending: key.descending)
        if order != .orderedSame { return order == .orderedAscending }
      }
      return left.offset < right.offset
    }.map(\.element)
    guard !groups.isEmpty else { return [ReportSection(title: nil, rows: ordered)] }
    var sections: [ReportSection<Row>] = []
    for row in ordered {
      let fields = row.fields
      let title = groups.map { "\($0)=\(fields[$0] ?? .missing)" }.joined(separator: " ")
      if sections.last?.title == title {
        sections[sections.count - 1].rows.append(row)
      } else {
        sections.append(ReportSection(title: title, rows: [row]))
      }
    }
    return sections
  }

  /// Numbers by value, text naturally ("Q4_1" before "Q10"), missing last whichever the direction.
  static func compare(_ a: FieldValue, _ b: FieldValue, descending: Bool) -> ComparisonResult {
    switch (a, b) {
    case (.missing, .missing): return .orderedSame
    case (.missing, _): return .orderedDescending
    case (_, .missing): return .orderedAscending
    default: break
    }
    let order: ComparisonResult =
      switch (a, b) {
      case (.number(let x), .number(let y)): x < y ? .orderedAscending : x > y ? .orderedDescending : .orderedSame
      case (.number, .text): .orderedAscending
      case (.text, .number): .orderedDescending
      default: a.description.localizedStandardCompare(b.description)
      }
    guard descending else { return order }
    return order == .orderedAscending ? .orderedDescending : order == .orderedDescending ? .orderedAscending : order
  }
}

/// A `--where`, `--sort` or `--by` the table cannot apply; says what it can.
public enum RowQueryError: Error, Sendable, Equatable, CustomStringConvertible {
  case badFilter(String, String)
  case badSort(String)
  case unknownField(option: String, field: String, table: String, known: [String])

  public var description: String {
    switch self {
    case .badFilter(let text, let why):
      "--where \(text): \(why)\n  hint: for example --where engine=cpu,vulkan --where decode_tps>=20 --where host~lab"
    case .badSort(let text):
      "--sort \(text): name the fields to sort by, `-` before one for descending, e.g. --sort -decode_tps,model"
    case .unknownField(let option, let field, let table, let known):
      "\(option): the \(table) has no field `\(field)`\n  hint: its fields are \(known.joined(separator: ", "))"
    }
  }
}

extension FieldValue {
  static func number(_ value: Double?) -> FieldValue { value.map(FieldValue.number) ?? .missing }
  static func text(_ value: String?) -> FieldValue { value.map(FieldValue.text) ?? .missing }
  static func mebibytes(_ bytes: Int64?) -> FieldValue { bytes.map { .number(Double($0) / 1_048_576) } ?? .missing }
}
