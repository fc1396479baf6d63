import Foundation
import StrataEval
import StrataGGUF
import StrataStore

/// One row of the hardware comparison: a cell with its figures aggregated over repetitions.
public struct ComparisonRow: Sendable, Hashable, Codable {
  public var cell: String
  public var engine: String
  public var model: String
  public var quant: String
  /// Axis name → value for every axis beyond engine, model and quant.
  public var axes: [String: String]
  public var status: String
  public var failure: String?
  /// The performance scenario the figures come from (the cell's first).
  public var scenario: String?
  public var loadSeconds: Double?
  public var ttftMs: Summary?
  public var promptTPS: Summary?
  public var decodeTPS: Summary?
  public var clientDecodeTPS: Summary?
  /// Share right on the cell's first task, scored its first way (pooling tasks or
  /// methods would mean nothing); the quality table has every task and method.
  public var accuracy: Proportion?
  /// "task/method" the accuracy is of.
  public var accuracyWay: String? = nil
  /// How many (task, method) pairs the cell answered.
  public var scoredWays: Int = 0
  public var tasks: [String]
  /// Over the cell's window of the server's telemetry.
  public var peakRSSBytes: Int64? = nil
  /// Above the baseline taken before the server started.
  public var peakVRAMBytes: Int64? = nil
  /// Mean over the cell's window of device VRAM above that baseline.
  public var meanVRAMBytes: Int64? = nil
  public var meanPowerWatts: Double? = nil
  public var energyJoules: Double? = nil
  /// Device energy during the measured repetitions ÷ the tokens they generated.
  public var joulesPerGeneratedToken: Double? = nil
  /// Device power before the server started, and J/tok less it over the same time.
  public var idlePowerWatts: Double? = nil
  public var netJoulesPerGeneratedToken: Double? = nil
  /// `netJoulesPerGeneratedToken` a million times over, at `strata report --tariff`.
  public var energyCost: EnergyCost? = nil
  /// The power was an APU's SoC power, CPU cores included (amdgpu `power1_*` on an APU):
  /// power, energy and J/tok are the SoC's, not the GPU's.
  public var powerIncludesCPU: Bool? = nil
  /// What the memory-fit check predicted for the memory the peak column measures:
  /// device memory where VRAM was sampled, else everything (host memory holds it all).
  public var predictedBytes: Int64? = nil
  /// Which measured peak the prediction compares with.
  public var predictedAgainst: MemoryPeak? = nil
  /// The roofline: the fastest decode the memory allows this cell at its scenario's
  /// depth, tokens per second (``TokenTraffic``); nil where the host's bandwidth or
  /// the server's traffic was not measured, or part of it sits in unmeasured device memory.
  public var decodeBoundTPS: Double? = nil
  /// The run the cell belongs to and the host that ran it (a merged database holds several).
  public var run: String = ""
  public var host: String = ""

  /// Mean decode t/s as a share of the roofline bound.
  public var fractionOfBound: Double? {
    guard let bound = decodeBoundTPS, bound > 0, let decode = decodeTPS?.mean else { return nil }
    return decode / bound
  }
}

extension ComparisonRow: ReportRow {
  public static let fieldNames = [
    "run", "host", "cell", "engine", "model", "quant", "scenario", "status", "load_s", "ttft_ms", "prompt_tps",
    "decode_tps", "client_decode_tps", "peak_rss_mib", "peak_vram_mib", "predicted_mib", "power_w", "j_per_token",
    "energy_j", "accuracy", "items", "bound_tps", "of_bound", "idle_w", "net_j_per_token", "cost_per_mtok",
  ]

