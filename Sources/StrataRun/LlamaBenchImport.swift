import Foundation
import StrataConfig
import StrataMatrix
import StrataStore

/// One test of `llama-bench -o json` (an array) or `-o jsonl` (one object per line):
/// the fields strata reads, as llama-bench names them (tools/llama-bench/llama-bench.cpp,
/// `test::get_fields`). Only the model, the test's shape and its speed are required.
public struct LlamaBenchTest: Sendable, Equatable, Decodable {
  public var buildCommit: String?
  public var buildNumber: Int?
  public var cpuInfo: String?
  public var gpuInfo: String?
  public var backends: String?
  public var modelFilename: String
  public var modelType: String?
  public var nBatch: Int?
  public var nUbatch: Int?
  public var nThreads: Int?
  public var typeK: String?
  public var typeV: String?
  public var nGpuLayers: Int?
  /// "on", "off" or "auto": older builds wrote a bool, newer ones -1/0/1.
  public var flashAttn: String?
  public var nPrompt: Int
  public var nGen: Int
  public var nDepth: Int?
  public var testTime: String?
  public var avgTs: Double
  public var samplesTs: [Double]?
  public var samplesNs: [Double]?
  /// Where the test is in the file: its line for JSONL, its index (from 1) in a JSON array.
  public var position = 0

  enum CodingKeys: String, CodingKey {
    case buildCommit = "build_commit", buildNumber = "build_number", cpuInfo = "cpu_info", gpuInfo = "gpu_info"
    case backends, modelFilename = "model_filename", modelType = "model_type", nBatch = "n_batch"
    case nUbatch = "n_ubatch", nThreads = "n_threads", typeK = "type_k", typeV = "type_v"
    case nGpuLayers = "n_gpu_layers", flashAttn = "flash_attn", nPrompt = "n_prompt", nGen = "n_gen"
    case nDepth = "n_depth", testTime = "test_time", avgTs = "avg_ts", samplesTs = "samples_ts"
    case samplesNs = "samples_ns"
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    buildCommit = try c.decodeIfPresent(String.self, forKey: .buildCommit)
    buildNumber = try c.decodeIfPresent(Int.self, forKey: .buildNumber)
    cpuInfo = try c.decodeIfPresent(String.self, forKey: .cpuInfo)
    gpuInfo = try c.decodeIfPresent(String.self, forKey: .gpuInfo)
    backends = try c.decodeIfPresent(String.self, forKey: .backends)
    modelFilename = try c.decode(String.self, forKey: .modelFilename)
    modelType = try c.decodeIfPresent(String.self, forKey: .modelType)
    nBatch = try c.decodeIfPresent(Int.self, forKey: .nBatch)
    nUbatch = try c.decodeIfPresent(Int.self, forKey: .nUbatch)
    nThreads = try c.decodeIfPresent(Int.self, forKey: .nThreads)
    typeK = try c.decodeIfPresent(String.self, forKey: .typeK)
    typeV = try c.decodeIfPresent(String.self, forKey: .typeV)
    nGpuLayers = try c.decodeIfPresent(Int.self, forKey: .nGpuLayers)
    if let on = try? c.decodeIfPresent(Bool.self, forKey: .flashAttn) {
      flashAttn = on ? "on" : "off"
    } else if let mode = try? c.decodeIfPresent(Int.self, forKey: .flashAttn) {
      flashAttn = mode < 0 ? "auto" : mode == 0 ? "off" : "on"
    } else {
      flashAttn = try c.decodeIfPresent(String.self, forKey: .flashAttn)
    }
    nPrompt = try c.decode(Int.self, forKey: .nPrompt)
    nGen = try c.decode(Int.self, forKey: .nGen)
    nDepth = try c.decodeIfPresent(Int.self, forKey: .nDepth)
    testTime = try c.decodeIfPresent(String.self, forKey: .testTime)
    avgTs = try c.decode(Double.self, forKey: .avgTs)
    samplesTs = try c.decodeIfPresent([Double].self, forKey: .samplesTs)
    samplesNs = try c.decodeIfPresent([Double].self, forKey: .samplesNs)
  }

