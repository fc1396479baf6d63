import Foundation
import StrataClient
import StrataConfig

#if canImport(Glibc)
  import Glibc
#endif

/// How a server lives: a child process of strata, or a container.
public enum ServerInstance: Sendable {
  case process(ChildProcess)
  case container(ContainerInstance)

  /// The llama-server's pid on this host, for telemetry; nil when the runtime did not say.
  public var pid: pid_t? {
    switch self {
    case .process(let child): child.pid
    case .container(let container): container.hostPID
    }
  }
}

/// A llama-server that answered its health check.
public struct RunningServer: Sendable {
  public let instance: ServerInstance
  public let port: Int
  /// Spawn (or `run -d`) → first `/health` 200, monotonic clock.
  public let loadSeconds: Double
  public let launch: ServerLaunch
  /// The full command that started it: the server's arguments, or the runtime's `run`.
  public let arguments: [String]
  public var baseURL: String { "http://127.0.0.1:\(port)" }
  public var client: LlamaServerClient { LlamaServerClient(baseURL: baseURL) }
}

/// Starts llama-server processes and containers, waits for them to be healthy,
/// and stops them.
///
/// A server's life is a scope: `withServer` stops and reaps (or removes) it when
/// the body returns, throws, or is cancelled. Every live server is also listed
/// in the `ProcessRegistry`, the last resort when strata must exit at once, and
/// every process has a lease on disk, the last resort when strata is killed.
public struct Supervisor: Sendable {
  public var registry: ProcessRegistry
  public var environment: [String: String]
  public var healthTimeoutSeconds: Double
  public var stopGraceSeconds: Double
  public var startAttempts: Int
  public var leases: LeaseBook?
  /// Host group name → id, for ROCm containers.
  public var hostGroups: [String: Int]
  let owner: ProcessIdentity
  /// Where the servers' identities are read (`/proc` of the host context).
  let procRoot: String
  /// Seconds since 1970, for the crash leases.
  let wallClock: @Sendable () -> Double

  public init(
    registry: ProcessRegistry, environment: [String: String],
    healthTimeoutSeconds: Double = 300, stopGraceSeconds: Double = 10, startAttempts: Int = 3,
    leases: LeaseBook? = nil, hostGroups: [String: Int] = [:], procRoot: String,
    wallClock: @escaping @Sendable () -> Double
  ) {
    self.procRoot = procRoot
    self.wallClock = wallClock
    self.registry = registry
    self.environment = environment
    self.healthTimeoutSeconds = healthTimeoutSeconds
    self.stopGraceSeconds = stopGraceSeconds
    self.startAttempts = startAttempts
    self.leases = leases
    self.hostGroups = hostGroups
    self.owner = ProcessIdentity.current(procRoot: procRoot)
  }

  /// Runs `body` with a healthy server and always stops the server afterwards.
  /// `onSpawn` gets the server's pid as soon as it exists, before it is healthy
  /// (the telemetry starts watching it there, so load is measured too).
  /// `onExit` gets how the server ended once it is stopped and reaped.
  public func withServer<T: Sendable>(
    _ launch: ServerLaunch, onSpawn: (pid_t) -> Void = { _ in }, onExit: (ChildExit) -> Void = { _ in },
    _ body: (RunningServer) async throws -> T
  ) async throws -> T {
    let server = try await start(launch, onSpawn: onSpawn)
    do {
      let result = try await body(server)
      onExit(await stop(server))
      return result
    } catch {
      onExit(await stop(server))
      throw error
    }
  }

  /// Starts the server and waits for `/health` 200. A start that loses the race
  /// for its port is retried on a new port.
  public func start(_ launch: ServerLaunch, onSpawn: (pid_t) -> Void = { _ in }) async throws -> RunningServer {
    var lastError: SupervisorError?
    for _ in 0..<max(1, startAttempts) {
      guard let port = LoopbackPort.free() else { throw SupervisorError.noFreePort }
      do {
        switch launch.engine.mode {
        case .process: return try await startProcess(launch, port: port, onSpawn: onSpawn)
        case .container: return try await startContainer(launch, port: port, onSpawn: onSpawn)
        }
      } catch let error as SupervisorError {
        guard error.isPortConflict else { throw error }
        lastError = error
      }
    }
    throw lastError ?? SupervisorError.noFreePort
  }

