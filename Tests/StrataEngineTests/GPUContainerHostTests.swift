import Foundation
import StrataConfig
import Testing

@testable import StrataEngine

/// GPU containers on the hosts users have: rootless podman and its device groups, the CUDA
/// image's driver floor, docker without an `nvidia` runtime. Runtime and server are stand-in
/// shell scripts (FakeHost); what they print is recorded output from Fixtures/.
@Suite("GPU containers: rootless podman, CUDA driver floor, docker --gpus")
struct GPUContainerHostTests {
  static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

  static func fixture(_ name: String) throws -> String {
    try String(contentsOf: fixtures.appendingPathComponent(name), encoding: .utf8)
  }

  static let groups = ["video": 44, "render": 105]

  @Test(
    "podman info, recorded: rootful runc, rootless runc, rootless crun",
    arguments: [
      ("rootful-runc", false, "runc"), ("rootless-runc", true, "runc"), ("rootless-crun", true, "crun"),
    ])
  func podmanInfo(file: String, rootless: Bool, runtime: String) throws {
    let info = try #require(ContainerHostInfo(podmanInfo: try Self.fixture("podman-info/\(file).json")))
    #expect(info == ContainerHostInfo(rootless: rootless, ociRuntime: runtime))
  }

  @Test("not podman info: nil")
  func notPodmanInfo() {
    #expect(ContainerHostInfo(podmanInfo: "Error: cannot connect") == nil)
    #expect(ContainerHostInfo(podmanInfo: "{\"host\": {}}") == nil)
  }

  @Test("device groups: numeric when rootful, keep-groups on rootless crun, a refusal on rootless runc")
  func deviceGroups() throws {
    let rootful = try #require(ContainerHostInfo(podmanInfo: try Self.fixture("podman-info/rootful-runc.json")))
    let runc = try #require(ContainerHostInfo(podmanInfo: try Self.fixture("podman-info/rootless-runc.json")))
    let crun = try #require(ContainerHostInfo(podmanInfo: try Self.fixture("podman-info/rootless-crun.json")))
    func access(_ backend: Backend, _ kind: ContainerRuntime.Kind, _ host: ContainerHostInfo?) -> DeviceGroupAccess {
      DeviceGroupAccess.of(backend, runtime: kind, host: host, hostGroups: Self.groups)
    }
    #expect(access(.rocm, .podman, rootful).arguments == ["--group-add", "44", "--group-add", "105"])
    #expect(access(.rocm, .docker, nil).arguments == ["--group-add", "44", "--group-add", "105"])
    #expect(access(.vulkan, .podman, rootful).arguments.isEmpty)
    #expect(access(.rocm, .podman, crun) == .keepGroups)
    #expect(access(.vulkan, .podman, crun).arguments == ["--group-add", "keep-groups"])
    let refusal = try #require(access(.rocm, .podman, runc).refusal)
    #expect(refusal.hasPrefix("rootless podman with the runc OCI runtime cannot hand your render/video groups"))
    #expect(refusal.contains("install crun"))
    #expect(access(.vulkan, .podman, runc).refusal != nil)
    #expect(access(.cpu, .podman, runc) == .numeric([]))
    #expect(access(.cuda, .podman, runc) == .numeric([]))
  }

  /// A podman stand-in whose `info` prints `info`, whose image is present with `env`, and whose
  /// `run` records its arguments to `<root>/run-args` and then plays llama-server (or fails with `runError`).
  func podman(_ host: FakeHost, info: String, env: String = "[]", devices: [String], runError: String? = nil) throws {
    try info.write(toFile: "\(host.root)/info.json", atomically: true, encoding: .utf8)
    try env.write(toFile: "\(host.root)/env.json", atomically: true, encoding: .utf8)
    let run =
      runError.map { "printf '%s\\n' '\($0.replacingOccurrences(of: "'", with: "'\\''"))' >&2; exit 125" }
      ?? FakeHost.llamaServer(devices: devices).replacingOccurrences(of: "\n", with: " ")
      .replacingOccurrences(of: ";;  ", with: ";; ")
    try host.script(
      "podman",
      """
      case "$*" in
        version*) echo 4.3.1;;
        info*) /bin/cat '\(host.root)/info.json';;
        *Config.Env*) /bin/cat '\(host.root)/env.json';;
        image*) echo 'sha256:3c16d00c8983aa []';;
        run*) echo "$@" >> '\(host.root)/run-args'; shift; \(run);;
      esac

      """)
  }

