import Foundation
import StrataConfig
import Testing

@testable import StrataEngine

/// Golden argument lists for every runtime × backend. Each expectation is the
/// shape llama.cpp documents, with strata's fixed additions (detached, name,
/// labels, loopback-only publish, read-only models, no implicit pull):
/// - server images: ENTRYPOINT /app/llama-server, port 8080, arguments after the
///   image (docs/docker.md "server image", .devops/*.Dockerfile target `server`);
/// - CUDA: `docker run --gpus all …` (docs/docker.md "Docker With CUDA"); podman
///   uses the CDI device `nvidia.com/gpu=all` (NVIDIA container toolkit CDI docs);
/// - ROCm: `--device /dev/kfd --device /dev/dri --group-add <video gid> --group-add
///   <render gid>` (docs/docker.md ROCm section; numeric ids because the images do
///   not define those groups);
/// - Vulkan and Intel: `--device /dev/dri…` (docs/build.md Vulkan in docker,
///   docs/docker.md SYCL).
@Suite("Container argument lists (golden, per runtime and backend)")
struct ContainerCommandTests {
  let placement = ContainerPlacement(
    name: "strata-0123abcd-1-beef", runId: "0123abcd-run", owner: "4242:99", hostPort: 39123,
    modelPath: "/models/dir/m.gguf")
  let groups = ["video": 44, "render": 105]

  func common(_ runtime: String) -> [String] {
    [
      runtime, "run", "-d", "--name", "strata-0123abcd-1-beef", "--pull", "never",
      "--label", "strata=1", "--label", "strata.owner=4242:99", "--label", "strata.run=0123abcd-run",
      "--label", "strata.engine=e", "--publish", "127.0.0.1:39123:8080", "--mount",
      "type=bind,\"source=/models/dir/m.gguf\",\"target=/models/m.gguf\",readonly",
    ]
  }
  let server = ["-m", "/models/m.gguf", "--host", "0.0.0.0", "--port", "8080", "-np", "1"]

  func arguments(_ kind: ContainerRuntime.Kind, _ engine: EngineSpec, flags: [String] = []) -> [String] {
    let command = ContainerCommand(runtime: ContainerRuntime(kind: kind), hostGroups: groups)
    return command.run(
      engine: engine, placement: placement,
      serverArguments: ContainerCommand.serverArguments(modelFileName: "m.gguf", engine: engine, flags: flags))
  }

