import StrataConfig

/// The labels strata puts on every container it starts, so that `strata gc`
/// can find what a crashed strata left behind, and only that.
public enum ContainerLabel {
  /// Present on every strata container.
  public static let marker = "strata"
  /// `<pid>:<start time in clock ticks>` of the strata process that owns the container.
  public static let owner = "strata.owner"
  /// The run id.
  public static let run = "strata.run"
  /// The engine name.
  public static let engine = "strata.engine"
}

/// How the container of one server is named, labelled and mounted.
public struct ContainerPlacement: Sendable, Hashable {
  /// Unique among strata's containers: run id prefix, server index and a random suffix.
  public var name: String
  public var runId: String
  /// See `ContainerLabel.owner`.
  public var owner: String
  public var hostPort: Int
  /// The model file on the host: the only host path the container sees, read-only,
  /// at `/models/<its file name>`. Not its directory: a model in the home would
  /// show the home to a third-party image.
  public var modelPath: String

  public init(name: String, runId: String, owner: String, hostPort: Int, modelPath: String) {
    self.name = name
    self.runId = runId
    self.owner = owner
    self.hostPort = hostPort
    self.modelPath = modelPath
  }

  /// The model's file name, which is its name inside the container too.
  public var modelFileName: String { Self.fileName(modelPath) }

  /// The host files mounted: the model, and for a split GGUF
  /// (`name-00001-of-00003.gguf`) every part, which llama.cpp loads from beside the first.
  public var mountedFiles: [String] {
    let name = modelFileName
    guard let match = name.wholeMatch(of: /(.+)-(\d{5})-of-(\d{5})\.gguf/), let count = Int(match.3), count > 1,
      count <= 99_999
    else { return [modelPath] }
    let directory = String(modelPath.dropLast(name.count))
    return (1...count).map { directory + "\(match.1)-\(String(format: "%05d", $0))-of-\(match.3).gguf" }
  }

  static func fileName(_ path: String) -> String {
    path.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? path
  }
}

/// The argument lists strata gives podman and docker, following llama.cpp's
/// `docs/docker.md` and `.devops/*.Dockerfile`: the server images' entrypoint is
/// `/app/llama-server`, arguments after the image name go to it, and it listens
/// on 8080 inside the container.
public struct ContainerCommand: Sendable {
  public var runtime: ContainerRuntime
  /// Group name → numeric id on the host (from /etc/group): ROCm needs the
  /// `video` and `render` groups by number, because the images do not define them.
  public var hostGroups: [String: Int]
  /// What podman said of itself (`info()`); nil when not asked, or for docker.
  public var host: ContainerHostInfo?

  /// The port llama-server listens on inside the container.
  public static let containerPort = 8080
  /// The directory inside the container that holds the mounted model file.
  public static let modelMount = "/models"

  public init(runtime: ContainerRuntime, hostGroups: [String: Int] = [:], host: ContainerHostInfo? = nil) {
    self.runtime = runtime
    self.hostGroups = hostGroups
    self.host = host
  }

  /// `podman info --format json` (rootless or not, the OCI runtime); nil for docker.
  public func info() -> [String]? {
    runtime.kind == .podman ? [runtime.executable, "info", "--format", "json"] : nil
  }

  /// How `engine`'s devices get their groups with this runtime on this host.
  public func deviceGroups(_ engine: EngineSpec) -> DeviceGroupAccess {
    DeviceGroupAccess.of(engine.backend, runtime: runtime.kind, host: host, hostGroups: hostGroups)
  }

  /// Whether the container's device access is the calling user's own (rootless podman): then
  /// the user needs read/write on `/dev/kfd` and the render nodes; a rootful runtime opens them as root.
  public var usesCallersDeviceAccess: Bool { runtime.kind == .podman && host?.rootless == true }