  @Test("a ROCm engine under rootless podman: keep-groups on crun; on runc unavailable, saying why")
  func rootlessROCm() async throws {
    let host = try FakeHost()
    defer { host.remove() }
    try host.device("kfd")
    try host.device("dri/renderD128")
    let engine = EngineSpec.container(name: "r", backend: .rocm, image: "img")
    try podman(host, info: try Self.fixture("podman-info/rootless-crun.json"), devices: ["ROCm0: gfx1100 (24560 MiB)"])
    let crun = await host.inspector().inspect(engine)
    #expect(crun.available, "\(crun.reason ?? "")")
    let args = try String(contentsOfFile: "\(host.root)/run-args", encoding: .utf8)
    #expect(args.contains("--group-add keep-groups"))
    #expect(!args.contains("--group-add 44"))

    try podman(host, info: try Self.fixture("podman-info/rootless-runc.json"), devices: ["ROCm0: gfx1100 (24560 MiB)"])
    let runc = await host.inspector().inspect(engine)
    #expect(!runc.available)
    #expect(runc.reason?.hasPrefix("rootless podman with the runc OCI runtime") == true)

    try podman(host, info: try Self.fixture("podman-info/rootful-runc.json"), devices: ["ROCm0: gfx1100 (24560 MiB)"])
    try FileManager.default.removeItem(atPath: "\(host.root)/run-args")
    let rootful = await host.inspector().inspect(engine)
    #expect(rootful.available, "\(rootful.reason ?? "")")
    #expect(
      try String(contentsOfFile: "\(host.root)/run-args", encoding: .utf8).contains("--group-add 44 --group-add 105"))
  }

  @Test("the CUDA image's driver floor, read from the image's NVIDIA_REQUIRE_CUDA")
  func cudaFloorFromImage() async throws {
    let host = try FakeHost()
    defer { host.remove() }
    try host.device("nvidiactl")
    try "kind: nvidia.com/gpu\n".write(toFile: "\(host.cdi)/nvidia.yaml", atomically: true, encoding: .utf8)
    try podman(
      host, info: try Self.fixture("podman-info/rootful-runc.json"),
      env: try Self.fixture("nvidia-container-toolkit/server-cuda-env.json"), devices: ["CUDA0: NVIDIA RTX 4090"])
    let engine = EngineSpec.container(name: "cuda-container", backend: .cuda, image: "my/cuda-image")
    var inspector = host.inspector()
    inspector.cudaDriverVersion = CUDAVersion(nvmlCode: 12020)  // an R535 driver
    let old = await inspector.inspect(engine)
    #expect(
      old.reason
        == "the NVIDIA driver supports CUDA 12.2, but my/cuda-image needs cuda>=12.8 (driver 570 or newer): update the NVIDIA driver, or use the process engine (engines/cuda.yaml, built by scripts/build-engines cuda) instead of cuda-container"
    )
    #expect(!FileManager.default.fileExists(atPath: "\(host.root)/run-args"), "refused before any run")
    inspector.cudaDriverVersion = CUDAVersion(nvmlCode: 12080)
    let new = await inspector.inspect(engine)
    #expect(new.available, "\(new.reason ?? "")")
    inspector.cudaDriverVersion = nil  // no NVML: the trial run decides
    #expect(await inspector.inspect(engine).available)
  }

  @Test("llama.cpp's server-cuda, not pulled yet: refused before the pull on an old driver")
  func cudaFloorBeforePull() async throws {
    let host = try FakeHost()
    defer { host.remove() }
    try host.device("nvidiactl")
    try "kind: nvidia.com/gpu\n".write(toFile: "\(host.cdi)/nvidia.yaml", atomically: true, encoding: .utf8)
    try host.script(
      "podman",
      "case \"$1\" in version) echo 4.3.1;; info) echo '{}';; image) echo 'image not known' >&2; exit 125;; esac\n")
    var inspector = host.inspector()
    inspector.cudaDriverVersion = CUDAVersion(nvmlCode: 12040)  // a 550 driver
    let report = await inspector.inspect(
      .container(name: "cuda-container", backend: .cuda, image: "ghcr.io/ggml-org/llama.cpp:server-cuda"))
    #expect(
      report.reason?.hasPrefix(
        "the NVIDIA driver supports CUDA 12.4, but ghcr.io/ggml-org/llama.cpp:server-cuda needs cuda>=12.8") == true)
    #expect(report.note == nil)
  }

  @Test("the toolkit's requirement error, recorded: the reason names the floor and keeps the whole error")
  func cudaRequirementErrorFromTheRuntime() async throws {
    let host = try FakeHost()
    defer { host.remove() }
    try host.device("nvidiactl")
    try "kind: nvidia.com/gpu\n".write(toFile: "\(host.cdi)/nvidia.yaml", atomically: true, encoding: .utf8)
    try podman(
      host, info: try Self.fixture("podman-info/rootful-runc.json"), devices: [],
      runError: try Self.fixture("nvidia-container-toolkit/cuda-12.8-unsatisfied.txt"))
    let report = await host.inspector().inspect(.container(name: "c", backend: .cuda, image: "img"))
    let reason = try #require(report.reason)
    #expect(reason.hasPrefix("the NVIDIA driver does not support it, but img needs cuda>=12.8 (driver 570 or newer)"))
    // The whole error, not its last line: the layer that failed and the toolkit's words.
    #expect(reason.contains("OCI runtime create failed"))
    #expect(reason.contains("Auto-detected mode as 'legacy'"))
    #expect(reason.contains("nvidia-container-cli: requirement error: unsatisfied condition: cuda>=12.8"))
    #expect(reason.contains("use the process engine"))
  }

  @Test("docker --gpus with the toolkit but no nvidia runtime in daemon.json: the trial run decides")
  func dockerWithoutNvidiaRuntime() async throws {
    let host = try FakeHost()
    defer { host.remove() }
    try host.device("nvidiactl")
    let server = FakeHost.llamaServer(devices: ["CUDA0: NVIDIA RTX 4090 (24080 MiB, 23700 MiB free)"])
      .replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: ";;  ", with: ";; ")
    try host.script(
      "docker",
      """
      case "$*" in
        version*) echo 27.3.1;;
        *Runtimes*) echo '{"io.containerd.runc.v2":{"path":"runc"},"runc":{"path":"runc"}}';;
        *Config.Env*) echo '[]';;
        image*) echo 'sha256:3c16d00c8983aa []';;
        run*) shift; \(server);;
      esac

      """)
    let engine = EngineSpec.container(name: "c", backend: .cuda, image: "img", runtime: .docker)
    let works = await host.inspector().inspect(engine)
    #expect(works.available, "\(works.reason ?? "")")
    #expect(works.devices == ["CUDA0: NVIDIA RTX 4090 (24080 MiB, 23700 MiB free)"])
    // When the trial run sees no GPU, the missing runtime is the hint, not a refusal before it.
    try host.script(
      "docker",
      """
      case "$*" in
        version*) echo 27.3.1;;
        *Runtimes*) echo '{"runc":{"path":"runc"}}';;
        image*) echo 'sha256:3c16d00c8983aa []';;
        run*) echo 'docker: Error response from daemon: could not select device driver "" with capabilities: [[gpu]].' >&2; exit 125;;
      esac

      """)
    let fails = await host.inspector().inspect(engine)
    #expect(fails.reason?.contains("could not select device driver") == true)
    #expect(fails.reason?.contains("docker lists no nvidia runtime") == true)
  }

  @Test("CUDA versions: NVML codes, requirement strings, driver branches")
  func cudaVersions() {
    #expect(CUDAVersion(nvmlCode: 12020)?.description == "12.2")
    #expect(CUDAVersion(nvmlCode: 13000)?.description == "13.0")
    #expect(CUDAVersion(nvmlCode: 0) == nil)
    #expect(
      CUDARequirement.parse(requireCUDA: "cuda>=12.8 brand=tesla,driver>=470") == CUDAVersion(major: 12, minor: 8))
    #expect(CUDARequirement.parse(requireCUDA: "brand=tesla") == nil)
    #expect(CUDARequirement.fromImageEnvironment("null") == nil)
    #expect(CUDARequirement.unsatisfied(in: "unsatisfied condition: cuda >= 9.0\n") == CUDAVersion(major: 9, minor: 0))
    #expect(CUDARequirement.minimumDriver(for: CUDAVersion(major: 12, minor: 8)) == 570)
    #expect(CUDARequirement.minimumDriver(for: CUDAVersion(major: 12, minor: 7)) == 570)
    #expect(CUDARequirement.minimumDriver(for: CUDAVersion(major: 12, minor: 2)) == 535)
    #expect(CUDAVersion(major: 12, minor: 10) > CUDAVersion(major: 12, minor: 8))
  }
}

