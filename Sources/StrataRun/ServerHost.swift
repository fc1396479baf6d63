import Foundation
import StrataClient
import StrataEngine

#if canImport(Glibc)
  import Glibc
#endif

/// A ready llama-server as the cell runner sees it: where to send requests and
/// whether the process is still there. Built from the supervisor's
/// `RunningServer`, or by a stand-in in tests.
public struct ServerSession: Sendable {
  public var client: LlamaServerClient
  public var port: Int
  public var loadSeconds: Double
  /// The full command that started it (redacted before it is stored).
  public var arguments: [String]
  public var launch: ServerLaunch
  /// True once the server process has ended (or can no longer be seen), without reaping it.
  public var hasExited: @Sendable () -> Bool
  /// SIGKILLs a hung server at once: a stopped process cannot act on SIGTERM, and
  /// waiting out the grace period would only delay the next cell.
  public var kill: @Sendable () -> Void

  public init(
    client: LlamaServerClient, port: Int, loadSeconds: Double, arguments: [String], launch: ServerLaunch,
    hasExited: @escaping @Sendable () -> Bool, kill: @escaping @Sendable () -> Void = {}
  ) {
    self.kill = kill
    self.client = client
    self.port = port
    self.loadSeconds = loadSeconds
    self.arguments = arguments
    self.launch = launch
    self.hasExited = hasExited
  }
}

/// What starts and stops one load group's server. The sweep owns no process code:
/// the real host is the supervisor; tests pass stand-ins that answer like
/// llama-server, hang, or die on cue.
public protocol ServerHost: Sendable {
  /// Runs `body` with a ready server and always stops it afterwards. `onSpawn` gets
  /// the pid as soon as it exists (telemetry watches the load); `onExit` gets how the
  /// server ended, once it is stopped and reaped.
  func withServer(
    _ launch: ServerLaunch, onSpawn: (Int32) -> Void, onExit: (ChildExit) -> Void,
    _ body: (ServerSession) async throws -> Void
  ) async throws
}

/// The real host: llama-server processes and containers through the supervisor.
struct SupervisedServerHost: ServerHost {
  var supervisor: Supervisor
  var procRoot: String
  /// Per request: how long a stream may go without a byte before the server is called hung.
  var client: HTTPClient

  func withServer(
    _ launch: ServerLaunch, onSpawn: (Int32) -> Void, onExit: (ChildExit) -> Void,
    _ body: (ServerSession) async throws -> Void
  ) async throws {
    try await supervisor.withServer(launch, onSpawn: onSpawn, onExit: onExit) { server in
      let pid = server.instance.pid
      let procRoot = procRoot
      try await body(
        ServerSession(
          client: LlamaServerClient(baseURL: server.baseURL, http: client), port: server.port,
          loadSeconds: server.loadSeconds, arguments: server.arguments, launch: server.launch,
          hasExited: { pid.map { !ProcessLiveness.isRunning($0, procRoot: procRoot) } ?? false },
          kill: { if let pid { _ = Glibc.kill(pid, SIGKILL) } }))
    }
  }
}

/// Whether a pid is a live process: present in /proc and not a zombie.
enum ProcessLiveness {
  static func isRunning(_ pid: Int32, procRoot: String) -> Bool {
    guard let stat = try? String(contentsOfFile: "\(procRoot)/\(pid)/stat", encoding: .utf8),
      let close = stat.lastIndex(of: ")")
    else { return false }
    let state = stat[stat.index(after: close)...].drop { $0 == " " }.first
    return state != "Z" && state != "X"
  }
}
