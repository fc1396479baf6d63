/// Limits on one sandboxed run. A nil limit leaves the one strata itself runs under.
///
/// The defaults suit MBPP and HumanEval items, whose tests finish in well under a
/// second; a task suite with heavier tests raises them per task.
public struct SandboxLimits: Sendable, Hashable, Codable {
  /// Wall-clock time from start to a SIGKILL of the whole process group.
  public var wallSeconds: Double
  /// CPU time (RLIMIT_CPU, whole seconds): SIGXCPU at the limit, SIGKILL one second later.
  /// It counts per process, so it bounds a busy loop but not a sleeper; the wall limit does that.
  public var cpuSeconds: Int?
  /// Address space (RLIMIT_AS). Allocation past it fails inside the program
  /// (Python raises MemoryError), so a hog never reaches the machine's OOM killer.
  public var memoryBytes: Int?
  /// Largest file the program may write (RLIMIT_FSIZE). It also caps the captured
  /// stdout and stderr, which are files the program writes to.
  public var fileSizeBytes: Int?
  /// RLIMIT_NPROC. The kernel counts it over every process of the real user, not
  /// per sandbox, and ignores it for root; it helps only with ``CodeSandbox/runAs``
  /// set to a user that runs nothing else. The process-group kill is what ends
  /// children in every case.
  public var maxProcesses: Int?
  /// RLIMIT_NOFILE.
  public var maxOpenFiles: Int?
  /// How much of the end of stdout and stderr the outcome keeps.
  public var outputTailBytes: Int

  public init(
    wallSeconds: Double = 10, cpuSeconds: Int? = 5, memoryBytes: Int? = 1 << 30,
    fileSizeBytes: Int? = 16 << 20, maxProcesses: Int? = nil, maxOpenFiles: Int? = 256,
    outputTailBytes: Int = 8192
  ) {
    self.wallSeconds = wallSeconds
    self.cpuSeconds = cpuSeconds
    self.memoryBytes = memoryBytes
    self.fileSizeBytes = fileSizeBytes
    self.maxProcesses = maxProcesses
    self.maxOpenFiles = maxOpenFiles
    self.outputTailBytes = outputTailBytes
  }
}

/// A user and group the sandboxed program runs as, instead of strata's own.
///
/// Only root can switch; the usual choice is `nobody` (65534), which cannot write
/// outside the working directory or signal strata's processes. The kernel then
/// refuses a plain network namespace to the child, so it gets a user and a
/// network namespace together.
public struct SandboxUser: Sendable, Hashable, Codable {
  public var uid: UInt32
  public var gid: UInt32

  public init(uid: UInt32, gid: UInt32) {
    self.uid = uid
    self.gid = gid
  }

  /// The conventional unprivileged user and group (65534).
  public static let nobody = SandboxUser(uid: 65534, gid: 65534)
}
