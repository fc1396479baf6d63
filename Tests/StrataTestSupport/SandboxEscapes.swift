import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Things on the host that sandboxed code must not reach, laid out so that only
/// the sandbox stops it: the files and sockets are open to every user (mode
/// 0666/0777), so neither a user switch nor file permissions alone would hold.
public final class SandboxBait: @unchecked Sendable {
  // Safe: every property is set in init and never changed; deinit runs once.
  public let directory: String
  public let outsideDirectory: String
  public let secretFile: String
  public let secret: String
  public let databaseFile: String
  public static let databaseContent = "DB-ORIGINAL"
  public let unixSocketPath: String
  public let abstractSocketName: String
  public let tcpPort: UInt16
  /// A process of the test's (its user, outside the sandbox) that must survive.
  public let sleeper: Process
  /// `sleep`'s argument for processes the program starts, unique to this bait,
  /// so the host can look for leftovers by command line.
  public let leftoverTag: String
  public let hostPid: pid_t
  private let listeners: [Int32]

  public init() throws {
    let base = URL(fileURLWithPath: NSTemporaryDirectory()).standardizedFileURL.path
    var template = Array((base + "/strata-bait-XXXXXX").utf8CString)
    guard let made = template.withUnsafeMutableBufferPointer({ $0.baseAddress.flatMap { mkdtemp($0) } }) else {
      throw BaitError("mkdtemp failed")
    }
    directory = String(cString: made)
    chmod(directory, 0o755)
    let files = FileManager.default
    outsideDirectory = directory + "/outside"
    try files.createDirectory(atPath: outsideDirectory, withIntermediateDirectories: true)
    chmod(outsideDirectory, 0o777)
    try files.createDirectory(atPath: directory + "/home/.ssh", withIntermediateDirectories: true)
    chmod(directory + "/home", 0o755)
    chmod(directory + "/home/.ssh", 0o755)
    secret = "SECRET-\(UUID().uuidString)"
    secretFile = directory + "/home/.ssh/id_ed25519"
    try Data(secret.utf8).write(to: URL(fileURLWithPath: secretFile))
    chmod(secretFile, 0o644)
    databaseFile = directory + "/strata.sqlite"
    try Data(Self.databaseContent.utf8).write(to: URL(fileURLWithPath: databaseFile))
    chmod(databaseFile, 0o666)
    try files.createDirectory(atPath: directory + "/run", withIntermediateDirectories: true)
    chmod(directory + "/run", 0o777)
    unixSocketPath = directory + "/run/podman.sock"
    abstractSocketName = "strata-bait-\(UUID().uuidString)"
    let unix = try Self.unixListener(path: unixSocketPath, abstract: false)
    chmod(unixSocketPath, 0o777)
    let abstract = try Self.unixListener(path: abstractSocketName, abstract: true)
    let (tcp, port) = try Self.tcpListener()
    listeners = [unix, abstract, tcp]
    tcpPort = port
    leftoverTag = String(format: "29.%09d", Int.random(in: 0..<1_000_000_000))
    hostPid = getpid()
    sleeper = Process()
    sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
    sleeper.arguments = ["300"]
    // Not the test's stdout: an orphaned sleeper holding it keeps `swift test` waiting.
    sleeper.standardInput = FileHandle.nullDevice
    sleeper.standardOutput = FileHandle.nullDevice
    sleeper.standardError = FileHandle.nullDevice
    try sleeper.run()
  }

  deinit {
    if sleeper.isRunning { sleeper.terminate() }
    for fd in listeners { close(fd) }
    try? FileManager.default.removeItem(atPath: directory)
  }

  /// True when a connection is waiting on any of the listeners.
  public var anyoneConnected: Bool {
    listeners.contains { fd in
      let client = accept(fd, nil, nil)
      guard client >= 0 else { return false }
      close(client)
      return true
    }
  }

  /// Pids of host processes whose command line carries ``leftoverTag``.
  public var leftovers: [pid_t] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { pid_t($0) }.filter { pid in
      guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
      guard String(decoding: data, as: UTF8.self).contains(leftoverTag) else { return false }
      // A zombie waiting for its reaper is dead already.
      let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
      return !(stat.split(separator: ")").last?.hasPrefix(" Z") ?? false)
    }
  }

  private static func unixListener(path: String, abstract: Bool) throws -> Int32 {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw BaitError("socket failed") }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    let offset = abstract ? 1 : 0
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
      for (index, byte) in bytes.enumerated() where index + offset < raw.count { raw[index + offset] = byte }
    }
    let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + offset + (abstract ? 0 : 1))
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && listen(fd, 8) == 0 }
    }
    guard bound else { throw BaitError("bind \(path): \(String(cString: strerror(errno)))") }
    _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    return fd
  }

  private static func tcpListener() throws -> (Int32, UInt16) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw BaitError("socket failed") }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
        bind(fd, pointer, length) == 0 && listen(fd, 8) == 0 && getsockname(fd, pointer, &length) == 0
      }
    }
    guard bound else { throw BaitError("tcp listener failed") }
    _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    return (fd, UInt16(bigEndian: address.sin_port))
  }
}

