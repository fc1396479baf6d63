import Foundation
import Yams

/// Turns YAML text into a root mapping node, converting every Yams failure to a `ConfigError`.
enum YAMLLoader {
  /// Composes `yaml` and checks the root is a mapping; `expected` names what the file should hold.
  static func rootMapping(yaml: String, file: String, expected: String) throws(ConfigErrors) -> Node {
    let root: Node?
    do {
      root = try Yams.compose(yaml: yaml)
    } catch let error as YamlError {
      throw ConfigErrors(errors: [convert(error, file: file)])
    } catch {
      throw ConfigErrors(errors: [
        ConfigError(location: SourceLocation(file: file), message: "cannot read YAML: \(error)")
      ])
    }
    guard let root else {
      throw ConfigErrors(errors: [
        ConfigError(
          location: SourceLocation(file: file, line: 1, column: 1), message: "the file is empty",
          hint: "write \(expected)")
      ])
    }
    guard case .mapping = root else {
      let reader = ConfigReader(file: file)
      throw ConfigErrors(errors: [
        ConfigError(
          location: reader.location(of: root),
          message: "the top level must be a mapping, found \(reader.describe(root))",
          hint: "write \(expected)")
      ])
    }
    return root
  }

  /// The largest config file read: far past any real models.yaml or matrix, and
  /// small enough that parsing one stays well under a second's worth of memory.
  public static let maxConfigBytes = 4 << 20

  /// Reads a file as UTF-8 text; a missing file is reported with `missingHint`.
  static func readText(path: String, displayName: String, missingHint: String) throws(ConfigErrors) -> String {
    let location = SourceLocation(file: displayName)
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw ConfigErrors(errors: [ConfigError(location: location, message: "file not found", hint: missingHint)])
    }
    guard !isDirectory.boolValue else {
      throw ConfigErrors(errors: [
        ConfigError(location: location, message: "expected a file, found a directory", hint: missingHint)
      ])
    }
    let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    guard size <= maxConfigBytes else {
      throw ConfigErrors(errors: [
        ConfigError(
          location: location,
          message: "the file is \(size) bytes, over the limit of \(maxConfigBytes) bytes (4 MiB) for a config file",
          hint: "a config file this big is almost surely not one; split the models or check the path")
      ])
    }
    guard let data = FileManager.default.contents(atPath: path) else {
      throw ConfigErrors(errors: [ConfigError(location: location, message: "cannot read the file")])
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw ConfigErrors(errors: [
        ConfigError(location: location, message: "the file is not UTF-8 text", hint: "save it as UTF-8")
      ])
    }
    return text
  }

  /// Maps a Yams error to a positioned `ConfigError`.
  static func convert(_ error: YamlError, file: String) -> ConfigError {
    switch error {
    case .scanner(let context, let problem, let mark, _),
      .parser(let context, let problem, let mark, _),
      .composer(let context, let problem, let mark, _):
      var message = "YAML syntax error: \(problem)"
      if let context {
        message += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
      }
      return ConfigError(
        location: SourceLocation(file: file, line: mark.line, column: mark.column),
        message: message, hint: syntaxHint(for: problem))
    case .reader(let problem, let offset, _, let yaml):
      let position = offset.map { lineAndColumn(ofCharacterOffset: $0, in: yaml) } ?? (line: 1, column: 1)
      return ConfigError(
        location: SourceLocation(file: file, line: position.line, column: position.column),
        message: "YAML syntax error: \(problem)",
        hint: "the file must be printable UTF-8 text")
    case .duplicatedKeysInMapping(let duplicates, let context):
      let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
      return ConfigError(
        location: SourceLocation(file: file, line: context.mark.line, column: context.mark.column),
        message: "duplicate key \(keys) in a mapping",
        hint: "this is the first occurrence; each key may appear once, so remove or merge the repeats")
    default:
      return ConfigError(location: SourceLocation(file: file), message: "cannot read YAML: \(error)")
    }
  }

  /// A hint for the common libyaml complaints.
  private static func syntaxHint(for problem: String) -> String {
    if problem.contains("tab") || problem.contains("cannot start any token") {
      return "indent with spaces (YAML does not allow tabs) and quote values that start with @, ` or %"
    }
    if problem.contains("mapping values are not allowed") {
      return "quote values that contain ': ', or check the indentation"
    }
    return "check the indentation and quoting around this position"
  }

  /// 1-based line and column of the character at `offset`.
  static func lineAndColumn(ofCharacterOffset offset: Int, in text: String) -> (line: Int, column: Int) {
    var line = 1
    var column = 1
    for (index, character) in text.enumerated() {
      if index >= offset { break }
      if character.isNewline {
        line += 1
        column = 1
      } else {
        column += 1
      }
    }
    return (line, column)
  }
}