  /// Each repetition's tokens per second; a file without samples has its average only.
  var speeds: [Double] { samplesTs.flatMap { $0.isEmpty ? nil : $0 } ?? [avgTs] }

  /// Each repetition's milliseconds; derived from the speed where the file has no times.
  func milliseconds(tokens: Int) -> [Double] {
    if let samplesNs, samplesNs.count == speeds.count { return samplesNs.map { $0 / 1e6 } }
    return speeds.map { $0 > 0 ? Double(tokens) / $0 * 1000 : 0 }
  }
}

/// A llama-bench file strata cannot read, with where and what to do.
public struct LlamaBenchImportError: Error, Sendable, Equatable, CustomStringConvertible {
  public var file: String
  public var line: Int?
  public var message: String
  public var hint: String?

  public static let formatHint =
    "write the file with `llama-bench … -o json > FILE` or `-o jsonl > FILE`; its log goes to stderr"

  public init(file: String, line: Int?, message: String, hint: String? = LlamaBenchImportError.formatHint) {
    self.file = file
    self.line = line
    self.message = message
    self.hint = hint
  }

  public var description: String {
    "\(file)\(line.map { ":\($0)" } ?? ""): \(message)" + (hint.map { "\n  hint: \($0)" } ?? "")
  }
}

public enum LlamaBenchParser {
  /// A JSON array (`-o json`) or one object per line (`-o jsonl`), told apart by the first character.
  public static func parse(_ data: Data, file: String) throws(LlamaBenchImportError) -> [LlamaBenchTest] {
    let text = String(decoding: data, as: UTF8.self)
    guard let first = text.first(where: { !$0.isWhitespace }) else {
      throw LlamaBenchImportError(file: file, line: nil, message: "the file is empty")
    }
    var tests: [LlamaBenchTest] = []
    if first == "[" {
      let objects: [Any]
      do {
        guard let array = try JSONSerialization.jsonObject(with: data) as? [Any] else {
          throw CocoaError(.coderReadCorrupt)
        }
        objects = array
      } catch {
        throw LlamaBenchImportError(file: file, line: nil, message: "not a JSON array: \(reason(error))")
      }
      for (index, object) in objects.enumerated() {
        tests.append(try decode(object, file: file, line: nil, position: index + 1))
      }
    } else {
      for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { continue }
        let object: Any
        do {
          object = try JSONSerialization.jsonObject(with: Data(trimmed.utf8))
        } catch {
          throw LlamaBenchImportError(file: file, line: index + 1, message: "not a JSON object: \(reason(error))")
        }
        tests.append(try decode(object, file: file, line: index + 1, position: index + 1))
      }
    }
    guard !tests.isEmpty else { throw LlamaBenchImportError(file: file, line: nil, message: "the file holds no tests") }
    return tests
  }

  static func decode(_ object: Any, file: String, line: Int?, position: Int) throws(LlamaBenchImportError)
    -> LlamaBenchTest
  {
    let place = line == nil ? "test \(position): " : ""
    guard JSONSerialization.isValidJSONObject(object), object is [String: Any],
      let data = try? JSONSerialization.data(withJSONObject: object)
    else { throw LlamaBenchImportError(file: file, line: line, message: "\(place)not a JSON object") }
    do {
      var test = try JSONDecoder().decode(LlamaBenchTest.self, from: data)
      test.position = position
      guard test.nPrompt >= 0, test.nGen >= 0, test.avgTs.isFinite, test.avgTs >= 0,
        test.speeds.allSatisfy({ $0.isFinite && $0 >= 0 })
      else { throw LlamaBenchImportError(file: file, line: line, message: "\(place)a negative or infinite figure") }
      return test
    } catch let error as LlamaBenchImportError {
      throw error
    } catch DecodingError.keyNotFound(let key, _) {
      throw LlamaBenchImportError(
        file: file, line: line, message: "\(place)no `\(key.stringValue)`; is this llama-bench output?")
    } catch DecodingError.typeMismatch(_, let context) {
      let field = context.codingPath.first?.stringValue ?? "?"
      throw LlamaBenchImportError(file: file, line: line, message: "\(place)`\(field)` has the wrong type")
    } catch {
      throw LlamaBenchImportError(file: file, line: line, message: "\(place)\(error)")
    }
  }

  static func reason(_ error: any Error) -> String {
    (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
  }
}