struct BaitError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

/// One way model-written code could reach the host, as a program that prints
/// `ESCAPED …` when it gets through and `contained …` when it does not, and a
/// look at the host afterwards.
public struct SandboxEscape: Sendable, CustomStringConvertible {
  public let name: String
  public let body: @Sendable (SandboxBait) -> String
  /// What went wrong on the host, or nil when it is intact.
  public let hostDamage: @Sendable (SandboxBait) -> String?

  public var description: String { name }

  /// The whole program: helpers, then the escape attempt.
  public func program(_ bait: SandboxBait) -> String { Self.preamble + body(bait) + "\n" }

  /// The verdict from what the program printed and the host's state: nil when
  /// contained.
  public func breach(stdout: String, bait: SandboxBait) -> String? {
    if let line = stdout.split(separator: "\n").first(where: { $0.hasPrefix("ESCAPED") }) { return String(line) }
    if !stdout.contains("contained") { return "the probe did not report (stdout: \(stdout.prefix(300)))" }
    return hostDamage(bait)
  }

  static let preamble = """
    import os, sys, socket, signal, time
    def escaped(what): print("ESCAPED", what, flush=True)
    def contained(what, error=""): print("contained", what, error, flush=True)

    """

  static func connects(_ family: String, _ address: String, what: String) -> String {
    """
    try:
        s = socket.socket(\(family), socket.SOCK_STREAM)
        s.settimeout(2)
        s.connect(\(address))
        escaped("\(what)")
    except OSError as e:
        contained("\(what)", e)

    """
  }

