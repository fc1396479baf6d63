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
  /// The CUDA version the NVIDIA driver supports (NVML's `nvmlSystemGetCudaDriverVersion`),
  /// checked against what a CUDA image needs before it is pulled or run; nil when unknown.
  public var cudaDriverVersion: CUDAVersion?

  public init(
    environment: [String: String], devRoot: String, cdiDirectories: [String], hostGroups: [String: Int],
    cudaDriverVersion: CUDAVersion? = nil
  ) {
    self.environment = environment
    self.devRoot = devRoot
    self.cdiDirectories = cdiDirectories
    self.hostGroups = hostGroups
    self.cudaDriverVersion = cudaDriverVersion
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
    var command = ContainerCommand(runtime: runtime, hostGroups: hostGroups)
    guard let version = await runner.run(command.version(), timeoutSeconds: 30), version.succeeded else {
      report.reason =
        runtime.kind == .docker
        ? "docker is installed but its engine does not answer: start dockerd, or set `runtime: podman`"
        : "podman does not work here: `podman version` failed"
      return
    }
    if let info = command.info(), let described = await runner.run(info, timeoutSeconds: 30), described.succeeded {
      command.host = ContainerHostInfo(podmanInfo: described.output)
    }
    if let refusal = command.deviceGroups(engine).refusal {
      report.reason = refusal
      return
    }
    if let missing =
      missingDriver(engine.backend, container: true, callersAccess: command.usesCallersDeviceAccess)
      ?? missingDevices(spec)
    {
      report.reason = missing
      return
    }
    let plumbing = await gpuPlumbing(engine.backend, command: command, runner: runner)
    if let refusal = plumbing.refusal {
      report.reason = refusal
      return
    }
    let image = await runner.run(command.imageIdentity(spec.image), timeoutSeconds: 30)
    let identity = image.flatMap { $0.succeeded ? ImageIdentity(inspect: $0.lastLine) : nil }
    if engine.backend == .cuda,
      let tooOld = await cudaTooOld(spec.image, present: identity != nil, engine, command, runner)
    {
      report.reason = tooOld
      return
    }
    guard let identity else {
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
    await identify(engine, into: &report, hint: plumbing.hint) {
      await serverRunner.run(command.oneOff(engine: engine, arguments: $0), timeoutSeconds: 120)
    }
  }

  /// Why the driver cannot run `image`: it needs a newer CUDA than the driver supports. The
  /// need is read from the image's environment when it is present, else from what is known of
  /// llama.cpp's published image; nil when either side is unknown or the driver is new enough.
  private func cudaTooOld(
    _ image: String, present: Bool, _ engine: EngineSpec, _ command: ContainerCommand, _ runner: CommandRunner
  ) async -> String? {
    guard let driver = cudaDriverVersion else { return nil }
    var needs = CUDARequirement.known(image: image)
    if present, let env = await runner.run(command.imageEnvironment(image), timeoutSeconds: 30), env.succeeded {
      needs = CUDARequirement.fromImageEnvironment(env.output) ?? needs
    }
    guard let needs, driver < needs else { return nil }
    return CUDARequirement.tooOld(driver: driver, needs: needs, image: image, engine: engine.name)
  }

  // MARK: shared

  /// `--version` and `--list-devices`; a GPU backend that lists no device is unavailable.
  ///
  /// The trial run decides where a static check cannot be sure (docker's `--gpus` through
  /// the container toolkit alone, say): `hint` is added to its failure, not a refusal before it.
  private func identify(
    _ engine: EngineSpec, into report: inout EngineReport, hint plumbingHint: String? = nil,
    run: ([String]) async -> CommandResult?
  ) async {
    guard let version = await run(["--version"]) else {
      report.reason = "llama-server --version did not finish in time"
      return
    }
    guard let line = LlamaServerOutput.versionLine(version.output) else {
      if let needs = CUDARequirement.unsatisfied(in: version.output) {
        report.reason =
          CUDARequirement.tooOld(
            driver: cudaDriverVersion, needs: needs, image: engine.runs, engine: engine.name)
          + " (the runtime said: \(version.wholeOutput))"
        return
      }
      var hints: [String] = []
      if version.output.contains("rlimit") {
        hints.append(
          "podman's default OCI runtime settings fail on this host: point CONTAINERS_CONF at a containers.conf with runtime = \"runc\" and default_ulimits; scripts/build-image writes one, see README"
        )
      }
      if let plumbingHint { hints.append(plumbingHint) }
      let hint = hints.isEmpty ? "" : " (\(hints.joined(separator: "; ")))"
      report.reason = "llama-server does not start: \(version.wholeOutput)\(hint)"
      return
    }
    report.version = line
    (report.build, report.commit) = LlamaServerOutput.buildAndCommit(line)
    let listed = await run(["--list-devices"])
    report.devices = listed.map { LlamaServerOutput.devices($0.output) } ?? []
    if engine.backend != .cpu, report.devices.isEmpty {
      let detail = listed.map { ": \($0.wholeOutput)" } ?? ""
      let hint = plumbingHint.map { "; \($0)" } ?? ""
      report.reason =
        "llama-server sees no \(engine.backend.rawValue) device\(detail) (check the driver, and gpus:/env: of the engine\(hint))"
      return
    }
    if engine.backend == .vulkan, let warning = llvmpipeWarning(report.devices) {
      report.note = [report.note, warning].compactMap { $0 }.joined(separator: "; ")
    }
    report.available = true
  }

  /// A Vulkan engine whose first device is llvmpipe (Mesa's CPU rasteriser) on a host with a
  /// GPU measures the CPU: a warning, with what to do. nil when llvmpipe is all there is.
  func llvmpipeWarning(_ devices: [String]) -> String? {
    guard let first = devices.first, first.contains("llvmpipe") else { return nil }
    let gpus = devices.dropFirst().filter { !$0.contains("llvmpipe") }
    let renderNodes = ((try? FileManager.default.contentsOfDirectory(atPath: "\(devRoot)/dri")) ?? [])
      .filter { $0.hasPrefix("renderD") }
    guard !gpus.isEmpty || !renderNodes.isEmpty else { return nil }
    let seen =
      gpus.first.map { "llama-server also lists \($0)" } ?? "this host has \(devRoot)/dri/\(renderNodes.sorted()[0])"
    return "warning: Vulkan device 0 is llvmpipe, the CPU, while \(seen): its figures measure the CPU; "
      + "select the GPU with gpus: [N] in the engine file (GGML_VK_VISIBLE_DEVICES), or check the Vulkan driver (mesa-vulkan-drivers)"
  }

  /// The kernel side a backend needs, as device nodes.
  ///
  /// `callersAccess`: the container opens devices with the caller's own rights (rootless
  /// podman), so the caller needs them; a rootful runtime opens them as root and does not.
  func missingDriver(_ backend: Backend, container: Bool, callersAccess: Bool = false) -> String? {
    switch backend {
    case .cpu:
      return nil
    case .cuda:
      return exists("nvidiactl") ? nil : "no NVIDIA driver: \(devRoot)/nvidiactl is absent (install the NVIDIA driver)"
    case .rocm:
      guard exists("kfd") else {
        return "\(devRoot)/kfd is absent: the amdgpu driver with ROCm (KFD) support is not loaded"
      }
      guard container && !callersAccess || access("\(devRoot)/kfd", R_OK | W_OK) == 0 else {
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

  /// NVIDIA's container plumbing. podman needs a CDI spec for `--device nvidia.com/gpu=…`:
  /// without one the run cannot work, a refusal. docker's `--gpus` works through the
  /// container toolkit's hook with or without an `nvidia` runtime in daemon.json, so a
  /// missing runtime is only a hint for the trial run's failure.
  private func gpuPlumbing(
    _ backend: Backend, command: ContainerCommand, runner: CommandRunner
  ) async -> (refusal: String?, hint: String?) {
    guard backend == .cuda else { return (nil, nil) }
    switch command.runtime.kind {
    case .podman:
      let specs = cdiDirectories.flatMap { directory in
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).map { "\(directory)/\($0)" }
      }
      let hasGPU = specs.contains { path in
        (try? String(contentsOfFile: path, encoding: .utf8))?.contains("nvidia.com/gpu") == true
      }
      return hasGPU
        ? (nil, nil)
        : (
          "no CDI spec for nvidia.com/gpu in \(cdiDirectories.joined(separator: " or ")): "
            + "run `nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml` (NVIDIA container toolkit)", nil
        )
    case .docker:
      let runtimes = await runner.run(command.runtimes(), timeoutSeconds: 30)
      return runtimes?.output.contains("nvidia") == true
        ? (nil, nil)
        : (
          nil,
          "docker lists no nvidia runtime: --gpus needs the NVIDIA container toolkit (nvidia-container-toolkit); "
            + "if it is installed, `nvidia-ctk runtime configure --runtime=docker` and a docker restart may help"
        )
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
