import Foundation
import StrataStore

/// What `strata diff` reads each side from: a run of `--db`, or a database file with
/// its newest run (`FILE`) or a named one (`FILE:RUN`).
public struct DiffReference: Sendable, Hashable {
  public var database: String
  /// An id, a unique prefix of one, `latest` or `previous`; nil: the newest.
  public var run: String?

  /// `fileExists` decides between a file and a run id, so a run id never needs a flag.
  public static func parse(_ argument: String, defaultDatabase: String, fileExists: (String) -> Bool) -> DiffReference {
    if fileExists(argument) { return DiffReference(database: argument, run: nil) }
    if let colon = argument.lastIndex(of: ":") {
      let file = String(argument[..<colon])
      let run = String(argument[argument.index(after: colon)...])
      if fileExists(file), !run.isEmpty { return DiffReference(database: file, run: run) }
    }
    return DiffReference(database: defaultDatabase, run: argument)
  }

  /// The run named, from the store's runs (newest first): `latest`, `previous` (the
  /// one before the newest), an exact id, or an id's unique prefix of 4 or more characters.
  public func resolve(in store: ResultStore) throws(ReportSelectionError) -> RunSource {
    let runs: [RunRecord]
    do { runs = try store.runs() } catch { throw .store(error.description) }
    guard !runs.isEmpty else { throw .noRuns(store.path) }
    switch run?.lowercased() {
    case nil, "latest": return RunSource(run: runs[0])
    case "previous":
      guard runs.count > 1 else { throw .noPreviousRun(store.path) }
      return RunSource(run: runs[1])
    default:
      let name = run ?? ""
      if let exact = runs.first(where: { $0.id == name }) { return RunSource(run: exact) }
      let matching = name.count >= 4 ? runs.filter { $0.id.hasPrefix(name) } : []
      if matching.count == 1 { return RunSource(run: matching[0]) }
      if matching.count > 1 { throw .ambiguousRun(name, matching.map(\.id), store.path) }
      throw .unknownRun(name, store.path)
    }
  }
}

extension RunDiff {
  /// The runs of the stores whose noise checks inform a diff: the newest `limit` per
  /// store on the hosts the two runs ran on (noise is a property of the host).
  public static func noiseRuns(
    stores: [ResultStore], hosts: Set<String>, limit: Int = 20
  ) throws(StoreError) -> [DiffSide] {
    var sides: [DiffSide] = []
    var seen: Set<String> = []
    for store in stores where seen.insert(store.path).inserted {
      let runs = try store.runs().map(RunSource.init).filter { hosts.contains($0.host.hostname) }
      sides += runs.prefix(limit).map { DiffSide(store: store, run: $0) }
    }
    return sides
  }
}
