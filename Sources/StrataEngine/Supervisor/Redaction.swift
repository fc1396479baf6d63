import Foundation

/// What strata writes about a server (its log header, the stored arguments, error
/// messages) never holds a secret from the engine file: `env:` values and the
/// values of llama-server's secret options are replaced by ``placeholder``.
///
/// The values still reach the server: a process gets them in its environment, a
/// container through the runtime's environment (`--env NAME`, see
/// ``ContainerCommand/environmentByName(_:)``).
public enum Redaction {
  public static let placeholder = "<redacted>"

  /// llama-server options whose value is a credential (`--api-key KEY`,
  /// `-hft, --hf-token TOKEN`), in either `--option value` or `--option=value` form.
  public static let secretOptions: Set<String> = ["--api-key", "--hf-token", "-hft"]

  /// `arguments` with every secret option's value replaced.
  public static func arguments(_ arguments: [String]) -> [String] {
    var result: [String] = []
    result.reserveCapacity(arguments.count)
    var hideNext = false
    for argument in arguments {
      if hideNext {
        result.append(placeholder)
        hideNext = false
      } else if secretOptions.contains(argument) {
        result.append(argument)
        hideNext = true
      } else if let equals = argument.firstIndex(of: "="), secretOptions.contains(String(argument[..<equals])) {
        result.append(argument[..<equals] + "=" + placeholder)
      } else {
        result.append(argument)
      }
    }
    return result
  }

  /// `NAME=value` pairs, sorted, with the value of each name in `secretNames`
  /// replaced: the engine file's `env:` entries are secret, the visible-devices
  /// variable strata derives from `gpus:` is not.
  public static func environment(_ environment: [String: String], secretNames: Set<String>) -> [String] {
    environment.sorted { $0.key < $1.key }.map { name, value in
      "\(name)=\(secretNames.contains(name) ? placeholder : value)"
    }
  }

  /// The secret values in an engine's file and a server's arguments: `env:`
  /// values and secret options' values. Values under four characters are left
  /// out: scrubbing every "1" from a log would hide more than it protects.
  public static func secretValues(environment: [String: String], arguments: [String]) -> [String] {
    var values = Array(environment.values)
    for (index, argument) in arguments.enumerated() {
      if secretOptions.contains(argument), arguments.indices.contains(index + 1) { values.append(arguments[index + 1]) }
      if let equals = argument.firstIndex(of: "="), secretOptions.contains(String(argument[..<equals])) {
        values.append(String(argument[argument.index(after: equals)...]))
      }
    }
    return values.filter { $0.count >= 4 }.sorted { $0.count > $1.count }
  }

  /// `text` with every secret value replaced: for what the server printed, which
  /// strata quotes in errors (a log tail) but does not control.
  public static func scrub(_ text: String, secrets: [String]) -> String {
    secrets.reduce(text) { $0.replacingOccurrences(of: $1, with: placeholder) }
  }
}
