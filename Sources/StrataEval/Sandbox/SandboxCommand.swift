/// The bubblewrap command line that runs one program in the sandbox. Pure: the
/// same inputs give the same arguments, so the whole policy is tested as a table.
///
/// What the program sees:
/// - its own PID, network, IPC, UTS and cgroup namespaces (and a user namespace
///   when strata is not root): no host process to signal or read through
///   `/proc`, no network but a loopback device that is down, no abstract Unix
///   socket of the host (those live in the network namespace);
/// - a root that is an empty tmpfs with, read-only, `/usr` (and the `/bin`,
///   `/lib*` links or directories), the few `/etc` files the dynamic loader and
///   the time zone need, and the interpreter's prefix when it lives elsewhere (a
///   pyenv under `/root`) — no home, no `/run` or `/var` (no host sockets), no
///   `/etc/shadow`, no strata database, no engine binary;
/// - `/sandbox/main.py` read-only and `/sandbox/work` writable (its HOME), a
///   fresh `/tmp`, a fresh `/proc` and a minimal `/dev`;
/// - no capabilities and `no_new_privs`; as root, strata's code runs as
///   ``SandboxUser`` (nobody by default), switched inside by setpriv;
/// - `RLIMIT_NPROC` set inside the namespaces by prlimit, where the kernel counts
///   it for this sandbox alone (per user namespace since Linux 5.14; for the
///   sandbox user when strata is root), and a PID namespace whose end kills
///   every process in it, `setsid` or not.
struct SandboxCommand: Sendable, Hashable {
  /// Absolute paths of the host tools.
  var tools: SandboxTools
  /// The interpreter, and the directories outside `/usr` it needs.
  var interpreter: SandboxInterpreter
  /// The workspace on the host: its program file and its writable directory.
  var programPath: String
  var workPath: String
  /// The environment inside, complete (bubblewrap clears the rest).
  var environment: [String: String]
  /// Who runs the program: the switch to this user happens only when strata is root.
  var identity: SandboxIdentity
  var maxProcesses: Int
  /// How the host lays out `/bin`, `/sbin` and `/lib*`: links into `/usr`
  /// (merged /usr, Debian 12) or directories.
  var topLevel: [SandboxTopLevelEntry]

  /// Where the workspace appears inside.
  static let programInside = "/sandbox/main.py"
  static let workInside = "/sandbox/work"

  /// The `/etc` entries bound when present: what ld.so and the time zone read.
  /// None of them holds a secret.
  static let etcEntries = [
    "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime", "/etc/alternatives",
  ]

  /// bwrap's arguments (without bwrap itself), then `--`, the process limit,
  /// the identity switch and the interpreter.
  var arguments: [String] {
    var arguments = [
      "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
    ]
    if case .callerInUserNamespace = identity { arguments.append("--unshare-user") }
    arguments += [
      "--die-with-parent", "--new-session", "--hostname", "sandbox",
      "--ro-bind", "/usr", "/usr",
    ]
    for entry in topLevel {
      switch entry {
      case .link(let path, let target): arguments += ["--symlink", target, path]
      case .directory(let path): arguments += ["--ro-bind", path, path]
      }
    }
    for path in Self.etcEntries { arguments += ["--ro-bind-try", path, path] }
    for prefix in interpreter.prefixesOutsideUsr {
      // Parents made world-traversable: bubblewrap makes them 0700 otherwise,
      // which the unprivileged user could not enter.
      for parent in Self.parents(of: prefix) { arguments += ["--perms", "0755", "--dir", parent] }
      arguments += ["--ro-bind", prefix, prefix]
    }
    arguments += [
      "--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/tmp",
      "--perms", "0755", "--dir", "/sandbox",
      "--ro-bind", programPath, Self.programInside,
      "--bind", workPath, Self.workInside,
      "--chdir", Self.workInside,
      "--clearenv",
    ]
    for (name, value) in environment.sorted(by: { $0.key < $1.key }) { arguments += ["--setenv", name, value] }
    if case .callerInUserNamespace = identity { arguments += ["--cap-drop", "ALL"] }
    arguments += ["--", tools.prlimit, "--nproc=\(maxProcesses):\(maxProcesses)", "--"]
    if case .switchTo(let user) = identity {
      arguments += [
        tools.setpriv, "--reuid=\(user.uid)", "--regid=\(user.gid)", "--clear-groups",
        "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--",
      ]
    }
    arguments += [interpreter.executable, "-B", Self.programInside]
    return arguments
  }

  /// `/a/b/c` → `/a`, `/a/b` (not the path itself).
  static func parents(of path: String) -> [String] {
    let parts = path.split(separator: "/").dropLast()
    return parts.indices.map { "/" + parts[...$0].joined(separator: "/") }
  }
}

/// Who the sandboxed program runs as.
public enum SandboxIdentity: Sendable, Hashable, Codable, CustomStringConvertible {
  /// strata is root: bubblewrap makes the namespaces with root's privileges and
  /// the program is switched to this unprivileged user before it starts.
  case switchTo(SandboxUser)
  /// strata is an ordinary user: bubblewrap makes a user namespace, and the
  /// program keeps strata's uid, without capabilities.
  case callerInUserNamespace(uid: UInt32)

  /// The identity for a process whose effective uid is `effectiveUID`.
  static func forCaller(effectiveUID: UInt32, sandboxUser: SandboxUser) -> SandboxIdentity {
    effectiveUID == 0 ? .switchTo(sandboxUser) : .callerInUserNamespace(uid: effectiveUID)
  }

  public var description: String {
    switch self {
    case .switchTo(let user): "uid \(user.uid) (switched from root)"
    case .callerInUserNamespace(let uid): "uid \(uid) in a user namespace"
    }
  }
}

/// One of `/bin`, `/sbin`, `/lib`, `/lib32`, `/lib64`, `/libx32` on the host.
enum SandboxTopLevelEntry: Sendable, Hashable {
  case link(path: String, target: String)
  case directory(path: String)
}
