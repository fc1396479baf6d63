import Foundation
import StrataConfig
import Testing

/// Shared fixtures and helpers for the config tests.
enum TestSupport {
  /// A fixed expander so that expected paths do not depend on the machine.
  static let expander = PathExpander(variables: ["HOME": "/home/tester", "STRATA_CACHE": "/cache/strata"])

  /// The copied `Fixtures/project` directory.
  static func projectDirectory() throws -> String {
    let url = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
    return url.appendingPathComponent("project").path
  }

  /// The errors thrown by `body`, or [] when it succeeds.
  static func errors<T>(_ body: () throws(ConfigErrors) -> T) -> [ConfigError] {
    do {
      _ = try body()
      return []
    } catch {
      return error.errors
    }
  }

  /// A fresh empty directory under the temporary folder.
  static func temporaryDirectory() throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("strata-config-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url.path
  }

  /// Writes `text` to `directory/name`, creating folders as needed.
  static func write(_ text: String, to name: String, in directory: String) throws {
    let url = URL(fileURLWithPath: directory).appendingPathComponent(name)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try text.write(to: url, atomically: true, encoding: .utf8)
  }
}

/// Which parser a test input goes through.
enum ConfigKind: String, Sendable {
  case models, engine, task, matrix

  /// Parses `yaml` as this kind of file and returns the errors (none when it parses).
  func errors(yaml: String, file: String) -> [ConfigError] {
    let expander = TestSupport.expander
    switch self {
    case .models:
      return TestSupport.errors { () throws(ConfigErrors) in
        try ModelsFileParser.parse(yaml: yaml, file: file, expander: expander)
      }
    case .engine:
      return TestSupport.errors { () throws(ConfigErrors) in
        try EngineSpecParser.parse(yaml: yaml, file: file, expander: expander)
      }
    case .task:
      return TestSupport.errors { () throws(ConfigErrors) in
        try TaskSpecParser.parse(yaml: yaml, file: file, expander: expander)
      }
    case .matrix:
      return TestSupport.errors { () throws(ConfigErrors) in try MatrixSpecParser.parse(yaml: yaml, file: file) }
    }
  }

  /// The file name errors are reported against.
  var defaultFile: String {
    switch self {
    case .models: return "models.yaml"
    case .engine: return "engines/cpu.yaml"
    case .task: return "tasks/arc_challenge.yaml"
    case .matrix: return "matrix.yaml"
    }
  }
}
