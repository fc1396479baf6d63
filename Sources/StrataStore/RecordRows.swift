import GRDB

// The records a report reads by the ten thousand, decoded column by column.

extension TaskResultRecord {
  /// Read by column rather than through Codable: a report reads tens of thousands of
  /// answers, and GRDB's Decodable path costs several times more per row.
  public init(row: Row) throws {
    runId = row["runId"]
    cellHash = row["cellHash"]
    task = row["task"]
    method = row["method"]
    itemId = row["itemId"]
    category = row["category"]
    promptHash = row["promptHash"]
    response = row["response"]
    thinking = row["thinking"]
    thinkingTokens = row["thinkingTokens"]
    thinkingMs = row["thinkingMs"]
    extracted = row["extracted"]
    expected = row["expected"]
    correct = row["correct"]
    confidence = row["confidence"]
    probabilitiesJSON = row["probabilitiesJSON"]
    failureKind = row["failureKind"]
    latencyMs = row["latencyMs"]
  }
}

extension PerfRepetitionRecord {
  /// Read by column rather than through Codable (see `TaskResultRecord.init(row:)`).
  public init(row: Row) throws {
    runId = row["runId"]
    cellHash = row["cellHash"]
    scenario = row["scenario"]
    repetition = row["repetition"]
    promptTokens = row["promptTokens"]
    generatedTokens = row["generatedTokens"]
    decodeDepth = row["decodeDepth"]
    ttftMs = row["ttftMs"]
    serverPromptMs = row["serverPromptMs"]
    serverPromptTPS = row["serverPromptTPS"]
    clientPromptTPS = row["clientPromptTPS"]
    serverDecodeTPS = row["serverDecodeTPS"]
    clientDecodeTPS = row["clientDecodeTPS"]
    itlP50Ms = row["itlP50Ms"]
    itlP90Ms = row["itlP90Ms"]
    itlP99Ms = row["itlP99Ms"]
    cacheTokens = row["cacheTokens"]
  }
}
