import Foundation
import Yams

/// Checks shared by the one-file-per-item folders (`engines/`, `tasks/`).
enum FileNames {
  /// `engines/cpu.yaml` → `cpu`.
  static func baseName(of file: String) -> String {
    ((file as NSString).lastPathComponent as NSString).deletingPathExtension
  }

  /// Reads the required `name:` and checks it equals the file's base name.
  static func checkName(
    _ fields: Fields, reader: inout ConfigReader, kind: String, folder: String, baseName: String
  ) -> String? {
    guard let node = fields["name"] else {
      reader.missing("name", in: fields, context: "the \(kind) file", hint: "add `name: \(baseName)`")
      return nil
    }
    guard let name = reader.string(node, "name") else { return nil }
    guard name == baseName else {
      reader.error(
        "\(kind) name '\(name)' does not match the file name '\(baseName)'", at: node,
        hint: "write `name: \(baseName)`, or rename the file to \(folder)/\(name).yaml")
      return nil
    }
    return name
  }
}
