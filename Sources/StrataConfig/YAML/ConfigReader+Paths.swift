import Foundation
import Yams

extension ConfigReader {
  /// Reads a path, expands `${NAME}` and `~`, and makes a relative result absolute
  /// against the directory of this config file.
  ///
  /// With `allowCommandName`, a bare name without `/` (e.g. `llama-server`) is kept
  /// as is so that it can be looked up in `PATH` later.
  mutating func path(
    _ node: Node, _ what: String, expander: PathExpander, allowCommandName: Bool = false
  ) -> String? {
    guard let raw = string(node, what) else { return nil }
    let expanded: String
    do {
      expanded = try expander.expand(raw)
    } catch {
      switch error {
      case .unknownVariable(let name, _):
        self.error(
          "\(error) (\(what))", at: node,
          hint: "set \(name) in the environment, or use ${STRATA_CACHE}, ${HOME} or ~")
      case .malformed:
        self.error("\(error) (\(what))", at: node)
      }
      return nil
    }
    if allowCommandName, !expanded.contains("/") { return expanded }
    return absolutePath(expanded)
  }

  /// `path` itself when absolute, else resolved against the config file's directory.
  func absolutePath(_ path: String) -> String {
    if path.hasPrefix("/") { return URL(fileURLWithPath: path).standardizedFileURL.path }
    var directory = (file as NSString).deletingLastPathComponent
    if !directory.hasPrefix("/") {
      let current = FileManager.default.currentDirectoryPath
      directory = directory.isEmpty ? current : (current as NSString).appendingPathComponent(directory)
    }
    let joined = (directory as NSString).appendingPathComponent(path)
    return URL(fileURLWithPath: joined).standardizedFileURL.path
  }
}
