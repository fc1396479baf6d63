/// The GPU/CPU backend a llama-server build uses.
public enum Backend: String, Sendable, Hashable, CaseIterable {
  case cpu, vulkan, cuda, rocm
}

/// How strata runs an engine; only `process` is supported so far.
public enum EngineMode: String, Sendable, Hashable {
  case process, container
}

/// One `engines/<name>.yaml`: a llama-server build and how to start it.
public struct EngineSpec: Sendable, Hashable {
  public var name: String
  public var backend: Backend
  public var mode: EngineMode
  /// The expanded server binary: an absolute path, or a bare command name looked up in `PATH`.
  public var binary: String
  /// Extra environment variables for the server process.
  public var env: [String: String]
  /// Fixed extra arguments appended to every server command line.
  public var args: [String]
  /// Where the engine file starts.
  public var location: SourceLocation

  /// Creates a spec; `location` defaults to an unknown place in `engines/<name>.yaml`.
  public init(
    name: String, backend: Backend, mode: EngineMode = .process, binary: String,
    env: [String: String] = [:], args: [String] = [], location: SourceLocation? = nil
  ) {
    self.name = name
    self.backend = backend
    self.mode = mode
    self.binary = binary
    self.env = env
    self.args = args
    self.location = location ?? SourceLocation(file: "engines/\(name).yaml")
  }
}
