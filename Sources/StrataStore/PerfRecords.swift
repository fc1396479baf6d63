import GRDB

/// One measured repetition of a performance scenario against a cell.
public struct PerfRepetitionRecord: Codable, Sendable, FetchableRecord, PersistableRecord, Equatable {
  public static let databaseTableName = "perf_repetition"
  public var runId: String
  public var cellHash: String
  public var scenario: String
  public var repetition: Int
  public var promptTokens: Int
  public var generatedTokens: Int
  /// Context depth at which decoding happened (= prompt tokens for these probes).
  public var decodeDepth: Int
  public var ttftMs: Double
  public var serverPromptMs: Double
  public var serverPromptTPS: Double
  /// Prompt tokens ÷ client TTFT: includes HTTP and first-token sampling time.
  public var clientPromptTPS: Double
  public var serverDecodeTPS: Double
  public var clientDecodeTPS: Double?
  public var itlP50Ms: Double?
  public var itlP90Ms: Double?
  public var itlP99Ms: Double?
  public var cacheTokens: Int

  public init(
    runId: String, cellHash: String, scenario: String, repetition: Int, promptTokens: Int,
    generatedTokens: Int, decodeDepth: Int, ttftMs: Double, serverPromptMs: Double, serverPromptTPS: Double,
    clientPromptTPS: Double, serverDecodeTPS: Double, clientDecodeTPS: Double?, itlP50Ms: Double?,
    itlP90Ms: Double?, itlP99Ms: Double?, cacheTokens: Int
  ) {
    self.runId = runId
    self.cellHash = cellHash
    self.scenario = scenario
    self.repetition = repetition
    self.promptTokens = promptTokens
    self.generatedTokens = generatedTokens
    self.decodeDepth = decodeDepth
    self.ttftMs = ttftMs
    self.serverPromptMs = serverPromptMs
    self.serverPromptTPS = serverPromptTPS
    self.clientPromptTPS = clientPromptTPS
    self.serverDecodeTPS = serverDecodeTPS
    self.clientDecodeTPS = clientDecodeTPS
    self.itlP50Ms = itlP50Ms
    self.itlP90Ms = itlP90Ms
    self.itlP99Ms = itlP99Ms
    self.cacheTokens = cacheTokens
  }
}

/// One repetition of the run's noise check: the first cell measured, measured again
/// on a fresh server after the run's last cell. Its distance from the cell's own
/// repetitions is how far the same configuration moves between runs on this host
/// (`strata diff` tests changes against it), not just within one.
public struct NoiseCheckRecord: Codable, Sendable, FetchableRecord, PersistableRecord, Equatable {
  public static let databaseTableName = "noise_check"
  public var runId: String
  public var cellHash: String
  public var scenario: String
  public var repetition: Int
  public var promptTokens: Int
  public var generatedTokens: Int
  public var ttftMs: Double
  public var serverPromptTPS: Double
  public var serverDecodeTPS: Double
  /// Seconds since 1970 when the repetition finished.
  public var measuredAt: Double

  public init(
    runId: String, cellHash: String, scenario: String, repetition: Int, promptTokens: Int, generatedTokens: Int,
    ttftMs: Double, serverPromptTPS: Double, serverDecodeTPS: Double, measuredAt: Double
  ) {
    self.runId = runId
    self.cellHash = cellHash
    self.scenario = scenario
    self.repetition = repetition
    self.promptTokens = promptTokens
    self.generatedTokens = generatedTokens
    self.ttftMs = ttftMs
    self.serverPromptTPS = serverPromptTPS
    self.serverDecodeTPS = serverDecodeTPS
    self.measuredAt = measuredAt
  }
}
