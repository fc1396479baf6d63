import Foundation

/// The two machine formats every report table shares, written once.
enum ReportEncoding {
  /// Rows (or one table) as pretty-printed JSON with sorted keys and a final newline;
  /// `null` if they cannot be encoded (a figure that is not finite).
  static func json<Value: Encodable>(_ value: Value) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) + "\n" } ?? "null\n"
  }

  /// One CSV field, quoted (RFC 4180) when it holds a comma, a quote or a newline.
  static func csvField(_ text: String) -> String {
    text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
      ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
  }
}