  /// `<runtime> run -d …` for one server. Published on loopback only; the model
  /// file (and only it) read-only; `--pull never` because pulling is its own step, with
  /// progress, before any server starts.
  public func run(
    engine: EngineSpec, placement: ContainerPlacement, serverArguments: [String]
  ) -> [String] {
    var args = [runtime.executable, "run", "-d", "--name", placement.name, "--pull", "never"]
    for label in [
      ContainerLabel.marker + "=1", "\(ContainerLabel.owner)=\(placement.owner)",
      "\(ContainerLabel.run)=\(placement.runId)", "\(ContainerLabel.engine)=\(engine.name)",
    ] {
      args += ["--label", label]
    }
    args += ["--publish", "127.0.0.1:\(placement.hostPort):\(Self.containerPort)"]
    for file in placement.mountedFiles {
      let target = "\(Self.modelMount)/\(ContainerPlacement.fileName(file))"
      args += ["--mount", Self.readOnlyBind(source: file, target: target)]
    }
    args += passthrough(engine)
    args += environmentByName(engine)
    args += engine.container?.runtimeArgs ?? []
    args.append(engine.container?.image ?? "")
    return args + serverArguments
  }

  /// llama-server's own arguments inside the container (after the image name).
  public static func serverArguments(modelFileName: String, engine: EngineSpec, flags: [String]) -> [String] {
    ["-m", "\(modelMount)/\(modelFileName)", "--host", "0.0.0.0", "--port", String(containerPort), "-np", "1"]
      + engine.args + flags
  }

  /// What a backend needs from the host, per llama.cpp's docs/docker.md:
  /// CUDA through the NVIDIA container toolkit (`--gpus` on docker, a CDI device on
  /// podman), ROCm `/dev/kfd` + `/dev/dri` with the video and render groups,
  /// Vulkan `/dev/dri`, CPU nothing.
  public func passthrough(_ engine: EngineSpec) -> [String] {
    var args: [String] = []
    let devices = engine.container?.devices
    switch engine.backend {
    case .cpu:
      break
    case .cuda:
      if let devices {
        args += devices.flatMap { ["--device", $0] }
      } else {
        switch runtime.kind {
        case .docker:
          let gpus = engine.gpus
          // Several devices need the inner quotes: docker splits the value at commas otherwise.
          let value =
            gpus.isEmpty ? "all" : gpus.count == 1 ? "device=\(gpus[0])" : "\"device=\(gpus.joined(separator: ","))\""
          args += ["--gpus", value]
        case .podman:
          let names = engine.gpus.isEmpty ? ["all"] : engine.gpus
          args += names.flatMap { ["--device", "nvidia.com/gpu=\($0)"] }
        }
      }
    case .rocm:
      args += (devices ?? ["/dev/kfd", "/dev/dri"]).flatMap { ["--device", $0] }
      args += deviceGroups(engine).arguments
    case .vulkan:
      args += (devices ?? ["/dev/dri"]).flatMap { ["--device", $0] }
      args += deviceGroups(engine).arguments
    }
    if engine.container?.seccompUnconfined == true {
      args += ["--security-opt", "seccomp=unconfined"]
    }
    return args
  }

  /// `--env NAME` for each variable of ``environment(_:)``: the runtime takes the
  /// value from its own environment, which ``ContainerCommand/runnerEnvironment``
  /// sets. So a token in `env:` never appears in an argument list — not in `ps`,
  /// not in the stored server arguments, not in an error message that quotes them.
  ///
  /// Variables the runtime itself reads (``readByRuntime(_:)``: `HOME`, `PATH`, `XDG_…`,
  /// `CONTAINERS_…`, …) would change where podman keeps its storage or which
  /// configuration it loads if they were set in its environment; those go as
  /// `--env NAME=VALUE` instead and never into the runtime's environment.
  func environmentByName(_ engine: EngineSpec) -> [String] {
    environment(engine).sorted { $0.key < $1.key }.flatMap { name, value in
      Self.readByRuntime(name) ? ["--env", "\(name)=\(value)"] : ["--env", name]
    }
  }

  /// The environment to run the runtime with: the caller's, plus the server's
  /// variables, whose values `--env NAME` passes on (not those the runtime reads itself).
  public func runnerEnvironment(_ engine: EngineSpec, base: [String: String]) -> [String: String] {
    base.merging(environment(engine).filter { !Self.readByRuntime($0.key) }) { _, server in server }
  }

  /// Whether podman or docker reads `name` from its own environment: home, search path,
  /// temporary directory, the XDG directories, their configuration variables, the loader.
  static func readByRuntime(_ name: String) -> Bool {
    let exact: Set<String> = ["HOME", "PATH", "TMPDIR", "USER", "LOGNAME", "SHELL", "REGISTRY_AUTH_FILE"]
    let prefixes = ["XDG_", "CONTAINERS_", "CONTAINER_", "DOCKER_", "PODMAN_", "BUILDAH_", "STORAGE_", "LD_"]
    return exact.contains(name) || prefixes.contains { name.hasPrefix($0) }
  }

