import Foundation

/// Where the host's pseudo filesystems and configuration live: the real ones in
/// the executable, recorded trees in tests.
public struct FilesystemRoots: Sendable, Equatable {
  public var proc: String
  public var sys: String
  public var dev: String
  public var etc: String

  public init(proc: String, sys: String, dev: String, etc: String) {
    self.proc = proc
    self.sys = sys
    self.dev = dev
    self.etc = etc
  }

  /// A machine's own roots. Only the executable uses this; libraries take roots from their context.
  public static let system = FilesystemRoots(proc: "/proc", sys: "/sys", dev: "/dev", etc: "/etc")
}

/// strata's directories on this host.
public struct HostDirectories: Sendable, Equatable {
  public var home: String
  /// Downloads and builds that can be fetched again (`$XDG_CACHE_HOME/strata`).
  public var cache: String
  /// What must survive a reboot but is not configuration: locks, leases (`$XDG_STATE_HOME/strata`).
  public var state: String
  public var temporary: String

  public init(home: String, cache: String, state: String, temporary: String) {
    self.home = home
    self.cache = cache
    self.state = state
    self.temporary = temporary
  }

  /// The XDG layout under `home`, with the environment's overrides: `STRATA_CACHE` and
  /// `STRATA_STATE_DIR` name strata's own directories, `XDG_CACHE_HOME` and
  /// `XDG_STATE_HOME` their parents.
  public static func xdg(home: String, environment: [String: String], temporary: String) -> HostDirectories {
    func set(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
    return HostDirectories(
      home: home, cache: set("STRATA_CACHE") ?? (set("XDG_CACHE_HOME") ?? "\(home)/.cache") + "/strata",
      state: set("STRATA_STATE_DIR") ?? (set("XDG_STATE_HOME") ?? "\(home)/.local/state") + "/strata",
      temporary: temporary)
  }
}

/// The two clocks: wall time for what is stored and shown, monotonic for durations.
public struct HostClock: Sendable {
  /// Seconds since 1970.
  public var wall: @Sendable () -> Double
  /// Seconds on a clock that never jumps (CLOCK_MONOTONIC).
  public var monotonic: @Sendable () -> Double

  public init(wall: @escaping @Sendable () -> Double, monotonic: @escaping @Sendable () -> Double) {
    self.wall = wall
    self.monotonic = monotonic
  }
}

/// Everything strata reads from the host it runs on, in one value the executable
/// builds once and passes down: filesystem roots, the environment and `PATH`,
/// directories, clocks, the host's name and whether output goes to a terminal.
/// Libraries take what they need from it and read none of it themselves.
public struct HostContext: Sendable {
  public var roots: FilesystemRoots
  public var environment: [String: String]
  public var directories: HostDirectories
  public var clock: HostClock
  public var hostname: String
  /// Whether progress goes to a terminal (a live line) or to a log such as journald (plain, timestamped lines).
  public var interactive: Bool

  public init(
    roots: FilesystemRoots, environment: [String: String], directories: HostDirectories, clock: HostClock,
    hostname: String, interactive: Bool
  ) {
    self.roots = roots
    self.environment = environment
    self.directories = directories
    self.clock = clock
    self.hostname = hostname
    self.interactive = interactive
  }

  /// Expands `~`, `${VAR}` and `${STRATA_CACHE}` in config paths with this host's values.
  public var pathExpander: PathExpander {
    .standard(environment: environment, home: directories.home, cache: directories.cache)
  }

  /// `PATH`, or the directories every Debian system has when it is unset.
  public var searchPath: String { environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin" }
}

/// The temporary directory a set of environment variables names: `TMPDIR`, else `/tmp`
/// (what `NSTemporaryDirectory` would read from the process itself).
public enum TemporaryDirectory {
  public static func path(environment: [String: String]) -> String {
    environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
  }
}
