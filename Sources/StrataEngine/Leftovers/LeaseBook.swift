import Foundation

/// A note on disk for each llama-server process strata starts, removed when
/// the server is stopped. If strata itself is killed (SIGKILL, OOM, power
/// cut of the terminal), the notes that remain name the servers it left
/// running, and `strata gc` stops them. Containers need no note: their labels
/// carry the same facts.
public struct ServerLease: Sendable, Hashable, Codable {
  public var server: ProcessIdentity
  public var owner: ProcessIdentity
  public var runId: String
  public var engine: String
  public var logPath: String
  public var startedAt: Double

  public init(
    server: ProcessIdentity, owner: ProcessIdentity, runId: String, engine: String, logPath: String,
    startedAt: Double
  ) {
    self.server = server
    self.owner = owner
    self.runId = runId
    self.engine = engine
    self.logPath = logPath
    self.startedAt = startedAt
  }
}

/// The directory of lease files.
public struct LeaseBook: Sendable {
  public var directory: String

  public init(directory: String) {
    self.directory = directory
  }

  /// The leases under strata's state directory (``HostDirectories/state``).
  public static func standard(stateDirectory: String) -> LeaseBook {
    LeaseBook(directory: "\(stateDirectory)/leases")
  }

  /// Best effort: a lease that cannot be written costs only the crash cleanup.
  public func record(_ lease: ServerLease) {
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    guard let data = try? encoder.encode(lease) else { return }
    let path = self.path(for: lease.server)
    try? data.write(to: URL(fileURLWithPath: path + ".tmp"))
    rename(path + ".tmp", path)
  }

  /// Removes the lease of the server with `pid` (once it is reaped, its start time can no longer be read).
  public func release(pid: Int32) {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    for name in names where name.hasPrefix("server-\(pid)-") { unlink("\(directory)/\(name)") }
  }

  public func release(_ server: ProcessIdentity) {
    unlink(path(for: server))
  }

  /// Every lease on disk with its file; unreadable files are skipped.
  public func all() -> [(path: String, lease: ServerLease)] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    return names.filter { $0.hasSuffix(".json") }.sorted().compactMap { name in
      let path = "\(directory)/\(name)"
      guard let data = FileManager.default.contents(atPath: path),
        let lease = try? JSONDecoder().decode(ServerLease.self, from: data)
      else { return nil }
      return (path, lease)
    }
  }

  private func path(for server: ProcessIdentity) -> String {
    "\(directory)/server-\(server.pid)-\(server.startTicks).json"
  }
}