  @Test(arguments: ContainerRuntime.Kind.allCases)
  func cpuNeedsNoPassthrough(kind: ContainerRuntime.Kind) {
    let engine = EngineSpec.container(name: "e", backend: .cpu, image: "ghcr.io/ggml-org/llama.cpp:server")
    #expect(
      arguments(kind, engine, flags: ["-t", "2"])
        == common(kind.rawValue) + ["ghcr.io/ggml-org/llama.cpp:server"] + server + ["-t", "2"])
  }

  /// CUDA engines get `CUDA_DEVICE_ORDER=PCI_BUS_ID`, passed by name: inside the container the
  /// selected GPUs keep PCI order too, as NVML numbers them.
  let pciOrder = ["--env", "CUDA_DEVICE_ORDER"]

  @Test func cudaOnDockerUsesGpusAll() {
    let engine = EngineSpec.container(
      name: "e", backend: .cuda, image: "ghcr.io/ggml-org/llama.cpp:server-cuda", args: ["-ngl", "99"])
    #expect(
      arguments(.docker, engine)
        == common("docker") + ["--gpus", "all"] + pciOrder + ["ghcr.io/ggml-org/llama.cpp:server-cuda"] + server + [
          "-ngl", "99",
        ])
  }

  @Test func cudaOnPodmanUsesTheCDIDevice() {
    let engine = EngineSpec.container(name: "e", backend: .cuda, image: "ghcr.io/ggml-org/llama.cpp:server-cuda")
    #expect(
      arguments(.podman, engine)
        == common("podman") + ["--device", "nvidia.com/gpu=all"] + pciOrder + ["ghcr.io/ggml-org/llama.cpp:server-cuda"]
        + server)
  }

  @Test func cudaDeviceSelectionIsDoneByTheRuntimeNotTwiceByTheEnvironment() {
    let one = EngineSpec.container(name: "e", backend: .cuda, image: "img", gpus: ["1"])
    let two = EngineSpec.container(name: "e", backend: .cuda, image: "img", gpus: ["0", "1"])
    #expect(arguments(.docker, one) == common("docker") + ["--gpus", "device=1"] + pciOrder + ["img"] + server)
    #expect(arguments(.docker, two) == common("docker") + ["--gpus", "\"device=0,1\""] + pciOrder + ["img"] + server)
    #expect(
      arguments(.podman, two)
        == common("podman") + ["--device", "nvidia.com/gpu=0", "--device", "nvidia.com/gpu=1"] + pciOrder + ["img"]
        + server)
  }

  @Test(arguments: ContainerRuntime.Kind.allCases)
  func rocmGetsKFDAndDRIAndTheVideoAndRenderGroupsByNumber(kind: ContainerRuntime.Kind) {
    let engine = EngineSpec.container(
      name: "e", backend: .rocm, image: "ghcr.io/ggml-org/llama.cpp:server-rocm", gpus: ["0"])
    #expect(
      arguments(kind, engine)
        == common(kind.rawValue) + [
          "--device", "/dev/kfd", "--device", "/dev/dri", "--group-add", "44", "--group-add", "105",
          "--env", "HIP_VISIBLE_DEVICES", "ghcr.io/ggml-org/llama.cpp:server-rocm",
        ] + server)
  }

  @Test func rocmKnobsAndExplicitDevices() {
    var engine = EngineSpec.container(
      name: "e", backend: .rocm, image: "img", env: ["HSA_OVERRIDE_GFX_VERSION": "10.3.0"])
    engine.container?.devices = ["/dev/kfd", "/dev/dri/renderD128", "/dev/dri/card0"]
    engine.container?.seccompUnconfined = true
    engine.container?.runtimeArgs = ["--shm-size", "1g"]
    #expect(
      arguments(.docker, engine)
        == common("docker") + [
          "--device", "/dev/kfd", "--device", "/dev/dri/renderD128", "--device", "/dev/dri/card0",
          "--group-add", "44", "--group-add", "105", "--security-opt", "seccomp=unconfined",
          "--env", "HSA_OVERRIDE_GFX_VERSION", "--shm-size", "1g", "img",
        ] + server)
  }

  @Test(arguments: ContainerRuntime.Kind.allCases)
  func vulkanGetsDRIAndSelectsInsideTheContainer(kind: ContainerRuntime.Kind) {
    let engine = EngineSpec.container(
      name: "e", backend: .vulkan, image: "ghcr.io/ggml-org/llama.cpp:server-vulkan", gpus: ["1"])
    #expect(
      arguments(kind, engine)
        == common(kind.rawValue) + [
          "--device", "/dev/dri", "--env", "GGML_VK_VISIBLE_DEVICES", "ghcr.io/ggml-org/llama.cpp:server-vulkan",
        ] + server)
  }

  @Test("only the model file is mounted, read-only, whatever characters its path holds")
  func mountIsTheModelFileOnly() {
    let path = "/home/op/my models/a:b,c\"d.gguf"
    let bind = ContainerCommand.readOnlyBind(source: path, target: "/models/a:b,c\"d.gguf")
    #expect(
      bind == "type=bind,\"source=/home/op/my models/a:b,c\"\"d.gguf\",\"target=/models/a:b,c\"\"d.gguf\",readonly")
    let placement = ContainerPlacement(name: "n", runId: "r", owner: "o", hostPort: 1, modelPath: path)
    #expect(placement.mountedFiles == [path])
    #expect(placement.modelFileName == "a:b,c\"d.gguf")
    let engine = EngineSpec.container(name: "e", backend: .cpu, image: "img")
    let argv = ContainerCommand(runtime: ContainerRuntime(kind: .podman)).run(
      engine: engine, placement: placement, serverArguments: [])
    #expect(!argv.contains("--volume"))
    #expect(argv.filter { $0 == "--mount" }.count == 1)
  }

  @Test("a split GGUF mounts every part beside the first, and nothing else")
  func splitModelMountsItsParts() {
    let placement = ContainerPlacement(
      name: "n", runId: "r", owner: "o", hostPort: 1, modelPath: "/m/qwen-00001-of-00003.gguf")
    #expect(
      placement.mountedFiles == [
        "/m/qwen-00001-of-00003.gguf", "/m/qwen-00002-of-00003.gguf", "/m/qwen-00003-of-00003.gguf",
      ])
    let single = ContainerPlacement(
      name: "n", runId: "r", owner: "o", hostPort: 1, modelPath: "/m/q-00001-of-00001.gguf")
    #expect(single.mountedFiles == ["/m/q-00001-of-00001.gguf"])
  }

  @Test("env values go to the runtime by name: never in an argument list, present in its environment")
  func environmentByName() {
    let secret = "hf_SECRET_0123456789"
    let engine = EngineSpec.container(name: "e", backend: .cpu, image: "img", env: ["HF_TOKEN": secret])
    let command = ContainerCommand(runtime: ContainerRuntime(kind: .docker))
    let argv =
      command.run(engine: engine, placement: placement, serverArguments: [])
      + command.oneOff(engine: engine, arguments: ["--version"])
    #expect(!argv.joined(separator: " ").contains(secret))
    #expect(argv.contains("HF_TOKEN"))
    #expect(command.runnerEnvironment(engine, base: ["PATH": "/usr/bin"]) == ["PATH": "/usr/bin", "HF_TOKEN": secret])
  }

  @Test func missingGroupsAreLeftOutRatherThanGuessed() {
    let command = ContainerCommand(runtime: ContainerRuntime(kind: .docker), hostGroups: ["video": 44])
    let engine = EngineSpec.container(name: "e", backend: .rocm, image: "img")
    #expect(command.passthrough(engine) == ["--device", "/dev/kfd", "--device", "/dev/dri", "--group-add", "44"])
  }

  @Test func lifecycleCommands() {
    let podman = ContainerCommand(runtime: ContainerRuntime(kind: .podman, executable: "/usr/bin/podman"))
    let docker = ContainerCommand(runtime: ContainerRuntime(kind: .docker))
    #expect(podman.stop("c", graceSeconds: 10) == ["/usr/bin/podman", "stop", "--time", "10", "c"])
    #expect(podman.remove("c") == ["/usr/bin/podman", "rm", "--force", "--time", "0", "c"])
    #expect(docker.remove("c") == ["docker", "rm", "--force", "c"])
    #expect(podman.logs(follow: "c") == ["/usr/bin/podman", "logs", "--follow", "c"])
    #expect(
      docker.listLabelled() == ["docker", "ps", "--all", "--filter", "label=strata", "--format", "{{json .}}"])
    #expect(
      podman.listLabelled() == ["/usr/bin/podman", "ps", "--all", "--filter", "label=strata", "--format", "json"])
  }

  @Test func inspectStateParses() {
    #expect(ContainerState(inspect: "true 0 sha256:abc")?.running == true)
    let exited = ContainerState(inspect: "false 143 3c16d00c8983")
    #expect(exited?.running == false)
    #expect(exited?.exitCode == 143)
    #expect(exited?.imageID == "3c16d00c8983")
    #expect(ContainerState(inspect: "no such container") == nil)
  }

  @Test func hostGroupsAreReadFromEtcGroup() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-etc-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: root) }
    try "root:x:0:\nvideo:x:44:alice\nrender:x:105:\nbroken line\n".write(
      toFile: "\(root)/group", atomically: true, encoding: .utf8)
    #expect(HostGroups.read(etcRoot: root) == ["root": 0, "video": 44, "render": 105])
  }
}

@Suite("Engine variables the container runtime itself reads")
struct RuntimeEnvironmentTests {
  @Test("HOME, XDG_… and CONTAINERS_… go as NAME=VALUE and never into podman's own environment")
  func runtimeVariablesStayOutOfTheRuntime() {
    let engine = EngineSpec.container(
      name: "e", backend: .cpu, image: "img",
      env: ["HOME": "/tmp/elsewhere", "XDG_RUNTIME_DIR": "/tmp/run", "HF_TOKEN": "secret-value"])
    let command = ContainerCommand(runtime: ContainerRuntime(kind: .podman))
    #expect(
      command.environmentByName(engine)
        == ["--env", "HF_TOKEN", "--env", "HOME=/tmp/elsewhere", "--env", "XDG_RUNTIME_DIR=/tmp/run"])
    let runner = command.runnerEnvironment(engine, base: ["HOME": "/root", "PATH": "/usr/bin"])
    #expect(runner == ["HOME": "/root", "PATH": "/usr/bin", "HF_TOKEN": "secret-value"])
  }
}
