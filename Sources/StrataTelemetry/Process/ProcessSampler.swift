#if canImport(Glibc)
  import Glibc
#endif

/// One reading of one process from /proc.
public struct ProcessSample: Sendable, Hashable, Codable {
  public var pid: Int32
  /// Resident set size, bytes (`/proc/<pid>/stat` field 24 `rss`, in pages × page size).
  public var rssBytes: UInt64
  /// User + system CPU time consumed so far, seconds (`stat` fields 14 `utime` and 15 `stime`, clock ticks).
  public var cpuSeconds: Double
  /// `stat` field 20 `num_threads`.
  public var threads: Int

  public init(pid: Int32, rssBytes: UInt64, cpuSeconds: Double, threads: Int) {
    self.pid = pid
    self.rssBytes = rssBytes
    self.cpuSeconds = cpuSeconds
    self.threads = threads
  }
}

/// Reads a process's memory, CPU time and threads from `<procRoot>/<pid>/stat` (proc(5)).
public struct ProcessSampler: Sendable {
  public var procRoot: String
  public var pageSize: UInt64
  public var clockTicksPerSecond: Double

  public init(procRoot: String, pageSize: UInt64? = nil, clockTicksPerSecond: Double? = nil) {
    self.procRoot = procRoot
    self.pageSize = pageSize ?? UInt64(max(1, sysconf(Int32(_SC_PAGESIZE))))
    self.clockTicksPerSecond = clockTicksPerSecond ?? Double(max(1, sysconf(Int32(_SC_CLK_TCK))))
  }

  /// nil when the process does not exist (any more) or its stat line is unreadable.
  public func sample(pid: Int32) -> ProcessSample? {
    guard let text = KernelTextFile.read("\(procRoot)/\(pid)/stat") else { return nil }
    return Self.parse(stat: text, pid: pid, pageSize: pageSize, ticksPerSecond: clockTicksPerSecond)
  }

  /// Parses a stat line. The command name (field 2) is in parentheses and may hold
  /// spaces and parentheses itself, so fields are counted from the last ')'.
  public static func parse(stat text: String, pid: Int32, pageSize: UInt64, ticksPerSecond: Double) -> ProcessSample? {
    guard let close = text.lastIndex(of: ")") else { return nil }
    // After ")": field 3 (state) is index 0, so field n is index n − 3.
    let fields = text[text.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
    func field(_ n: Int) -> UInt64? { fields.count > n - 3 ? UInt64(fields[n - 3]) : nil }
    guard let utime = field(14), let stime = field(15), let threads = field(20).flatMap({ Int(exactly: $0) }),
      let rss = field(24)
    else {
      return nil
    }
    // Values no kernel writes (found by scripts/fuzz): an overflowing product is
    // not a sample, and must not trap the sampling thread.
    let (rssBytes, overflow) = rss.multipliedReportingOverflow(by: pageSize)
    guard !overflow else { return nil }
    return ProcessSample(
      pid: pid, rssBytes: rssBytes, cpuSeconds: (Double(utime) + Double(stime)) / ticksPerSecond, threads: threads)
  }
}
