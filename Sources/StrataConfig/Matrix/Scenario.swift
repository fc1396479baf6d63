/// A benchmark workload: prompt (prefill) length and generated length in tokens.
public struct Scenario: Sendable, Hashable {
  /// The canonical name, `pp<promptTokens>-tg<generateTokens>`.
  public var name: String
  public var promptTokens: Int
  public var generateTokens: Int

  /// The most tokens either part may have.
  public static let maximumTokens = 32768

  /// Parses "pp512-tg128" (both positive ints, at most 32768) → nil otherwise.
  ///
  /// Numbers with leading zeros are rejected so that every scenario has one name.
  public init?(name: String) {
    guard name.hasPrefix("pp") else { return nil }
    let parts = name.dropFirst(2).split(separator: "-", omittingEmptySubsequences: false)
    guard parts.count == 2, parts[1].hasPrefix("tg"),
      let prompt = Self.count(parts[0]), let generate = Self.count(parts[1].dropFirst(2))
    else { return nil }
    self.init(promptTokens: prompt, generateTokens: generate)
  }

  /// A scenario with the given lengths; the name is derived (no range check).
  public init(promptTokens: Int, generateTokens: Int) {
    self.name = "pp\(promptTokens)-tg\(generateTokens)"
    self.promptTokens = promptTokens
    self.generateTokens = generateTokens
  }

  /// The default workload, pp512-tg128.
  public static let standard = Scenario(promptTokens: 512, generateTokens: 128)

  /// A token count in 1...32768 written without sign or leading zeros.
  private static func count(_ text: Substring) -> Int? {
    guard let first = text.first, first != "0", text.count <= 5,
      text.allSatisfy(\.isASCIIDigitCharacter), let value = Int(text), value <= maximumTokens
    else { return nil }
    return value
  }
}

/// A task to run on each cell, with an optional item limit overriding the task's own.
public struct TaskSelection: Sendable, Hashable {
  public var name: String
  public var limit: Int?

  /// Selects task `name`, optionally limited to `limit` items.
  public init(name: String, limit: Int? = nil) {
    self.name = name
    self.limit = limit
  }
}
