import Foundation
import StrataConfig

/// Checks an engine against this host and reads its identity: the binary or
/// image, the runtime and the devices its backend needs, then llama-server's
/// own `--version` and `--list-devices` (run as the sweep would run it, so a
/// missing driver or a runtime that cannot start containers shows up here).
public struct EngineInspector: Sendable {
  public var environment: [String: String]
  /// Where device nodes live (`/dev`); tests point it at a temporary tree.
  public var devRoot: String
  /// Where CDI specs live (`/etc/cdi`, `/var/run/cdi`), for podman with NVIDIA GPUs.
  public var cdiDirectories: [String]
  public var hostGroups: [String: Int]

  public init(
    environment: [String: String], devRoot: String = "/dev", cdiDirectories: [String] = ["/etc/cdi", "/var/run/cdi"],
    hostGroups: [String: Int] = HostGroups.read()
  ) {
    self.environment = environment
    self.devRoot = devRoot
    self.cdiDirectories = cdiDirectories
    self.hostGroups = hostGroups
  }

  public func inspect(_ engine: EngineSpec) async -> EngineReport {
    var report = EngineReport(
      engine: engine.name, backend: engine.backend.rawValue, mode: engine.mode.rawValue, runs: engine.runs,
      available: false)
    switch engine.mode {
    case .process: await inspectProcess(engine, into: &report)
    case .container: await inspectContainer(engine, into: &report)
    }
    return report
  }

  // MARK: process engines

  private func inspectProcess(_ engine: EngineSpec, into report: inout EngineReport) async {
    guard let binary = ExecutableLookup.find(engine.binary, path: environment["PATH"]) else {
      let build = engine.backend == .cpu || engine.backend == .vulkan ? "scripts/setup" : "scripts/build-engines"
      report.reason =
        "binary \(engine.binary) not found: build it with `\(build) \(engine.backend.rawValue)` or fix `binary:`"
      return
    }
    if let missing = missingDriver(engine.backend, container: false) {
      report.reason = missing
      return
    }
    let env = environment.merging(engine.serverEnvironment) { _, engine in engine }
    let runner = CommandRunner(environment: env)
    await identify(engine, into: &report) { await runner.run([binary] + $0, timeoutSeconds: 60) }
  }

  // MARK: container engines

  private func inspectContainer(_ engine: EngineSpec, into report: inout EngineReport) async {
    guard let spec = engine.container else { return }
    guard let runtime = ContainerRuntime.resolve(spec.runtime, path: environment["PATH"]) else {
      report.reason =
        spec.runtime == .auto
        ? "no container runtime: install podman (apt install podman runc) or docker"
        : "\(spec.runtime.rawValue) is not installed: install it, or set `runtime: auto`"
      return
    }
    report.runtime = runtime.kind.rawValue
    let runner = CommandRunner(environment: environment)
    let command = ContainerCommand(runtime: runtime, hostGroups: hostGroups)
    guard let version = await runner.run(command.version(), timeoutSeconds: 30), version.succeeded else {
      report.reason =
        runtime.kind == .docker
        ? "docker is installed but its engine does not answer: start dockerd, or set `runtime: podman`"
        : "podman does not work here: `podman version` failed"
      return
    }
    if let missing = missingDriver(engine.backend, container: true) ?? missingDevices(spec) {
      report.reason = missing
      return
    }
    if let missing = await missingGPUPlumbing(engine.backend, command: command, runner: runner) {
      report.reason = missing
      return
    }
    let image = await runner.run(command.imageIdentity(spec.image), timeoutSeconds: 30)
    guard let image, image.succeeded, let identity = ImageIdentity(inspect: image.lastLine) else {
      if spec.pull == .never {
        report.reason =
          "image \(spec.image) is not present and `pull: never`: "
          + (spec.image.hasPrefix("localhost/")
            ? "build it with scripts/build-image" : "pull it (\(runtime.kind.rawValue) pull \(spec.image))")
      } else {
        report.available = true
        report.note = "image \(spec.image) is not present yet: it is pulled before the run"
      }
      return
    }
    report.imageID = identity.id
    report.imageDigests = identity.digests
    if spec.pull == .always { report.note = "pulled again before each run (pull: always)" }
    let serverRunner = CommandRunner(environment: command.runnerEnvironment(engine, base: environment))
    await identify(engine, into: &report) {
      await serverRunner.run(command.oneOff(engine: engine, arguments: $0), timeoutSeconds: 120)
    }
  }

  // MARK: shared