  /// The named fields, plus every other axis of the cell under its own name (`flash_attn`, `threads`).
  public var fields: [String: FieldValue] {
    var fields: [String: FieldValue] = [:]
    for (axis, value) in axes { fields[axis.lowercased()] = Double(value).map(FieldValue.number) ?? .text(value) }
    let named: [String: FieldValue] = [
      "run": .text(run), "host": .text(host), "cell": .text(cell), "engine": .text(engine), "model": .text(model),
      "quant": .text(quant), "scenario": .text(scenario), "status": .text(status), "load_s": .number(loadSeconds),
      "ttft_ms": .number(ttftMs?.mean), "prompt_tps": .number(promptTPS?.mean), "decode_tps": .number(decodeTPS?.mean),
      "client_decode_tps": .number(clientDecodeTPS?.mean), "peak_rss_mib": .mebibytes(peakRSSBytes),
      "peak_vram_mib": .mebibytes(peakVRAMBytes), "predicted_mib": .mebibytes(predictedBytes),
      "power_w": .number(meanPowerWatts), "j_per_token": .number(joulesPerGeneratedToken),
      "energy_j": .number(energyJoules), "accuracy": .number(accuracy?.value),
      "items": accuracy.map { .number(Double($0.trials)) } ?? .missing, "bound_tps": .number(decodeBoundTPS),
      "of_bound": .number(fractionOfBound), "idle_w": .number(idlePowerWatts),
      "net_j_per_token": .number(netJoulesPerGeneratedToken), "cost_per_mtok": .number(energyCost?.perMillionTokens),
    ]
    fields.merge(named) { _, named in named }
    return fields
  }
}

/// The measured peak a memory prediction is compared with.
public enum MemoryPeak: String, Sendable, Hashable, Codable {
  case rss, vram
  /// Device memory nobody sampled: nothing to compare with.
  case none
}

/// Builds comparison rows from a run in the store.
public enum ComparisonBuilder {
  /// The status column: a failed or skipped cell shows its kind ("failed: timeout"),
  /// so the morning's table says why without the failures list.
  static func status(_ cell: CellRecord) -> String {
    guard cell.status == .failed || cell.status == .skipped, let kind = cell.failureKind, kind != .excluded else {
      return cell.status.rawValue
    }
    return "\(cell.status.rawValue): \(kind.rawValue)"
  }

  /// The rows of several runs, one after another, each with its run and host.
  public static func rows(
    store: ResultStore, runs: [RunSource], includeSkipped: Bool = false
  ) throws(StoreError) -> [ComparisonRow] {
    var rows: [ComparisonRow] = []
    for source in runs { rows += try Self.rows(store: store, runId: source.id, includeSkipped: includeSkipped) }
    return rows
  }

