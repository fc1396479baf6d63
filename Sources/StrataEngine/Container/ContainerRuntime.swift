import Foundation
import StrataConfig

/// podman or docker, and the executable that runs it.
public struct ContainerRuntime: Sendable, Hashable {
  public enum Kind: String, Sendable, Hashable, CaseIterable {
    case podman, docker
  }

  public var kind: Kind
  /// Absolute path of the CLI, or a bare name looked up in PATH.
  public var executable: String

  public init(kind: Kind, executable: String? = nil) {
    self.kind = kind
    self.executable = executable ?? kind.rawValue
  }

  /// The runtime an engine asks for, found in `path` (a PATH value): `auto`
  /// prefers podman, which needs no daemon. nil when none is installed.
  public static func resolve(_ choice: ContainerRuntimeChoice, path: String?) -> ContainerRuntime? {
    let kinds: [Kind] =
      switch choice {
      case .auto: [.podman, .docker]
      case .podman: [.podman]
      case .docker: [.docker]
      }
    for kind in kinds {
      if let executable = ExecutableLookup.find(kind.rawValue, path: path) {
        return ContainerRuntime(kind: kind, executable: executable)
      }
    }
    return nil
  }
}

/// `which`, without a shell.
public enum ExecutableLookup {
  /// The first executable `name` in the `path` list; an absolute or relative path is checked as is.
  public static func find(_ name: String, path: String?) -> String? {
    if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
    for directory in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
      let candidate = "\(directory)/\(name)"
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
  }
}
