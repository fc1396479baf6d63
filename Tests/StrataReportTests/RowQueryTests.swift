import Foundation
import Testing

@testable import StrataReport

private struct Row: ReportRow, Equatable {
  var name: String
  var speed: Double?
  var quant: String
  static let fieldNames = ["name", "speed", "quant"]
  var fields: [String: FieldValue] { ["name": .text(name), "speed": .number(speed), "quant": .text(quant)] }
}

private let rows = [
  Row(name: "a", speed: 20, quant: "Q4_1"), Row(name: "b", speed: nil, quant: "Q10_0"),
  Row(name: "c", speed: 35.5, quant: "Q8_0"), Row(name: "d", speed: 20, quant: "Q4_1"),
]

@Suite("--where, --sort and --by")
struct RowQueryTests {
  func names(_ query: RowQuery) throws -> [String] {
    try query.apply(rows, table: "test table").flatMap(\.rows).map(\.name)
  }

  @Test(
    "filters parse and match",
    arguments: [
      ("speed>=20", ["a", "c", "d"]), ("speed>20", ["c"]), ("speed<30", ["a", "d"]), ("speed<=20", ["a", "d"]),
      ("quant=q4_1", ["a", "d"]), ("quant=Q8_0,Q10_0", ["b", "c"]), ("quant!=Q4_1", ["b", "c"]),
      ("quant~10", ["b"]), ("speed=20", ["a", "d"]), ("speed=-", ["b"]), ("name = c", ["c"]),
    ])
  func filters(filter: String, expected: [String]) throws {
    #expect(try names(RowQuery.parse(where: [filter], sort: nil, by: [])) == expected)
  }

  @Test("several --where must all match")
  func conjunction() throws {
    #expect(try names(RowQuery.parse(where: ["speed>=20", "quant=Q4_1", "name!=a"], sort: nil, by: [])) == ["d"])
  }

  @Test("sorting: numbers by value, text naturally, missing last either way, ties in table order")
  func sorting() throws {
    #expect(try names(RowQuery.parse(where: [], sort: "speed", by: [])) == ["a", "d", "c", "b"])
    #expect(try names(RowQuery.parse(where: [], sort: "-speed", by: [])) == ["c", "a", "d", "b"])
    #expect(try names(RowQuery.parse(where: [], sort: "quant,-name", by: [])) == ["d", "a", "c", "b"])
  }

  @Test("--by makes one titled section per value, in order")
  func grouping() throws {
    let sections = try RowQuery.parse(where: [], sort: "-speed", by: ["quant"]).apply(rows, table: "test table")
    #expect(sections.map(\.title) == ["quant=Q4_1", "quant=Q8_0", "quant=Q10_0"])
    #expect(sections.map { $0.rows.map(\.name) } == [["a", "d"], ["c"], ["b"]])
  }

  @Test("a field the table lacks is an error naming the option and listing the fields")
  func unknownField() throws {
    let query = try RowQuery.parse(where: ["decode>=1"], sort: nil, by: [])
    #expect(throws: RowQueryError.self) { try query.apply(rows, table: "test table") }
    do {
      _ = try query.apply(rows, table: "test table")
    } catch {
      #expect(error.description.contains("--where: the test table has no field `decode`"))
      #expect(error.description.contains("its fields are name, quant, speed"))
    }
    #expect(throws: RowQueryError.self) { try RowQuery.parse(where: [], sort: "-", by: []) }
  }

  @Test("malformed filters say what to write", arguments: ["speed", "=3", "speed>=fast"])
  func badFilters(text: String) {
    #expect(throws: RowQueryError.self) { try RowFilter.parse(text) }
  }

  @Test("the first operator in the text is the one used")
  func firstOperator() throws {
    let filter = try RowFilter.parse("model=a<b")
    #expect(filter.field == "model" && filter.op == .equal && filter.operand == "a<b")
    #expect(try RowFilter.parse("x!=1").op == .notEqual)
    #expect(try RowFilter.parse("x>=1").op == .atLeast)
  }
}
