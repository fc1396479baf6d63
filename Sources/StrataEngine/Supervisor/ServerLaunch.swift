import StrataConfig

/// Everything needed to start one llama-server for a load group.
public struct ServerLaunch: Sendable, Hashable {
  public var engine: EngineSpec
  public var modelPath: String
  /// Load-time flags of the group, e.g. `["-fa", "on", "-t", "2"]`.
  public var flagArguments: [String]
  public var logPath: String
  /// The run this server belongs to, for container labels and crash leases.
  public var runId: String
  /// The server's number in the run, part of its container name.
  public var index: Int

  public init(
    engine: EngineSpec, modelPath: String, flagArguments: [String], logPath: String, runId: String = "adhoc",
    index: Int = 0
  ) {
    self.engine = engine
    self.modelPath = modelPath
    self.flagArguments = flagArguments
    self.logPath = logPath
    self.runId = runId
    self.index = index
  }

  /// The process-mode argument vector, binary first. Loopback only; `-np 1`
  /// because every scenario here is single-stream and llama-server otherwise
  /// splits its context over 4 slots. Flags from the matrix come after the
  /// engine's fixed arguments, so a matrix value wins over an engine default.
  public func arguments(port: Int) -> [String] {
    [engine.binary, "-m", modelPath, "--host", "127.0.0.1", "--port", String(port), "-np", "1"]
      + engine.args + flagArguments
  }

  /// The secrets of this launch (``Redaction/secretValues(environment:arguments:)``).
  public var secretValues: [String] {
    Redaction.secretValues(environment: engine.env, arguments: arguments(port: 0))
  }
}
