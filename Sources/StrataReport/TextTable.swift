/// The terminal tables' layout: columns as wide as their widest field, two spaces
/// apart, a rule of dashes under the header, no trailing blanks.
struct TextTable {
  var widths: [Int]

  init(header: [String], rows: [[String]]) {
    widths = header.indices.map { column in
      ([header[column]] + rows.map { $0[column] }).map(\.count).max() ?? 0
    }
  }

  func line(_ fields: [String]) -> String {
    zip(fields, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
      .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
  }

  /// The header's line and its rule.
  func heading(_ header: [String]) -> [String] {
    [line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
  }
}
