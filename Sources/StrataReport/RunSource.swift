import Foundation
import StrataStore

/// The machine a stored run used, as the report reads it from `run.hostJSON`.
/// StrataRun's `HostInventory` writes that JSON; the report decodes only what its
/// tables show, every field optional, so that a run from an older or newer strata
/// still reports (an unknown host reads as "unknown").
public struct ReportHost: Sendable, Hashable, Codable {
  public var hostname: String
  public var cpuModel: String?
  public var logicalCores: Int?
  public var memoryBytes: UInt64?
  public var os: String?
  public var kernel: String?
  public var gpus: [GPU]?
  /// The host memory bandwidth the sweep measured before its first server; nil for runs
  /// from before v10 and imports.
  public var memoryBandwidth: Bandwidth? = nil

  public struct Bandwidth: Sendable, Hashable, Codable {
    public var bytesPerSecond: Double
    public var threads: Int?

    public init(bytesPerSecond: Double, threads: Int? = nil) {
      self.bytesPerSecond = bytesPerSecond
      self.threads = threads
    }
  }

  public struct GPU: Sendable, Hashable, Codable {
    public var device: String
    public var vendorID: UInt16?
    public var deviceID: UInt16?
    public var vramTotalBytes: UInt64?
  }

  public init(
    hostname: String, cpuModel: String? = nil, logicalCores: Int? = nil, memoryBytes: UInt64? = nil,
    os: String? = nil, kernel: String? = nil, gpus: [GPU]? = nil, memoryBandwidth: Bandwidth? = nil
  ) {
    self.memoryBandwidth = memoryBandwidth
    self.hostname = hostname
    self.cpuModel = cpuModel
    self.logicalCores = logicalCores
    self.memoryBytes = memoryBytes
    self.os = os
    self.kernel = kernel
    self.gpus = gpus
  }

  private enum CodingKeys: String, CodingKey {
    case hostname, cpuModel, logicalCores, memoryBytes, os, kernel, gpus, memoryBandwidth
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    let name = try c.decodeIfPresent(String.self, forKey: .hostname) ?? ""
    hostname = name.isEmpty ? "unknown" : name
    cpuModel = try c.decodeIfPresent(String.self, forKey: .cpuModel)
    logicalCores = try c.decodeIfPresent(Int.self, forKey: .logicalCores)
    memoryBytes = try c.decodeIfPresent(UInt64.self, forKey: .memoryBytes)
    os = try c.decodeIfPresent(String.self, forKey: .os)
    kernel = try c.decodeIfPresent(String.self, forKey: .kernel)
    gpus = try c.decodeIfPresent([GPU].self, forKey: .gpus)
    memoryBandwidth = try? c.decodeIfPresent(Bandwidth.self, forKey: .memoryBandwidth)
  }

  /// The run's host; "unknown" when the JSON is not an inventory (runs from tests, imports without one).
  public static func decode(_ json: String) -> ReportHost {
    (try? JSONDecoder().decode(ReportHost.self, from: Data(json.utf8))) ?? ReportHost(hostname: "unknown")
  }

  /// "AMD Ryzen 9 7950X (32 threads)": what a CPU backend's row names as its device.
  public var cpuLabel: String {
    let model = cpuModel.map(Self.tidy) ?? "CPU"
    // An imported run from another host knows the CPU's name but not its threads (0).
    return logicalCores.flatMap { $0 > 0 ? "\(model) (\($0) threads)" : nil } ?? model
  }

  /// Drops the trademark marks and clock suffix that /proc/cpuinfo carries
  /// ("Intel(R) Xeon(R) CPU @ 2.20GHz" → "Intel Xeon CPU").
  static func tidy(_ model: String) -> String {
    var text = model.replacingOccurrences(of: "(R)", with: "").replacingOccurrences(of: "(TM)", with: "")
    if let at = text.range(of: " @ ") { text = String(text[..<at.lowerBound]) }
    return text.split(separator: " ").joined(separator: " ")
  }
}

/// A run a report reads, with its host decoded once.
public struct RunSource: Sendable, Equatable {
  public var run: RunRecord
  public var host: ReportHost

  public init(run: RunRecord) {
    self.run = run
    self.host = ReportHost.decode(run.hostJSON)
  }

  public var id: String { run.id }

  /// Which runs a report covers: the ones named, in that order (`all`: every run), or by default the
  /// newest run (`all`: every run, newest first, for the hardware table, which keeps
  /// the newest measurement of each host × device × engine).
  public static func select(
    from store: ResultStore, ids: [String], all: Bool = false
  ) throws(ReportSelectionError) -> [RunSource] {
    let runs: [RunRecord]
    do { runs = try store.runs() } catch { throw .store(error.description) }
    guard !runs.isEmpty else { throw .noRuns(store.path) }
    if ids.contains("all") { return runs.map(RunSource.init) }
    if !ids.isEmpty {
      var chosen: [RunSource] = []
      for id in ids {
        guard let run = runs.first(where: { $0.id == id }) else { throw .unknownRun(id, store.path) }
        if !chosen.contains(where: { $0.id == id }) { chosen.append(RunSource(run: run)) }
      }
      return chosen
    }
    // `runs()` is newest first.
    return all ? runs.map(RunSource.init) : [RunSource(run: runs[0])]
  }
}

/// Runs a report was asked for that the database cannot give.
public enum ReportSelectionError: Error, Sendable, Equatable, CustomStringConvertible {
  case noRuns(String)
  case unknownRun(String, String)
  /// A prefix that more than one run id starts with.
  case ambiguousRun(String, [String], String)
  case noPreviousRun(String)
  case store(String)

  public var description: String {
    switch self {
    case .noRuns(let path): "\(path) holds no runs yet; run `strata run` first"
    case .unknownRun(let id, let path): "no run \(id) in \(path); `strata report --list` shows the runs"
    case .ambiguousRun(let prefix, let ids, let path):
      "\(prefix) starts \(ids.count) run ids in \(path) (\(ids.prefix(4).joined(separator: ", "))); give more of the id"
    case .noPreviousRun(let path): "\(path) holds one run; `previous` needs two"
    case .store(let text): text
    }
  }
}
