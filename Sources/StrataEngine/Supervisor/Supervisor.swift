import StrataClient
import StrataConfig

#if canImport(Glibc)
  import Glibc
#endif

/// A llama-server that answered its health check.
public struct RunningServer: Sendable {
  public let process: ChildProcess
  public let port: Int
  /// Spawn → first `/health` 200, monotonic clock.
  public let loadSeconds: Double
  public let launch: ServerLaunch
  public var baseURL: String { "http://127.0.0.1:\(port)" }
  public var client: LlamaServerClient { LlamaServerClient(baseURL: baseURL) }
}

/// Starts llama-server processes, waits for them to be healthy, and stops them.
///
/// A server's life is a scope: `withServer` stops and reaps it when the body
/// returns, throws, or is cancelled. Every live child is also listed in the
/// `ProcessRegistry`, the last resort when strata must exit at once.
public struct Supervisor: Sendable {
  public var registry: ProcessRegistry
  public var environment: [String: String]
  public var healthTimeoutSeconds: Double
  public var stopGraceSeconds: Double
  public var startAttempts: Int

  public init(
    registry: ProcessRegistry, environment: [String: String],
    healthTimeoutSeconds: Double = 300, stopGraceSeconds: Double = 10, startAttempts: Int = 3
  ) {
    self.registry = registry
    self.environment = environment
    self.healthTimeoutSeconds = healthTimeoutSeconds
    self.stopGraceSeconds = stopGraceSeconds
    self.startAttempts = startAttempts
  }

  /// Runs `body` with a healthy server and always stops the server afterwards.
  /// `onSpawn` runs as soon as the process exists, before it is healthy (the
  /// telemetry starts watching it there, so load is measured too).
  /// `onExit` gets how the server ended once it is stopped and reaped.
  public func withServer<T: Sendable>(
    _ launch: ServerLaunch, onSpawn: (ChildProcess) -> Void = { _ in }, onExit: (ChildExit) -> Void = { _ in },
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
  public func start(_ launch: ServerLaunch, onSpawn: (ChildProcess) -> Void = { _ in }) async throws -> RunningServer {
    var lastError: SupervisorError?
    for _ in 0..<max(1, startAttempts) {
      guard let port = LoopbackPort.free() else { throw SupervisorError.noFreePort }
      do {
        return try await startOnce(launch, port: port, onSpawn: onSpawn)
      } catch let error as SupervisorError {
        guard error.isPortConflict else { throw error }
        lastError = error
      }
    }
    throw lastError ?? SupervisorError.noFreePort
  }

  func startOnce(_ launch: ServerLaunch, port: Int, onSpawn: (ChildProcess) -> Void) async throws -> RunningServer {
    let arguments = launch.arguments(port: port)
    let env = environment.merging(launch.engine.env) { _, engine in engine }
    appendLogHeader(launch.logPath, arguments: arguments, env: launch.engine.env)
    let started = MonotonicClock.seconds()
    let process = try ChildProcess.spawn(arguments: arguments, environment: env, logPath: launch.logPath)
    registry.insert(process)
    onSpawn(process)
    let client = LlamaServerClient(baseURL: "http://127.0.0.1:\(port)")
    do {
      while true {
        if let status = process.pollExit() {
          registry.remove(process)
          throw SupervisorError.exitedDuringLoad(
            arguments: arguments, status: status, logPath: launch.logPath,
            logTail: LogTail.read(launch.logPath))
        }
        if await client.health() == 200 {
          return RunningServer(
            process: process, port: port, loadSeconds: MonotonicClock.seconds() - started, launch: launch)
        }
        if MonotonicClock.seconds() - started > healthTimeoutSeconds {
          throw SupervisorError.healthTimeout(
            seconds: healthTimeoutSeconds, logPath: launch.logPath, logTail: LogTail.read(launch.logPath))
        }
        try await Task.sleep(nanoseconds: 10_000_000)
      }
    } catch {
      await process.terminate(graceSeconds: stopGraceSeconds)
      registry.remove(process)
      throw error
    }
  }

  /// SIGTERM, grace period, SIGKILL, reap.
  public func stop(_ server: RunningServer) async -> ChildExit {
    let status = await server.process.terminate(graceSeconds: stopGraceSeconds)
    registry.remove(server.process)
    return status
  }

  private func appendLogHeader(_ path: String, arguments: [String], env: [String: String]) {
    let envText = env.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value) " }.joined()
    let line = "# strata: starting \(envText)\(arguments.joined(separator: " "))\n"
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

  var isPortConflict: Bool {
    if case .exitedDuringLoad(_, _, _, let tail) = self {
      return tail.contains("couldn't bind") || tail.contains("Address already in use")
    }
    return false
  }

  public var description: String {
    switch self {
    case .noFreePort:
      return "no free TCP port on 127.0.0.1"
    case .exitedDuringLoad(let arguments, let status, let logPath, let tail):
      return """
        llama-server exited during load (\(status)): \(arguments.joined(separator: " "))
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
    }
  }
}

/// The last lines of a log file, for error messages.
public enum LogTail {
  public static func read(_ path: String, lines: Int = 15, maxBytes: Int = 16_384) -> String {
    guard let file = fopen(path, "r") else { return "(no log at \(path))" }
    defer { fclose(file) }
    fseek(file, 0, SEEK_END)
    let size = ftell(file)
    let start = max(0, size - maxBytes)
    fseek(file, start, SEEK_SET)
    var bytes = [UInt8](repeating: 0, count: size - start)
    let count = fread(&bytes, 1, bytes.count, file)
    let text = String(decoding: bytes.prefix(count), as: UTF8.self)
    return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
  }
}
