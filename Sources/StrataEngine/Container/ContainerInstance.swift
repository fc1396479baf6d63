import Foundation
import StrataClient
import StrataConfig

#if canImport(Glibc)
  import Glibc
#endif

/// One llama-server container strata started.
public struct ContainerInstance: Sendable {
  public let runtime: ContainerRuntime
  public let name: String
  /// What `run -d` printed: the container id.
  public let id: String
  /// llama-server's pid on this host (the image's entrypoint is the server itself).
  public let hostPID: pid_t?
  /// `<runtime> logs --follow`, appending to the server log; it ends when the container does.
  let follower: ChildProcess?
}

extension Supervisor {
  func startContainer(_ launch: ServerLaunch, port: Int, onSpawn: (pid_t) -> Void) async throws -> RunningServer {
    let engine = launch.engine
    guard let spec = engine.container,
      let runtime = ContainerRuntime.resolve(spec.runtime, path: environment["PATH"])
    else {
      throw SupervisorError.containerRunFailed(
        arguments: [], output: "no container runtime for engine \(engine.name): install podman (or docker)")
    }
    var command = ContainerCommand(runtime: runtime, hostGroups: hostGroups)
    // The server's variables reach the container by name (`--env NAME`), so the
    // runtime needs their values in its own environment.
    let runner = CommandRunner(environment: command.runnerEnvironment(engine, base: environment))
    if engine.backend == .rocm || engine.backend == .vulkan, let info = command.info() {
      // Rootless podman needs keep-groups for the render group (see DeviceGroupAccess).
      if let described = await runner.run(info, timeoutSeconds: 30), described.succeeded {
        command.host = ContainerHostInfo(podmanInfo: described.output)
      }
      if let refusal = command.deviceGroups(engine).refusal {
        throw SupervisorError.containerRunFailed(arguments: [], output: refusal)
      }
    }
    let name = "strata-\(launch.runId.prefix(8))-\(launch.index + 1)-\(Self.randomSuffix())"
    let placement = ContainerPlacement(
      name: name, runId: launch.runId, owner: owner.description, hostPort: port, modelPath: launch.modelPath)
    let arguments = command.run(
      engine: engine, placement: placement,
      serverArguments: ContainerCommand.serverArguments(
        modelFileName: placement.modelFileName, engine: engine, flags: launch.flagArguments))
    appendLogHeader(launch.logPath, arguments: arguments, env: [])
    let started = MonotonicClock.seconds()
    // Registered before it exists: a second Ctrl-C during `run` must still remove it.
    registry.insert(LiveContainer(name: name, removeCommand: command.remove(name)))
    let result = await runner.run(arguments, timeoutSeconds: max(60, healthTimeoutSeconds))
    guard let result, result.succeeded else {
      // A failed `run` can leave a created-but-never-started container behind.
      _ = await runner.run(command.remove(name), timeoutSeconds: 30)
      registry.remove(container: name)
      throw SupervisorError.containerRunFailed(
        arguments: arguments,
        output: Redaction.scrub(
          result?.output ?? "timed out after \(Int(max(60, healthTimeoutSeconds))) s", secrets: launch.secretValues))
    }
    let id = result.lastLine.trimmingCharacters(in: .whitespaces)
    let follower = try? ChildProcess.spawn(
      arguments: command.logs(follow: name), environment: environment, logPath: launch.logPath)
    if let follower { registry.insert(follower) }
    let pidText = await runner.run(command.hostPID(name), timeoutSeconds: 30)?.lastLine
    let hostPID = pidText.flatMap { pid_t($0.trimmingCharacters(in: .whitespaces)) }.flatMap { $0 > 0 ? $0 : nil }
    if let hostPID { onSpawn(hostPID) }
    let instance = ContainerInstance(runtime: runtime, name: name, id: id, hostPID: hostPID, follower: follower)
    let server = RunningServer(
      instance: .container(instance), port: port, loadSeconds: 0, launch: launch, arguments: arguments)
    do {
      let loadSeconds = try await waitUntilHealthy(server, started: started) {
        // The follower ends when the container does: only then ask the runtime why.
        guard follower?.pollExit() != nil else { return nil }
        let inspected = await runner.run(command.state(name), timeoutSeconds: 30)
        let state = inspected.flatMap { ContainerState(inspect: $0.lastLine) }
        if state?.running == true { return nil }
        return SupervisorError.exitedDuringLoad(
          arguments: arguments, status: state.map { .exited($0.exitCode) } ?? .unknown, logPath: launch.logPath,
          logTail: LogTail.read(launch.logPath, secrets: launch.secretValues))
      }
      return RunningServer(
        instance: .container(instance), port: port, loadSeconds: loadSeconds, launch: launch, arguments: arguments)
    } catch {
      _ = await stopContainer(instance)
      throw error
    }
  }

  /// `stop` (SIGTERM, then SIGKILL after the grace period, done by the runtime),
  /// the exit code from `inspect`, then `rm`. Runs to the end even when cancelled.
  func stopContainer(_ container: ContainerInstance) async -> ChildExit {
    let command = ContainerCommand(runtime: container.runtime)
    let runner = CommandRunner(environment: environment)
    let grace = Int(stopGraceSeconds.rounded(.up))
    _ = await runner.run(command.stop(container.name, graceSeconds: grace), timeoutSeconds: Double(grace) + 30)
    let state = await runner.run(command.state(container.name), timeoutSeconds: 30)
    let removed = await runner.run(command.remove(container.name), timeoutSeconds: 60)
    if removed?.succeeded == true { registry.remove(container: container.name) }
    if let follower = container.follower {
      _ = await follower.terminate(graceSeconds: 2)
      registry.remove(follower)
    }
    guard let code = state.flatMap({ ContainerState(inspect: $0.lastLine) })?.exitCode else { return .unknown }
    return .exited(code)
  }

  static func randomSuffix() -> String {
    String(UInt32.random(in: 0...UInt32.max), radix: 16)
  }
}

/// `inspect --format '{{.State.Running}} {{.State.ExitCode}} {{.Image}}'`, parsed.
public struct ContainerState: Sendable, Hashable {
  public var running: Bool
  public var exitCode: Int32
  public var imageID: String

  public init?(inspect line: String) {
    let parts = line.split(separator: " ")
    guard parts.count >= 2, let code = Int32(parts[1]) else { return nil }
    running = parts[0] == "true"
    exitCode = code
    imageID = parts.count > 2 ? String(parts[2]) : ""
  }
}
