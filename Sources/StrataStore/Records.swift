import GRDB

/// One invocation of a sweep.
public struct RunRecord: Codable, Sendable, FetchableRecord, PersistableRecord, Equatable {
  public static let databaseTableName = "run"
  public var id: String
  public var startedAt: Double
  public var finishedAt: Double?
  public var status: RunStatus
  public var strataVersion: String
  public var matrixPath: String
  public var matrixHash: String
  /// Host inventory (CPU, cores, RAM, OS, kernel) as JSON.
  public var hostJSON: String
  /// Engine name → {binary, version}: the llama.cpp build of each engine, as JSON.
  public var enginesJSON: String
  /// Why the run stopped before its last cell (a budget, a stop signal), with how to continue.
  public var stopReason: String? = nil
  /// The strata command line that started the run (secrets redacted), for lock messages and reports.
  public var commandLine: String? = nil

  public init(
    id: String, startedAt: Double, finishedAt: Double? = nil, status: RunStatus, strataVersion: String,
    matrixPath: String, matrixHash: String, hostJSON: String, enginesJSON: String, commandLine: String? = nil
  ) {
    self.commandLine = commandLine
    self.id = id
    self.startedAt = startedAt
    self.finishedAt = finishedAt
    self.status = status
    self.strataVersion = strataVersion
    self.matrixPath = matrixPath
    self.matrixHash = matrixHash
    self.hostJSON = hostJSON
    self.enginesJSON = enginesJSON
  }
}

/// One cell of a run and its outcome.
public struct CellRecord: Codable, Sendable, FetchableRecord, PersistableRecord, Equatable {
  public static let databaseTableName = "cell"
  public var runId: String
  public var hash: String
  public var loadGroup: String
  public var engine: String
  public var model: String
  public var quant: String
  /// The full assignment as canonical JSON (sorted keys).
  public var assignmentJSON: String
  /// Flags and sampling values that vary, e.g. "flash_attn=on threads=2".
  public var variant: String
  public var status: CellStatus
  public var failure: String?
  public var serverId: Int64?
  public var startedAt: Double?
  public var finishedAt: Double?
  /// Why it failed or was skipped; nil for a planned, running or done cell.
  public var failureKind: FailureKind? = nil
  /// The last lines of the server's log when the cell failed, secrets scrubbed.
  public var logTail: String? = nil

  public init(
    runId: String, hash: String, loadGroup: String, engine: String, model: String, quant: String,
    assignmentJSON: String, variant: String, status: CellStatus, failure: String? = nil,
    serverId: Int64? = nil, startedAt: Double? = nil, finishedAt: Double? = nil, failureKind: FailureKind? = nil
  ) {
    self.failureKind = failureKind
    self.runId = runId
    self.hash = hash
    self.loadGroup = loadGroup
    self.engine = engine
    self.model = model
    self.quant = quant
    self.assignmentJSON = assignmentJSON
    self.variant = variant
    self.status = status
    self.failure = failure
    self.serverId = serverId
    self.startedAt = startedAt
    self.finishedAt = finishedAt
  }
}

/// One llama-server started for a load group.
public struct ServerRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord, Equatable {
  public static let databaseTableName = "server"
  public var id: Int64?
  public var runId: String
  public var loadGroup: String
  public var engine: String
  public var argumentsJSON: String
  public var port: Int
  /// Spawn → first /health 200, seconds; for a server that failed to load,
  /// launch → the failure.
  public var loadSeconds: Double
  public var buildInfo: String?
  public var logPath: String
  public var startedAt: Double
  public var exitStatus: String?
  /// Why the server never answered /health (it exited, or the health wait timed
  /// out); nil for a server that loaded. Its samples until then are stored with it.
  public var loadFailure: String?
  /// The memory predicted from the GGUF header before launch, in host and device
  /// memory, and the check's verdict text; nil with `--no-fit-check`.
  public var predictedHostBytes: Int64? = nil
  public var predictedDeviceBytes: Int64? = nil
  public var memoryFit: String? = nil
  /// `TokenTraffic` as JSON: the bytes one generated token reads, by memory; nil where the
  /// header could not be read, and for servers stored before v10.
  public var tokenTrafficJSON: String? = nil

  public init(
    id: Int64? = nil, runId: String, loadGroup: String, engine: String, argumentsJSON: String, port: Int,
    loadSeconds: Double, buildInfo: String?, logPath: String, startedAt: Double, exitStatus: String? = nil,
    loadFailure: String? = nil
  ) {
    self.id = id
    self.runId = runId
    self.loadGroup = loadGroup
    self.engine = engine
    self.argumentsJSON = argumentsJSON
    self.port = port
    self.loadSeconds = loadSeconds
    self.buildInfo = buildInfo
    self.logPath = logPath
    self.startedAt = startedAt
    self.exitStatus = exitStatus
    self.loadFailure = loadFailure
  }

