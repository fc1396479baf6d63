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
  /// Processes and threads the program may have at once (RLIMIT_NPROC, set by
  /// prlimit inside the sandbox's user namespace, where the kernel counts it for
  /// this sandbox alone; as root, for the sandbox user). A fork bomb gets EAGAIN
  /// past it, and the end of the PID namespace kills whatever it made.
  public var maxProcesses: Int
  /// RLIMIT_NOFILE.
  public var maxOpenFiles: Int?
  /// How much of the end of stdout and stderr the outcome keeps.
  public var outputTailBytes: Int

  public init(
    wallSeconds: Double = 10, cpuSeconds: Int? = 5, memoryBytes: Int? = 1 << 30,
    fileSizeBytes: Int? = 16 << 20, maxProcesses: Int = 64, maxOpenFiles: Int? = 256,
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

/// The user and group the sandboxed program runs as when strata is root.
///
/// The default is `nobody` (65534), which owns nothing and cannot signal
/// strata's processes; a dedicated user that runs nothing else makes the process
/// limit the sandbox's alone.
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