@Suite("Vulkan on llvmpipe while a GPU is there")
struct LlvmpipeWarningTests {
  static let llvmpipe = "Vulkan0: llvmpipe (LLVM 15.0.6, 256 bits) (2048 MiB, 2048 MiB free)"
  static let radv = "Vulkan1: AMD Radeon RX 7900 XTX (RADV NAVI31) (24560 MiB, 24000 MiB free)"

  func report(devices: [String], renderNode: Bool) async throws -> EngineReport {
    let host = try FakeHost()
    defer { host.remove() }
    if renderNode { try host.device("dri/renderD128") }
    let binary = try host.script("llama-server", FakeHost.llamaServer(devices: devices))
    return await host.inspector().inspect(EngineSpec(name: "v", backend: .vulkan, binary: binary))
  }

  @Test("device 0 is llvmpipe and llama-server lists a GPU after it: warned, still available")
  func warnsWhenAGPUIsListed() async throws {
    let report = try await report(devices: [Self.llvmpipe, Self.radv], renderNode: false)
    #expect(report.available)
    #expect(
      report.note?.hasPrefix(
        "warning: Vulkan device 0 is llvmpipe, the CPU, while llama-server also lists Vulkan1: AMD Radeon") == true)
  }

  @Test("device 0 is llvmpipe and the host has a render node: warned")
  func warnsWhenARenderNodeExists() async throws {
    let report = try await report(devices: [Self.llvmpipe], renderNode: true)
    #expect(report.note?.contains("this host has") == true)
    #expect(report.note?.contains("/dri/renderD128") == true)
  }

  @Test("llvmpipe on a host without a GPU (this one), or a GPU first: no warning")
  func noWarningOtherwise() async throws {
    #expect(try await report(devices: [Self.llvmpipe], renderNode: false).note == nil)
    #expect(try await report(devices: [Self.radv, Self.llvmpipe], renderNode: true).note == nil)
  }
}