/// How llama-bench tests become a strata run: tests with the same settings are one
/// cell; within it each prompt test (`pp512`) is paired with a generation test
/// (`tg128`) into a `pp512-tg128` scenario whose repetitions carry both speeds, as
/// strata's own repetitions do. A test with nothing to pair, and `-pg` tests (one
/// speed for prompt and generation together), are left out with a note.
public struct LlamaBenchImport: Sendable {
  public struct ImportedCell: Sendable, Equatable {
    public var cell: Cell
    public var tests: [LlamaBenchTest]
    public var repetitions: [PerfRepetitionRecord]
  }

  public var cells: [ImportedCell]
  /// Tests left out, and why.
  public var notes: [String]
  public var engine: String
  public var backend: String
  public var build: (number: Int?, commit: String?)
  public var gpuInfo: String?
  public var cpuInfo: String?
  public var startedAt: Double
  public var finishedAt: Double

  /// Groups the tests. `engine` defaults to `llama-bench-<backend>`, so the rows sit
  /// beside (not inside) strata's own engine of that backend; `models` maps a file to
  /// the `models.yaml` name and quant that has that file name.
  public init(
    tests: [LlamaBenchTest], engine: String? = nil, model: String? = nil, models: ModelsFile? = nil,
    runId: String, fallbackTime: Double
  ) {
    let backend = tests.first?.backends?.lowercased().replacingOccurrences(of: ",", with: "+") ?? "unknown"
    self.backend = backend
    self.engine = engine ?? "llama-bench-\(backend)"
    build = (tests.first?.buildNumber, tests.first?.buildCommit)
    gpuInfo = tests.compactMap(\.gpuInfo).first { !$0.isEmpty }
    cpuInfo = tests.compactMap(\.cpuInfo).first { !$0.isEmpty }
    let times = tests.compactMap { $0.testTime.flatMap { ISO8601DateFormatter().date(from: $0) } }
      .map(\.timeIntervalSince1970)
    startedAt = times.min() ?? fallbackTime
    finishedAt = times.max() ?? fallbackTime
    var notes: [String] = []
    var order: [Cell] = []
    var groups: [Cell: [LlamaBenchTest]] = [:]
    for test in tests {
      let (name, quant) = Self.model(test, override: model, models: models)
      let cell = Cell(engine: self.engine, model: name, quant: quant, flags: Self.flags(test, backend: backend))
      if groups[cell] == nil { order.append(cell) }
      groups[cell, default: []].append(test)
    }
    cells = order.compactMap { cell in
      guard let group = groups[cell] else { return nil }
      let (paired, left) = Self.pairs(group)
      notes += left
      // Settings strata keeps no axis for (type_v, split_mode, main_gpu, no_kv_offload, …)
      // can make two tests of one shape in one cell; the first is kept.
      var seen: Set<String> = []
      var pairs: [(LlamaBenchTest, LlamaBenchTest)] = []
      for pair in paired {
        let scenario = "pp\(pair.0.nPrompt)-tg\(pair.1.nGen)"
        if seen.insert(scenario).inserted {
          pairs.append(pair)
        } else {
          notes.append(
            "tests \(pair.0.position) and \(pair.1.position) (\(scenario)) left out: they repeat an earlier pair with settings strata keeps no axis for (type_v, split_mode, main_gpu, no_kv_offload, …); import them from a file of their own with --engine"
          )
        }
      }
      guard !pairs.isEmpty else { return nil }
      let repetitions = pairs.flatMap { prompt, generation in
        Self.repetitions(prompt: prompt, generation: generation, runId: runId, cell: cell.id)
      }
      return ImportedCell(cell: cell, tests: group, repetitions: repetitions)
    }
    self.notes = notes
  }

