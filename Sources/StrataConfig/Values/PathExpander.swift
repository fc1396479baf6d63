import Foundation

/// Why a path could not be expanded.
public enum PathExpansionError: Error, Sendable, Equatable, CustomStringConvertible {
  /// `${name}` names a variable that is not set; `path` is the raw text.
  case unknownVariable(name: String, path: String)
  /// A `${` without a closing `}` or with an invalid name inside.
  case malformed(path: String)

  /// A one-line explanation naming the variable or the bad text.
  public var description: String {
    switch self {
    case .unknownVariable(let name, let path): return "unknown variable ${\(name)} in '\(path)'"
    case .malformed(let path): return "malformed ${...} in '\(path)'; write ${NAME} with NAME made of A-Z, 0-9 and _"
    }
  }
}

/// Variables for `${NAME}` and leading `~` expansion in paths.
///
/// Only the braced form `${NAME}` is expanded (a lone `$` stays as is); `~` is
/// expanded only as the whole path or before a `/`, using the `HOME` variable.
public struct PathExpander: Sendable {
  public var variables: [String: String]

  /// An expander over exactly `variables`.
  public init(variables: [String: String]) {
    self.variables = variables
  }

  /// The environment plus `HOME` and `STRATA_CACHE` as the host context has them
  /// (``HostContext/pathExpander``): strata's cache directory when the variable is unset or empty.
  public static func standard(environment: [String: String], home: String, cache: String) -> PathExpander {
    var variables = environment
    variables["HOME"] = home
    if (variables["STRATA_CACHE"] ?? "").isEmpty { variables["STRATA_CACHE"] = cache }
    return PathExpander(variables: variables)
  }

  /// Replaces every `${NAME}` and a leading `~`; throws for unset or malformed variables.
  public func expand(_ raw: String) throws(PathExpansionError) -> String {
    var result = ""
    var rest = Substring(raw)
    if rest == "~" || rest.hasPrefix("~/") {
      guard let home = variables["HOME"] else { throw .unknownVariable(name: "HOME", path: raw) }
      result = home
      rest = rest.dropFirst()
      if result.hasSuffix("/"), rest.hasPrefix("/") { rest = rest.dropFirst() }
    }
    while let dollar = rest.range(of: "${") {
      result += rest[..<dollar.lowerBound]
      let afterOpen = rest[dollar.upperBound...]
      guard let close = afterOpen.firstIndex(of: "}") else { throw .malformed(path: raw) }
      let name = String(afterOpen[..<close])
      guard Self.isVariableName(name) else { throw .malformed(path: raw) }
      guard let value = variables[name] else { throw .unknownVariable(name: name, path: raw) }
      result += value
      rest = afterOpen[afterOpen.index(after: close)...]
    }
    return result + rest
  }

  /// `[A-Za-z_][A-Za-z0-9_]*`: a valid environment variable name.
  public static func isVariableName(_ name: String) -> Bool {
    guard let first = name.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic)
    else { return false }
    return name.unicodeScalars.allSatisfy {
      $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)))
    }
  }
}
