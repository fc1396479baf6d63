import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A process as the kernel knows it: pid plus start time, because a pid alone
/// may already belong to someone else by the time strata looks again.
public struct ProcessIdentity: Sendable, Hashable, Codable, CustomStringConvertible {
  public var pid: Int32
  /// Field 22 of /proc/<pid>/stat: clock ticks after boot when the process started.
  public var startTicks: UInt64

  public init(pid: Int32, startTicks: UInt64) {
    self.pid = pid
    self.startTicks = startTicks
  }

  /// This strata process.
  public static func current(procRoot: String) -> ProcessIdentity {
    let pid = getpid()
    return ProcessIdentity(pid: pid, startTicks: startTicks(of: pid, procRoot: procRoot) ?? 0)
  }

  /// `pid` as it is now, or nil when no such process exists.
  public static func of(_ pid: Int32, procRoot: String) -> ProcessIdentity? {
    startTicks(of: pid, procRoot: procRoot).map { ProcessIdentity(pid: pid, startTicks: $0) }
  }

  /// Whether this very process still runs (same pid and same start time, and
  /// not a zombie waiting for its parent to reap it).
  public func isAlive(procRoot: String) -> Bool {
    guard let fields = Self.statFields(of: pid, procRoot: procRoot), fields.count > 19 else { return false }
    return fields[0] != "Z" && UInt64(fields[19]) == startTicks
  }

  /// "1234:98765", the form used in container labels and lease files.
  public var description: String { "\(pid):\(startTicks)" }

  public init?(_ text: String) {
    let parts = text.split(separator: ":")
    guard parts.count == 2, let pid = Int32(parts[0]), let ticks = UInt64(parts[1]) else { return nil }
    self.init(pid: pid, startTicks: ticks)
  }

  static func startTicks(of pid: Int32, procRoot: String) -> UInt64? {
    guard let fields = statFields(of: pid, procRoot: procRoot), fields.count > 19 else { return nil }
    return UInt64(fields[19])
  }

  /// The fields of /proc/<pid>/stat after the command name: index 0 is field 3
  /// (state), so field 22 (start time) is index 19.
  static func statFields(of pid: Int32, procRoot: String) -> [Substring]? {
    guard let text = try? String(contentsOfFile: "\(procRoot)/\(pid)/stat", encoding: .utf8) else { return nil }
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    guard let close = text.lastIndex(of: ")") else { return nil }
    return text[text.index(after: close)...].split(separator: " ")
  }
}