  /// The `models.yaml` entry with this file name, else the file's own name and quant tag.
  static func model(_ test: LlamaBenchTest, override: String?, models: ModelsFile?) -> (String, String) {
    let file = (test.modelFilename as NSString).lastPathComponent
    // model_type is "llama 256M Q4_1" or "llama 7B Q4_K - Medium": its tag is not always the last word.
    let quant =
      QuantInference.quant(inFileName: file)
      ?? test.modelType.flatMap { type in
        type.split(separator: " ").map(String.init).first { QuantInference.quant(inFileName: $0) == $0.uppercased() }
      }?.uppercased() ?? "unknown"
    for spec in models?.models ?? [] {
      guard case .local(let files) = spec.source else { continue }
      if let match = files.first(where: { ($0.value as NSString).lastPathComponent == file }) {
        return (override ?? spec.name, match.key)
      }
    }
    if let override { return (override, quant) }
    var stem = (file as NSString).deletingPathExtension
    if let range = stem.range(of: quant, options: [.caseInsensitive, .backwards]) {
      stem.removeSubrange(range)
    }
    let name = stem.trimmingCharacters(in: CharacterSet(charactersIn: ".-_ ")).lowercased()
    return (name.isEmpty ? file : name, quant)
  }

  /// strata's axes for llama-bench's settings: threads and flash attention always (the
  /// axes strata's own demo matrix varies), the others where they are not llama-bench's defaults.
  static func flags(_ test: LlamaBenchTest, backend: String) -> [ServerFlag: AxisValue] {
    var flags: [ServerFlag: AxisValue] = [:]
    if let threads = test.nThreads { flags[.threads] = .int(threads) }
    if let flash = test.flashAttn { flags[.flashAttn] = .string(flash) }
    if let batch = test.nBatch, batch != 2048 { flags[.batch] = .int(batch) }
    if let ubatch = test.nUbatch, ubatch != 512 { flags[.ubatch] = .int(ubatch) }
    if let typeK = test.typeK, typeK != "f16" { flags[.ctk] = .string(typeK) }
    if backend != "cpu", let layers = test.nGpuLayers, layers >= 0, layers < 99 { flags[.ngl] = .int(layers) }
    // A decode at depth is another measurement: it needs its own cell (strata's `ctx`
    // axis is the nearest name, the context the test filled before generating).
    if let depth = test.nDepth, depth > 0 { flags[.ctx] = .int(depth) }
    return flags
  }

  /// Prompt tests with generation tests: all with the one of the other kind where there
  /// is one, else in file order; the rest are notes.
  static func pairs(_ group: [LlamaBenchTest]) -> (pairs: [(LlamaBenchTest, LlamaBenchTest)], notes: [String]) {
    let prompts = group.filter { $0.nPrompt > 0 && $0.nGen == 0 }
    let generations = group.filter { $0.nPrompt == 0 && $0.nGen > 0 }
    var notes = group.filter { $0.nPrompt > 0 && $0.nGen > 0 }.map {
      "test \($0.position) (pp\($0.nPrompt)+tg\($0.nGen)) left out: one speed for prompt and generation together has no place in strata's repetitions"
    }
    var pairs: [(LlamaBenchTest, LlamaBenchTest)] = []
    let lonely = { (test: LlamaBenchTest) in
      "test \(test.position) (\(test.nGen == 0 ? "pp\(test.nPrompt)" : "tg\(test.nGen)")) left out: no test of the other kind with its settings to pair it with"
    }
    if prompts.isEmpty || generations.isEmpty {
      notes += (prompts + generations).map(lonely)
    } else if generations.count == 1, let generation = generations.first {
      pairs = prompts.map { ($0, generation) }
    } else if prompts.count == 1, let prompt = prompts.first {
      pairs = generations.map { (prompt, $0) }
    } else {
      pairs = Array(zip(prompts, generations))
      let unpaired = prompts.dropFirst(pairs.count) + generations.dropFirst(pairs.count)
      notes += unpaired.map(lonely)
    }
    return (pairs, notes)
  }

