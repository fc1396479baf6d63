/// Every config problem.
///
/// `description` reads `<file>:<line>:<col>: error: <message>` followed by
/// `\n  hint: <hint>`; the location part is left out when `location` is nil and
/// the hint line when `hint` is empty.
public struct ConfigError: Error, Sendable, CustomStringConvertible, Equatable {
  public var location: SourceLocation?
  public var message: String
  public var hint: String

  /// Creates an error; `hint` says what to do about it ("" for none).
  public init(location: SourceLocation?, message: String, hint: String = "") {
    self.location = location
    self.message = message
    self.hint = hint
  }

  /// The compiler-style text, e.g. `matrix.yaml:3:11: error: unknown engine 'gpu'`.
  public var description: String {
    var text = location.map { "\($0): error: " } ?? "error: "
    text += message
    if !hint.isEmpty { text += "\n  hint: \(hint)" }
    return text
  }
}

/// Every problem found while reading a file or a project, not just the first.
///
/// `description` prints each error on its own line(s), in the stored order.
public struct ConfigErrors: Error, Sendable, CustomStringConvertible {
  public var errors: [ConfigError]

  /// Wraps `errors` as given; use `sorted()` for file/line order.
  public init(errors: [ConfigError]) {
    self.errors = errors
  }

  /// One error per line (plus its hint line).
  public var description: String {
    errors.map(\.description).joined(separator: "\n")
  }

  /// The errors ordered by file, then line, then column; errors without a location first.
  public func sorted() -> ConfigErrors {
    let ordered = errors.enumerated().sorted { lhs, rhs in
      switch (lhs.element.location, rhs.element.location) {
      case (nil, nil): return lhs.offset < rhs.offset
      case (nil, _): return true
      case (_, nil): return false
      case (let left?, let right?):
        if left == right { return lhs.offset < rhs.offset }
        return left < right
      }
    }
    return ConfigErrors(errors: ordered.map(\.element))
  }
}
