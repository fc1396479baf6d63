/// The GPU/CPU backend a llama-server build uses.
public enum Backend: String, Sendable, Hashable, CaseIterable {
  case cpu, vulkan, cuda, rocm

  /// The environment variable that limits which GPUs a server of this backend
  /// sees, by index as the backend counts them; nil for the CPU backend.
  ///
  /// ROCm honours both `HIP_VISIBLE_DEVICES` and `ROCR_VISIBLE_DEVICES`; strata
  /// sets only the HIP one, because setting both filters twice (HIP indexes into
  /// what ROCR already filtered) and `1` would then select nothing on a two-GPU box.
  public var visibleDevicesVariable: String? {
    switch self {
    case .cpu: nil
    case .vulkan: "GGML_VK_VISIBLE_DEVICES"
    case .cuda: "CUDA_VISIBLE_DEVICES"
    case .rocm: "HIP_VISIBLE_DEVICES"
    }
  }
}

/// How strata runs an engine: a binary on this host, or an image under podman or docker.
public enum EngineMode: String, Sendable, Hashable, CaseIterable {
  case process, container
}

/// Which container runtime runs a container engine.
public enum ContainerRuntimeChoice: String, Sendable, Hashable, CaseIterable {
  /// podman when installed, else docker.
  case auto, podman, docker
}

/// When strata pulls a container engine's image.
public enum PullPolicy: String, Sendable, Hashable, CaseIterable {
  /// Pull only when the image is not present locally (the default).
  case missing
  /// Pull before every run, so a moved tag is picked up (the identity records the digest).
  case always
  /// Never pull: an absent image makes the engine unavailable.
  case never
}

/// The container half of an engine file (`mode: container`).
public struct ContainerSpec: Sendable, Hashable {
  /// e.g. `ghcr.io/ggml-org/llama.cpp:server-vulkan`.
  public var image: String
  public var runtime: ContainerRuntimeChoice
  public var pull: PullPolicy
  /// Device paths passed with `--device`; nil means the backend's default
  /// (`/dev/dri` for Vulkan, `/dev/kfd` and `/dev/dri` for ROCm).
  public var devices: [String]?
  /// `--security-opt seccomp=unconfined`, which AMD's ROCm container guide suggests
  /// when a HIP program fails with permission errors.
  public var seccompUnconfined: Bool
  /// Extra arguments for `<runtime> run`, placed before the image.
  public var runtimeArgs: [String]

  public init(
    image: String, runtime: ContainerRuntimeChoice = .auto, pull: PullPolicy = .missing, devices: [String]? = nil,
    seccompUnconfined: Bool = false, runtimeArgs: [String] = []
  ) {
    self.image = image
    self.runtime = runtime
    self.pull = pull
    self.devices = devices
    self.seccompUnconfined = seccompUnconfined
    self.runtimeArgs = runtimeArgs
  }
}

/// One `engines/<name>.yaml`: a llama-server build and how to start it.
public struct EngineSpec: Sendable, Hashable {
  public var name: String
  public var backend: Backend
  public var mode: EngineMode
  /// The expanded server binary: an absolute path, or a bare command name looked up in `PATH`.
  /// For a container engine, the server inside the image (the official images' entrypoint).
  public var binary: String
  /// The image and runtime, for `mode: container`.
  public var container: ContainerSpec?
  /// GPUs the server may use, by index (or UUID) as the backend counts them; empty means all.
  public var gpus: [String]
  /// Extra environment variables for the server process.
  public var env: [String: String]
  /// Fixed extra arguments appended to every server command line.
  public var args: [String]
  /// Where the engine file starts.
  public var location: SourceLocation

  /// Where the official llama.cpp server images keep llama-server (their ENTRYPOINT).
  public static let imageServerPath = "/app/llama-server"

  /// Creates a spec; `location` defaults to an unknown place in `engines/<name>.yaml`.
  public init(
    name: String, backend: Backend, mode: EngineMode = .process, binary: String,
    container: ContainerSpec? = nil, gpus: [String] = [],
    env: [String: String] = [:], args: [String] = [], location: SourceLocation? = nil
  ) {
    self.name = name
    self.backend = backend
    self.mode = mode
    self.binary = binary
    self.container = container
    self.gpus = gpus
    self.env = env
    self.args = args
    self.location = location ?? SourceLocation(file: "engines/\(name).yaml")
  }

  /// A container engine running `image`.
  public static func container(
    name: String, backend: Backend, image: String, runtime: ContainerRuntimeChoice = .auto,
    pull: PullPolicy = .missing, gpus: [String] = [], env: [String: String] = [:], args: [String] = []
  ) -> EngineSpec {
    EngineSpec(
      name: name, backend: backend, mode: .container, binary: imageServerPath,
      container: ContainerSpec(image: image, runtime: runtime, pull: pull), gpus: gpus, env: env, args: args)
  }

  /// The server's environment from this file: `env`, plus the backend's
  /// visible-devices variable when `gpus` selects devices (an explicit `env` entry wins).
  ///
  /// CUDA numbers devices fastest first unless `CUDA_DEVICE_ORDER=PCI_BUS_ID`, while NVML,
  /// `nvidia-smi` and the container toolkit number them in PCI order: without it `gpus: [0]`
  /// would pick a different card for a process than for a container, and telemetry would
  /// follow the other one. PCI order is set for every CUDA engine unless `env` says otherwise.
  public var serverEnvironment: [String: String] {
    var result = env
    if backend == .cuda, result["CUDA_DEVICE_ORDER"] == nil { result["CUDA_DEVICE_ORDER"] = "PCI_BUS_ID" }
    if !gpus.isEmpty, let variable = backend.visibleDevicesVariable, result[variable] == nil {
      result[variable] = gpus.joined(separator: ",")
    }
    return result
  }

  /// What the engine runs, for tables and messages: the binary, or the image.
  public var runs: String { container?.image ?? binary }
}