  /// A `--mount` value binding one host file read-only. Fields are quoted the CSV
  /// way both runtimes parse `--mount` with, so a `,`, `:` or `"` in the path is
  /// part of the path (`--volume` splits at every `:`).
  static func readOnlyBind(source: String, target: String) -> String {
    func quoted(_ field: String) -> String { "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
    return "type=bind,\(quoted("source=" + source)),\(quoted("target=" + target)),readonly"
  }

  /// The server's environment inside the container. For CUDA the runtime already
  /// hides unselected GPUs (their indices restart at 0 inside), so the
  /// visible-devices variable from `gpus` would filter twice and is left out.
  public func environment(_ engine: EngineSpec) -> [String: String] {
    var env = engine.serverEnvironment
    if engine.backend == .cuda, !engine.gpus.isEmpty, engine.env["CUDA_VISIBLE_DEVICES"] == nil {
      env["CUDA_VISIBLE_DEVICES"] = nil
    }
    return env
  }

  /// A one-off run of the image with `arguments` for llama-server (`--version`,
  /// `--list-devices`), removed afterwards; same devices and environment as a server.
  public func oneOff(engine: EngineSpec, arguments: [String]) -> [String] {
    [runtime.executable, "run", "--rm", "--pull", "never", "--label", "\(ContainerLabel.marker)=1"]
      + passthrough(engine)
      + environmentByName(engine)
      + (engine.container?.runtimeArgs ?? []) + [engine.container?.image ?? ""] + arguments
  }

  public func logs(follow name: String) -> [String] { [runtime.executable, "logs", "--follow", name] }
  public func hostPID(_ name: String) -> [String] {
    [runtime.executable, "inspect", "--format", "{{.State.Pid}}", name]
  }
  /// Running flag, exit code and the image id the container was created from.
  public func state(_ name: String) -> [String] {
    [runtime.executable, "inspect", "--format", "{{.State.Running}} {{.State.ExitCode}} {{.Image}}", name]
  }
  public func stop(_ name: String, graceSeconds: Int) -> [String] {
    [runtime.executable, "stop", "--time", String(graceSeconds), name]
  }
  /// Force-removes a container, killing it first if it still runs.
  public func remove(_ name: String) -> [String] {
    switch runtime.kind {
    case .podman: [runtime.executable, "rm", "--force", "--time", "0", name]
    case .docker: [runtime.executable, "rm", "--force", name]
    }
  }
  /// Image id and repository digests (`<id> <json list>`).
  public func imageIdentity(_ image: String) -> [String] {
    [runtime.executable, "image", "inspect", "--format", "{{.Id}} {{json .RepoDigests}}", image]
  }
  public func pull(_ image: String) -> [String] { [runtime.executable, "pull", image] }
  /// Every container with strata's label, running or not, as JSON.
  public func listLabelled() -> [String] {
    switch runtime.kind {
    case .podman:
      [runtime.executable, "ps", "--all", "--filter", "label=\(ContainerLabel.marker)", "--format", "json"]
    case .docker:
      [runtime.executable, "ps", "--all", "--filter", "label=\(ContainerLabel.marker)", "--format", "{{json .}}"]
    }
  }
  /// Whether the runtime works at all: docker's client answers without a daemon,
  /// so it is asked for the server's version, which needs one.
  public func version() -> [String] {
    switch runtime.kind {
    case .docker: [runtime.executable, "version", "--format", "{{.Server.Version}}"]
    case .podman: [runtime.executable, "version", "--format", "{{.Client.Version}}"]
    }
  }
  /// docker's OCI runtimes (the NVIDIA toolkit registers "nvidia"), as JSON.
  /// The image's environment as JSON, where CUDA images say which CUDA they need.
  public func imageEnvironment(_ image: String) -> [String] {
    [runtime.executable, "image", "inspect", "--format", "{{json .Config.Env}}", image]
  }
  public func runtimes() -> [String] { [runtime.executable, "info", "--format", "{{json .Runtimes}}"] }
}