  /// One row per cell the matrix planned; cells it left out (`skipped` as excluded)
  /// only with `includeSkipped`.
  public static func rows(
    store: ResultStore, runId: String, includeSkipped: Bool = false
  ) throws(StoreError) -> [ComparisonRow] {
    // A cell the fit check skipped was planned: the morning's table shows it and why.
    let cells = try store.cells(runId: runId).filter {
      includeSkipped || $0.status != .skipped || $0.failureKind == .doesNotFit
    }
    let servers = Dictionary(
      uniqueKeysWithValues: try store.servers(runId: runId).compactMap { s in s.id.map { ($0, s) } })
    let perf = Dictionary(grouping: try store.perfRepetitions(runId: runId), by: \.cellHash)
    let results = Dictionary(grouping: try store.taskResults(runId: runId), by: \.cellHash)
    let telemetry = try store.cellTelemetry(runId: runId)
    let machine = try store.run(id: runId).map { ReportHost.decode($0.hostJSON) } ?? ReportHost(hostname: "unknown")
    let host = machine.hostname
    return cells.map { cell in
      let repetitions = perf[cell.hash] ?? []
      let scenario = repetitions.first?.scenario
      let primary = repetitions.filter { $0.scenario == scenario }
      let all = results[cell.hash] ?? []
      // Results come in the order they were stored: the first is the matrix's first task and method.
      let first = all.first.map { ($0.task, $0.method) }
      let answers = all.filter { $0.task == first?.0 && $0.method == first?.1 }
      let prediction = cell.serverId.flatMap { servers[$0] }.flatMap {
        Self.predicted($0, vramSampled: telemetry[cell.hash]?.peakVRAMBytes != nil)
      }
      return ComparisonRow(
        cell: cell.hash, engine: cell.engine, model: cell.model, quant: cell.quant,
        axes: otherAxes(cell.assignmentJSON), status: Self.status(cell), failure: cell.failure,
        scenario: scenario,
        loadSeconds: cell.serverId.flatMap { servers[$0]?.loadSeconds },
        ttftMs: Summary(primary.map(\.ttftMs)),
        promptTPS: Summary(primary.map(\.serverPromptTPS)),
        decodeTPS: Summary(primary.map(\.serverDecodeTPS)),
        clientDecodeTPS: Summary(primary.compactMap(\.clientDecodeTPS)),
        accuracy: answers.isEmpty
          ? nil : Proportion(successes: answers.filter(\.correct).count, trials: answers.count),
        accuracyWay: first.map { "\($0.0)/\($0.1)" }, scoredWays: Self.ways(all),
        tasks: Array(Set(all.map(\.task))).sorted(),
        peakRSSBytes: telemetry[cell.hash]?.peakRSSBytes, peakVRAMBytes: telemetry[cell.hash]?.peakVRAMBytes,
        meanVRAMBytes: telemetry[cell.hash]?.meanVRAMBytes, meanPowerWatts: telemetry[cell.hash]?.meanPowerWatts,
        energyJoules: telemetry[cell.hash]?.energyJoules,
        joulesPerGeneratedToken: telemetry[cell.hash]?.joulesPerGeneratedToken,
        idlePowerWatts: telemetry[cell.hash]?.idlePowerWatts,
        netJoulesPerGeneratedToken: telemetry[cell.hash]?.netJoulesPerGeneratedToken,
        powerIncludesCPU: telemetry[cell.hash]?.telemetryJSON.flatMap(Self.powerIncludesCPU),
        predictedBytes: prediction?.bytes, predictedAgainst: prediction?.against,
        decodeBoundTPS: cell.serverId.flatMap { servers[$0] }.flatMap {
          Self.bound($0, repetitions: primary, host: machine)
        }, run: runId, host: host)
    }
  }

  /// The roofline bound of a cell's decode on `server`, at the mean depth its measured
  /// tokens were generated at (the prompt, then half the generated tokens on top).
  static func bound(_ server: ServerRecord, repetitions: [PerfRepetitionRecord], host: ReportHost) -> Double? {
    guard !repetitions.isEmpty, let json = server.tokenTrafficJSON,
      let traffic = try? JSONDecoder().decode(TokenTraffic.self, from: Data(json.utf8))
    else { return nil }
    let depth =
      repetitions.reduce(0.0) { $0 + Double($1.decodeDepth) + Double($1.generatedTokens) / 2 }
      / Double(repetitions.count)
    // A device's own bandwidth is not probed yet: only host-memory traffic gets a bound.
    return traffic.boundTokensPerSecond(
      depth: Int(depth.rounded()), hostBandwidth: host.memoryBandwidth?.bytesPerSecond, deviceBandwidth: nil)
  }

  /// Like against like: a load predicted to sit in device memory against the peak VRAM,
  /// one in host memory (a CPU backend, or a software device) against the peak RSS.
  static func predicted(_ server: ServerRecord, vramSampled: Bool) -> (bytes: Int64, against: MemoryPeak)? {
    guard let host = server.predictedHostBytes, let device = server.predictedDeviceBytes else { return nil }
    if device > 0 { return vramSampled ? (device, .vram) : (device, .none) }
    return (host, .rss)
  }

  /// `powerIncludesCPU` of a stored telemetry summary; nil when absent or false.
  static func powerIncludesCPU(_ json: String) -> Bool? {
    let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
    return object?["powerIncludesCPU"] as? Bool == true ? true : nil
  }

  static func ways(_ answers: [TaskResultRecord]) -> Int {
    Set(answers.map { "\($0.task)\u{1F}\($0.method)" }).count
  }

  static func otherAxes(_ json: String) -> [String: String] {
    guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
      return [:]
    }
    var result: [String: String] = [:]
    for (key, value) in object where !["engine", "model", "quant"].contains(key) {
      result[key] = "\(value)"
    }
    return result
  }
}