  /// `--version` and `--list-devices`; a GPU backend that lists no device is unavailable.
  private func identify(
    _ engine: EngineSpec, into report: inout EngineReport, run: ([String]) async -> CommandResult?
  ) async {
    guard let version = await run(["--version"]) else {
      report.reason = "llama-server --version did not finish in time"
      return
    }
    guard let line = LlamaServerOutput.versionLine(version.output) else {
      let hint =
        version.output.contains("rlimit")
        ? " (podman's default OCI runtime settings fail on this host: point CONTAINERS_CONF at a containers.conf with runtime = \"runc\" and default_ulimits; scripts/build-image writes one, see README)"
        : ""
      report.reason = "llama-server does not start: \(version.lastLine)\(hint)"
      return
    }
    report.version = line
    (report.build, report.commit) = LlamaServerOutput.buildAndCommit(line)
    let listed = await run(["--list-devices"])
    report.devices = listed.map { LlamaServerOutput.devices($0.output) } ?? []
    if engine.backend != .cpu, report.devices.isEmpty {
      let detail = listed.map { ": \($0.lastLine)" } ?? ""
      report.reason =
        "llama-server sees no \(engine.backend.rawValue) device\(detail) (check the driver, and gpus:/env: of the engine)"
      return
    }
    report.available = true
  }

  /// The kernel side a backend needs, as device nodes.
  func missingDriver(_ backend: Backend, container: Bool) -> String? {
    switch backend {
    case .cpu:
      return nil
    case .cuda:
      return exists("nvidiactl") ? nil : "no NVIDIA driver: \(devRoot)/nvidiactl is absent (install the NVIDIA driver)"
    case .rocm:
      guard exists("kfd") else {
        return "\(devRoot)/kfd is absent: the amdgpu driver with ROCm (KFD) support is not loaded"
      }
      guard access("\(devRoot)/kfd", R_OK | W_OK) == 0 else {
        return "no permission on \(devRoot)/kfd: add the user to the render and video groups"
      }
      return container && !exists("dri") ? "\(devRoot)/dri is absent: no GPU render node to hand to the container" : nil
    case .vulkan:
      // In a process, Vulkan may run on a CPU device (lavapipe) without /dev/dri;
      // a container gets only what is passed in.
      return container && !exists("dri")
        ? "\(devRoot)/dri is absent: no GPU render node to hand to the container" : nil
    }
  }

  private func missingDevices(_ spec: ContainerSpec) -> String? {
    for device in spec.devices ?? [] where device.hasPrefix("/dev/") {
      let relative = String(device.dropFirst("/dev/".count))
      if !exists(relative) { return "device \(device) (from devices:) does not exist on this host" }
    }
    return nil
  }

  /// NVIDIA's container plumbing: a CDI spec for podman, the nvidia runtime for docker.
  private func missingGPUPlumbing(
    _ backend: Backend, command: ContainerCommand, runner: CommandRunner
  ) async -> String? {
    guard backend == .cuda else { return nil }
    switch command.runtime.kind {
    case .podman:
      let specs = cdiDirectories.flatMap { directory in
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).map { "\(directory)/\($0)" }
      }
      let hasGPU = specs.contains { path in
        (try? String(contentsOfFile: path, encoding: .utf8))?.contains("nvidia.com/gpu") == true
      }
      return hasGPU
        ? nil
        : "no CDI spec for nvidia.com/gpu in \(cdiDirectories.joined(separator: " or ")): "
          + "run `nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml` (NVIDIA container toolkit)"
    case .docker:
      let runtimes = await runner.run(command.runtimes(), timeoutSeconds: 30)
      return runtimes?.output.contains("nvidia") == true
        ? nil
        : "docker has no nvidia runtime: install the NVIDIA container toolkit and run "
          + "`nvidia-ctk runtime configure --runtime=docker`, then restart docker"
    }
  }

  private func exists(_ relative: String) -> Bool {
    FileManager.default.fileExists(atPath: "\(devRoot)/\(relative)")
  }
}

/// `image inspect --format '{{.Id}} {{json .RepoDigests}}'`, parsed.
public struct ImageIdentity: Sendable, Hashable {
  public var id: String
  public var digests: [String]

  public init?(inspect line: String) {
    guard let space = line.firstIndex(of: " ") else { return nil }
    let id = String(line[..<space])
    let hex = id.hasPrefix("sha256:") ? String(id.dropFirst("sha256:".count)) : id
    guard !hex.isEmpty, hex.allSatisfy(\.isHexDigit) else { return nil }
    self.id = "sha256:\(hex)"
    let json = Data(line[line.index(after: space)...].utf8)
    digests = (try? JSONDecoder().decode([String]?.self, from: json)).flatMap { $0 } ?? []
  }
}