  public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One task item answered by a cell one way (a scoring method), and how it scored.
public struct TaskResultRecord: Codable, Sendable, FetchableRecord, PersistableRecord, Equatable {
  public static let databaseTableName = "task_result"
  public var runId: String
  public var cellHash: String
  public var task: String
  /// generative | letter_likelihood | continuation_likelihood | exact | code.
  public var method: String
  public var itemId: String
  public var category: String?
  /// Stable hash of the exact prompt sent, so changed prompts are never compared.
  public var promptHash: String
  /// The reply as scored (the answer part, without thinking).
  public var response: String
  /// A thinking model's reasoning, kept apart from the answer; nil for others.
  public var thinking: String?
  /// Tokens spent thinking, and milliseconds from the request to the end of the thinking.
  public var thinkingTokens: Int? = nil
  public var thinkingMs: Double? = nil
  public var extracted: String?
  public var expected: String
  public var correct: Bool
  /// The model's probability for its own answer, where the method has one.
  public var confidence: Double?
  /// Option label → probability, normalised over the options (letter likelihood).
  public var probabilitiesJSON: String?
  /// Code: passed, syntax, assertion, timeout, crash, memory.
  public var failureKind: String?
  public var latencyMs: Double

  public init(
    runId: String, cellHash: String, task: String, method: String = "generative", itemId: String,
    category: String?, promptHash: String, response: String, thinking: String? = nil, extracted: String?,
    expected: String, correct: Bool, confidence: Double? = nil, probabilitiesJSON: String? = nil,
    failureKind: String? = nil, latencyMs: Double
  ) {
    self.runId = runId
    self.cellHash = cellHash
    self.task = task
    self.method = method
    self.itemId = itemId
    self.category = category
    self.promptHash = promptHash
    self.response = response
    self.thinking = thinking
    self.extracted = extracted
    self.expected = expected
    self.correct = correct
    self.confidence = confidence
    self.probabilitiesJSON = probabilitiesJSON
    self.failureKind = failureKind
    self.latencyMs = latencyMs
  }
}

/// How long a cell took to answer one task one way (wall clock), and with how many items in flight.
public struct TaskRunRecord: Codable, Sendable, FetchableRecord, PersistableRecord, Equatable {
  public static let databaseTableName = "task_run"
  public var runId: String
  public var cellHash: String
  public var task: String
  public var method: String
  public var items: Int
  public var concurrency: Int
  public var wallSeconds: Double

  public init(
    runId: String, cellHash: String, task: String, method: String, items: Int, concurrency: Int, wallSeconds: Double
  ) {
    self.runId = runId
    self.cellHash = cellHash
    self.task = task
    self.method = method
    self.items = items
    self.concurrency = concurrency
    self.wallSeconds = wallSeconds
  }
}

/// What a run knew about its machine: the host inventory and the samplers.
public struct RunInventory: Sendable, Equatable {
  /// `run.hostJSON`: CPU, cores, RAM, OS, kernel and GPUs.
  public var hostJSON: String
  /// Every sampler considered, in order, working or not.
  public var samplers: [SamplerStatusRecord]

  public init(hostJSON: String, samplers: [SamplerStatusRecord]) {
    self.hostJSON = hostJSON
    self.samplers = samplers
  }
}

/// The keys of what one cell has stored, so a resumed cell skips them.
public struct StoredCellProgress: Sendable, Equatable {
  public struct Repetition: Hashable, Sendable {
    public var scenario: String
    public var repetition: Int
    public init(scenario: String, repetition: Int) {
      self.scenario = scenario
      self.repetition = repetition
    }
  }
  public struct Answer: Hashable, Sendable {
    public var task: String
    public var method: String
    public var itemId: String
    public init(task: String, method: String, itemId: String) {
      self.task = task
      self.method = method
      self.itemId = itemId
    }
  }
  public struct Method: Hashable, Sendable {
    public var task: String
    public var method: String
    public init(task: String, method: String) {
      self.task = task
      self.method = method
    }
  }
  public var repetitions: Set<Repetition>
  public var answers: Set<Answer>
  /// (task, method) pairs whose timing row exists: every item of them was answered.
  public var finishedMethods: Set<Method>

  public init(repetitions: Set<Repetition> = [], answers: Set<Answer> = [], finishedMethods: Set<Method> = []) {
    self.repetitions = repetitions
    self.answers = answers
    self.finishedMethods = finishedMethods
  }

  public static let none = StoredCellProgress()
}

/// How long one finished run and its parts took (see ``ResultStore/timingHistory()``).
public struct RunTiming: Sendable {
  public var runId: String
  public var hostJSON: String
  public var startedAt: Double
  public var finishedAt: Double
  /// (cell hash, seconds from the cell's start to its end) of each done cell.
  public var cellSeconds: [(String, Double)]
  /// (load group, seconds to load) of each server that loaded.
  public var loads: [(String, Double)]
}