  static func repetitions(prompt: LlamaBenchTest, generation: LlamaBenchTest, runId: String, cell: String)
    -> [PerfRepetitionRecord]
  {
    let promptSpeeds = prompt.speeds
    let promptMs = prompt.milliseconds(tokens: prompt.nPrompt)
    let decodeSpeeds = generation.speeds
    let scenario = "pp\(prompt.nPrompt)-tg\(generation.nGen)"
    return (0..<min(promptSpeeds.count, decodeSpeeds.count)).map { index in
      PerfRepetitionRecord(
        runId: runId, cellHash: cell, scenario: scenario, repetition: index + 1, promptTokens: prompt.nPrompt,
        generatedTokens: generation.nGen, decodeDepth: generation.nDepth ?? 0,
        // llama-bench times the prompt alone: the nearest thing to a first token it has.
        ttftMs: promptMs[index], serverPromptMs: promptMs[index], serverPromptTPS: promptSpeeds[index],
        clientPromptTPS: promptSpeeds[index], serverDecodeTPS: decodeSpeeds[index], clientDecodeTPS: nil,
        itlP50Ms: nil, itlP90Ms: nil, itlP99Ms: nil, cacheTokens: 0)
    }
  }

  /// The run's id: the same file imported the same way (host, engine and model names)
  /// is the same run, so importing it twice adds nothing, and merging two databases
  /// that both imported it keeps one; imported as another host's, it is another run.
  public static func runId(for data: Data, host: String, engine: String?, model: String?) -> String {
    let how = [host, engine ?? "", model ?? ""].joined(separator: "\u{1F}")
    return "llama-bench-" + StableHash.hex(how + "\u{1E}" + String(decoding: data, as: UTF8.self))
  }

  /// Writes the run: done cells with their repetitions, the engine's identity as
  /// llama-bench reported it, and the host's inventory. Returns false when the run
  /// is there already.
  public func write(
    to store: ResultStore, runId: String, host: HostInventory, source: String, strataVersion: String,
    commandLine: String
  ) throws(StoreError) -> Bool {
    guard try store.run(id: runId) == nil else { return false }
    var identity: [String: Any] = [
      "engine": engine, "mode": "llama-bench", "backend": backend, "available": true,
      "devices": gpuInfo.map { [$0] } ?? [],
    ]
    if let number = build.number { identity["build"] = number }
    if let commit = build.commit { identity["commit"] = commit }
    let engines = (try? JSONSerialization.data(withJSONObject: [engine: identity], options: [.sortedKeys])) ?? Data()
    let hostJSON = (try? JSONEncoder().encode(host)) ?? Data("{}".utf8)
    var run = RunRecord(
      id: runId, startedAt: startedAt, finishedAt: finishedAt, status: .done, strataVersion: strataVersion,
      matrixPath: "llama-bench:\(source)", matrixHash: runId, hostJSON: String(decoding: hostJSON, as: UTF8.self),
      enginesJSON: String(decoding: engines, as: UTF8.self))
    run.commandLine = commandLine
    let records = cells.map { imported in
      let assignment = imported.cell.assignment.mapValues(\.canonical)
      let json = (try? JSONSerialization.data(withJSONObject: assignment, options: [.sortedKeys])) ?? Data()
      return CellRecord(
        runId: runId, hash: imported.cell.id, loadGroup: imported.cell.loadKey.id, engine: imported.cell.engine,
        model: imported.cell.model, quant: imported.cell.quant, assignmentJSON: String(decoding: json, as: UTF8.self),
        variant: imported.cell.variantLabel, status: .done)
    }
    // One transaction: a failure leaves nothing behind that a second import would take for done.
    try store.insert(run: run, cells: records, repetitions: cells.flatMap(\.repetitions))
    return true
  }
}