  /// Every escape the issue names, and the exits that skip the tests.
  public static let all: [SandboxEscape] = [
    SandboxEscape(
      name: "runs as root",
      body: { _ in
        "escaped(f'uid {os.getuid()}') if os.getuid() == 0 or os.geteuid() == 0 else contained('uid', os.getuid())"
      }, hostDamage: { _ in nil }),
    SandboxEscape(
      name: "holds capabilities or may gain privileges",
      body: { _ in
        """
        status = dict(line.split(":\\t", 1) for line in open("/proc/self/status").read().splitlines() if ":\\t" in line)
        if int(status["CapEff"].strip(), 16) != 0 or int(status["CapPrm"].strip(), 16) != 0: escaped("capabilities " + status["CapEff"])
        elif status.get("NoNewPrivs", "0").strip() != "1": escaped("no_new_privs unset")
        else: contained("capabilities")
        """
      }, hostDamage: { _ in nil }),
    SandboxEscape(
      name: "reads /etc/shadow",
      body: { _ in
        """
        try:
            open("/etc/shadow").read(); escaped("/etc/shadow")
        except OSError as e: contained("/etc/shadow", e)
        """
      }, hostDamage: { _ in nil }),
    SandboxEscape(
      name: "reads a file in a home directory",
      body: { bait in
        """
        try:
            data = open("\(bait.secretFile)").read()
            escaped("home file") if "\(bait.secret)" in data else contained("home file", "other content")
        except OSError as e: contained("home file", e)
        """
      }, hostDamage: { _ in nil }),
    SandboxEscape(
      name: "writes outside its directory",
      body: { bait in
        """
        try:
            open("\(bait.outsideDirectory)/escaped.txt", "w").write("x"); escaped("write outside")
        except OSError as e: contained("write outside", e)
        """
      },
      hostDamage: { bait in
        FileManager.default.fileExists(atPath: bait.outsideDirectory + "/escaped.txt") ? "a file appeared outside" : nil
      }),
    SandboxEscape(
      name: "rewrites strata's database",
      body: { bait in
        """
        try:
            f = open("\(bait.databaseFile)", "r+"); f.write("OVERWRITTEN"); f.close(); escaped("database")
        except OSError as e: contained("database", e)
        """
      },
      hostDamage: { bait in
        (try? String(contentsOfFile: bait.databaseFile, encoding: .utf8)) == SandboxBait.databaseContent
          ? nil : "the database file changed"
      }),
    SandboxEscape(
      name: "connects to a Unix socket by path",
      body: { bait in connects("socket.AF_UNIX", "\"\(bait.unixSocketPath)\"", what: "unix socket") },
      hostDamage: { bait in bait.anyoneConnected ? "a listener was reached" : nil }),
    SandboxEscape(
      name: "connects to an abstract Unix socket",
      body: { bait in connects("socket.AF_UNIX", "\"\\0\(bait.abstractSocketName)\"", what: "abstract socket") },
      hostDamage: { bait in bait.anyoneConnected ? "a listener was reached" : nil }),
    SandboxEscape(
      name: "connects to the host's loopback",
      body: { bait in connects("socket.AF_INET", "(\"127.0.0.1\", \(bait.tcpPort))", what: "tcp loopback") },
      hostDamage: { bait in bait.anyoneConnected ? "a listener was reached" : nil }),
    SandboxEscape(
      name: "re-enters the host's network namespace through /proc/1/ns/net",
      body: { bait in
        """
        import ctypes
        try:
            fd = os.open("/proc/1/ns/net", os.O_RDONLY)
            if ctypes.CDLL(None, use_errno=True).setns(fd, 0x40000000) != 0:
                raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
        except OSError as e:
            contained("setns", e)
        """ + "\n" + connects("socket.AF_INET", "(\"127.0.0.1\", \(bait.tcpPort))", what: "tcp after setns")
      }, hostDamage: { bait in bait.anyoneConnected ? "a listener was reached" : nil }),
    SandboxEscape(
      name: "reads the environment of a host process",
      body: { bait in
        """
        try:
            open("/proc/\(bait.hostPid)/environ", "rb").read(); escaped("environ")
        except OSError as e: contained("environ", e)
        """
      }, hostDamage: { _ in nil }),
    SandboxEscape(
      name: "kills a host process",
      body: { bait in
        """
        try:
            os.kill(\(bait.sleeper.processIdentifier), signal.SIGKILL); escaped("kill")
        except OSError as e: contained("kill", e)
        """
      },
      hostDamage: { bait in
        usleep(100_000)
        return bait.sleeper.isRunning ? nil : "the host's sleeper was killed"
      }),
    SandboxEscape(
      name: "outlives the run through setsid",
      body: { bait in
        """
        if os.fork() == 0:
            os.setsid()
            os.execv("/bin/sleep", ["sleep", "\(bait.leftoverTag)"])
        time.sleep(0.3)
        contained("setsid child started")
        """
      },
      hostDamage: { bait in
        Self.waitForNoLeftovers(bait).map { "setsid child \($0) still runs on the host" }
      }),
    SandboxEscape(
      name: "fork bomb",
      body: { bait in
        """
        started = 0
        try:
            for _ in range(2000):
                if os.fork() == 0:
                    os.execv("/bin/sleep", ["sleep", "\(bait.leftoverTag)"])
                started += 1
            escaped(f"fork bomb started {started} processes")
        except OSError as e:
            contained(f"fork bomb stopped after {started}", e)
        """
      },
      hostDamage: { bait in
        Self.waitForNoLeftovers(bait).map { "fork bomb child \($0) still runs on the host" }
      }),
  ]

  /// Exits that end a program with status 0 before its tests ran: each must not pass.
  public static let earlyExits: [(name: String, reply: String)] = [
    ("sys.exit(0) at module level", "import sys\ndef add(a, b):\n    return a + b\nsys.exit(0)"),
    ("sys.exit() in the function", "def add(a, b):\n    import sys\n    sys.exit()"),
    ("exit() in the function", "def add(a, b):\n    exit()"),
    ("quit() at module level", "def add(a, b):\n    return a - b\nquit()"),
    ("os._exit(0) in the function", "def add(a, b):\n    import os\n    os._exit(0)"),
    ("raise SystemExit in the function", "def add(a, b):\n    raise SystemExit"),
    ("os._exit(0) after closing stdout", "import os, sys\ndef add(a, b):\n    sys.stdout.close()\n    os._exit(0)"),
  ]

  /// Polls for two seconds for leftovers to go; the first survivor, or nil.
  public static func waitForNoLeftovers(_ bait: SandboxBait) -> pid_t? {
    for _ in 0..<40 {
      if bait.leftovers.isEmpty { return nil }
      usleep(50_000)
    }
    return bait.leftovers.first
  }
}
