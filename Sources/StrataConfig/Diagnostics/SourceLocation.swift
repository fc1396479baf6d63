/// Position in a config file, 1-based.
///
/// `line == 0` means "the whole file" (e.g. a missing file) and prints as just the
/// file name; `column == 0` prints as `file:line`.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
  public var file: String
  public var line: Int
  public var column: Int

  /// Creates a location; pass `line: 0` for a problem with the file as a whole.
  public init(file: String, line: Int = 0, column: Int = 0) {
    self.file = file
    self.line = line
    self.column = column
  }

  /// `file:line:column`, shortened to `file:line` or `file` when those are 0.
  public var description: String {
    if line <= 0 { return file }
    if column <= 0 { return "\(file):\(line)" }
    return "\(file):\(line):\(column)"
  }
}

extension SourceLocation: Comparable {
  /// Orders by file, then line, then column.
  public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
    (lhs.file, lhs.line, lhs.column) < (rhs.file, rhs.line, rhs.column)
  }
}