  func startProcess(_ launch: ServerLaunch, port: Int, onSpawn: (pid_t) -> Void) async throws -> RunningServer {
    let arguments = launch.arguments(port: port)
    let serverEnv = launch.engine.serverEnvironment
    let env = environment.merging(serverEnv) { _, engine in engine }
    appendLogHeader(
      launch.logPath, arguments: arguments,
      env: Redaction.environment(serverEnv, secretNames: Set(launch.engine.env.keys)))
    let started = MonotonicClock.seconds()
    let process = try ChildProcess.spawn(arguments: arguments, environment: env, logPath: launch.logPath)
    registry.insert(process)
    let identity = ProcessIdentity.of(process.pid, procRoot: procRoot)
    if let leases, let identity {
      leases.record(
        ServerLease(
          server: identity, owner: owner, runId: launch.runId, engine: launch.engine.name, logPath: launch.logPath,
          startedAt: wallClock()))
    }
    onSpawn(process.pid)
    let server = RunningServer(
      instance: .process(process), port: port, loadSeconds: 0, launch: launch, arguments: arguments)
    do {
      let loadSeconds = try await waitUntilHealthy(server, started: started) {
        process.pollExit().map { status in
          SupervisorError.exitedDuringLoad(
            arguments: arguments, status: status, logPath: launch.logPath,
            logTail: LogTail.read(launch.logPath, secrets: launch.secretValues))
        }
      }
      return RunningServer(
        instance: .process(process), port: port, loadSeconds: loadSeconds, launch: launch, arguments: arguments)
    } catch {
      _ = await stop(server)
      throw error
    }
  }

  /// Polls `/health` every 10 ms until 200; `exited` names a server that died meanwhile.
  func waitUntilHealthy(
    _ server: RunningServer, started: Double, exited: () async -> SupervisorError?
  ) async throws -> Double {
    let client = server.client
    while true {
      if let error = await exited() { throw error }
      if await client.health() == 200 { return MonotonicClock.seconds() - started }
      if MonotonicClock.seconds() - started > healthTimeoutSeconds {
        throw SupervisorError.healthTimeout(
          seconds: healthTimeoutSeconds, logPath: server.launch.logPath,
          logTail: LogTail.read(server.launch.logPath, secrets: server.launch.secretValues))
      }
      try await Task.sleep(nanoseconds: 10_000_000)
    }
  }

  /// Processes: SIGTERM, grace period, SIGKILL, reap. Containers: stop, read the
  /// exit code, remove.
  public func stop(_ server: RunningServer) async -> ChildExit {
    switch server.instance {
    case .process(let process):
      let status = await process.terminate(graceSeconds: stopGraceSeconds)
      registry.remove(process)
      leases?.release(pid: process.pid)
      return status
    case .container(let container):
      return await stopContainer(container)
    }
  }

  /// The first line strata writes to a server's log: how it was started, with
  /// secrets redacted (the log is kept with the run and may be shared).
  func appendLogHeader(_ path: String, arguments: [String], env: [String]) {
    let line = "# strata: starting " + (env + Redaction.arguments(arguments)).joined(separator: " ") + "\n"
    guard let file = fopen(path, "a") else { return }
    fputs(line, file)
    fclose(file)
  }
}

/// Why a server could not be started.
public enum SupervisorError: Error, Sendable, CustomStringConvertible {
  case noFreePort
  case exitedDuringLoad(arguments: [String], status: ChildExit, logPath: String, logTail: String)
  case healthTimeout(seconds: Double, logPath: String, logTail: String)
  /// `<runtime> run` itself failed: image, devices, runtime configuration.
  case containerRunFailed(arguments: [String], output: String)

  var isPortConflict: Bool {
    switch self {
    case .exitedDuringLoad(_, _, _, let tail):
      return tail.contains("couldn't bind") || tail.contains("Address already in use")
    case .containerRunFailed(_, let output):
      return output.lowercased().contains("address already in use")
    default:
      return false
    }
  }

  public var description: String {
    switch self {
    case .noFreePort:
      return "no free TCP port on 127.0.0.1"
    case .exitedDuringLoad(let arguments, let status, let logPath, let tail):
      return """
        llama-server exited during load (\(status)): \(Redaction.arguments(arguments).joined(separator: " "))
        last lines of \(logPath):
        \(tail)
        check the model path and the flags; the full log is at \(logPath)
        """
    case .healthTimeout(let seconds, let logPath, let tail):
      return """
        llama-server did not answer /health with 200 within \(Int(seconds)) s
        last lines of \(logPath):
        \(tail)
        a large model or a slow backend may need more time (--health-timeout)
        """
    case .containerRunFailed(let arguments, let output):
      return """
        the container did not start: \(Redaction.arguments(arguments).joined(separator: " "))
        \(output.trimmingCharacters(in: .whitespacesAndNewlines))
        check that the image exists (`strata engines`), that the runtime works (`podman run --rm <image> --version`), \
        and the devices the backend needs
        """
    }
  }
}

/// The last lines of a log file, for error messages.
public enum LogTail {
  /// The last `lines` lines of the log, with `secrets` scrubbed (``Redaction/scrub(_:secrets:)``).
  public static func read(_ path: String, lines: Int = 15, maxBytes: Int = 16_384, secrets: [String] = []) -> String {
    guard let file = fopen(path, "r") else { return "(no log at \(path))" }
    defer { fclose(file) }
    fseek(file, 0, SEEK_END)
    let size = ftell(file)
    let start = max(0, size - maxBytes)
    fseek(file, start, SEEK_SET)
    var bytes = [UInt8](repeating: 0, count: size - start)
    let count = fread(&bytes, 1, bytes.count, file)
    let text = String(decoding: bytes.prefix(count), as: UTF8.self)
    let tail = text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    return Redaction.scrub(tail, secrets: secrets)
  }
}
