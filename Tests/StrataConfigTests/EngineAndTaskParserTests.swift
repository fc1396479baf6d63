import Testing

@testable import StrataConfig

@Suite("engines/*.yaml and tasks/*.yaml parsing")
struct EngineAndTaskParserTests {
  @Test func engineFileParsesEveryField() throws {
    let spec = try EngineSpecParser.parse(
      yaml: """
        name: vulkan
        backend: vulkan
        mode: process
        binary: ${STRATA_CACHE}/bin/vulkan/llama-server
        env: {GGML_VK_VISIBLE_DEVICES: 0, LABEL: "gpu one"}
        args: ["--no-warmup", -np, 1]
        """, file: "engines/vulkan.yaml", expander: TestSupport.expander)
    #expect(spec.name == "vulkan")
    #expect(spec.backend == .vulkan)
    #expect(spec.mode == .process)
    #expect(spec.binary == "/cache/strata/bin/vulkan/llama-server")
    #expect(spec.env == ["GGML_VK_VISIBLE_DEVICES": "0", "LABEL": "gpu one"])
    #expect(spec.args == ["--no-warmup", "-np", "1"])
    #expect(spec.location == SourceLocation(file: "engines/vulkan.yaml", line: 1, column: 1))
  }

  @Test func containerEngineParsesEveryField() throws {
    let spec = try EngineSpecParser.parse(
      yaml: """
        name: rocm-container
        backend: rocm
        mode: container
        image: ghcr.io/ggml-org/llama.cpp:server-rocm
        runtime: docker
        pull: never
        devices: [/dev/kfd, /dev/dri/renderD128, /dev/dri/card0]
        seccomp: unconfined
        hsa_override_gfx_version: "10.3.0"
        gpus: "0,1"
        container_args: [--shm-size, 1g]
        args: [-ngl, 99]
        """, file: "engines/rocm-container.yaml", expander: TestSupport.expander)
    #expect(spec.mode == .container)
    #expect(spec.binary == "/app/llama-server")
    #expect(
      spec.container
        == ContainerSpec(
          image: "ghcr.io/ggml-org/llama.cpp:server-rocm", runtime: .docker, pull: .never,
          devices: ["/dev/kfd", "/dev/dri/renderD128", "/dev/dri/card0"], seccompUnconfined: true,
          runtimeArgs: ["--shm-size", "1g"]))
    #expect(spec.gpus == ["0", "1"])
    #expect(spec.env == ["HSA_OVERRIDE_GFX_VERSION": "10.3.0"])
    #expect(spec.serverEnvironment == ["HSA_OVERRIDE_GFX_VERSION": "10.3.0", "HIP_VISIBLE_DEVICES": "0,1"])
    #expect(spec.runs == "ghcr.io/ggml-org/llama.cpp:server-rocm")
  }

  @Test func containerEngineDefaultsToAutoRuntimeAndPullingWhenMissing() throws {
    let spec = try EngineSpecParser.parse(
      yaml: "name: cpu-container\nbackend: cpu\nmode: container\nimage: localhost/llama.cpp:server\n",
      file: "engines/cpu-container.yaml", expander: TestSupport.expander)
    #expect(spec.container == ContainerSpec(image: "localhost/llama.cpp:server"))
    #expect(spec.container?.runtime == .auto)
    #expect(spec.container?.pull == .missing)
    #expect(spec.gpus.isEmpty)
  }

  @Test func gpusBecomeEachBackendsVisibleDevicesVariable() throws {
    for (backend, variable) in [("cuda", "CUDA_VISIBLE_DEVICES"), ("vulkan", "GGML_VK_VISIBLE_DEVICES")] {
      let spec = try EngineSpecParser.parse(
        yaml: "name: e\nbackend: \(backend)\nbinary: /b\ngpus: [1]\n", file: "engines/e.yaml",
        expander: TestSupport.expander)
      let order: [String: String] = backend == "cuda" ? ["CUDA_DEVICE_ORDER": "PCI_BUS_ID"] : [:]
      #expect(spec.serverEnvironment == order.merging([variable: "1"]) { $1 })
    }
    // An explicit env entry is the user's word and wins over gpus.
    let spec = try EngineSpecParser.parse(
      yaml: "name: e\nbackend: cuda\nbinary: /b\ngpus: [1]\nenv: {CUDA_VISIBLE_DEVICES: GPU-abc}\n",
      file: "engines/e.yaml", expander: TestSupport.expander)
    #expect(spec.serverEnvironment == ["CUDA_VISIBLE_DEVICES": "GPU-abc", "CUDA_DEVICE_ORDER": "PCI_BUS_ID"])
  }

  @Test("CUDA engines number devices in PCI order, as NVML and containers do; env may say otherwise")
  func cudaDeviceOrderIsPCI() throws {
    func environment(_ yaml: String) throws -> [String: String] {
      try EngineSpecParser.parse(yaml: yaml, file: "engines/e.yaml", expander: TestSupport.expander)
        .serverEnvironment
    }
    #expect(try environment("name: e\nbackend: cuda\nbinary: /b\n") == ["CUDA_DEVICE_ORDER": "PCI_BUS_ID"])
    #expect(
      try environment("name: e\nbackend: cuda\nbinary: /b\nenv: {CUDA_DEVICE_ORDER: FASTEST_FIRST}\n")
        == ["CUDA_DEVICE_ORDER": "FASTEST_FIRST"])
    #expect(try environment("name: e\nbackend: rocm\nbinary: /b\n")["CUDA_DEVICE_ORDER"] == nil)
  }

  @Test func engineDefaultsToProcessModeWithNoEnvOrArgs() throws {
    let spec = try EngineSpecParser.parse(
      yaml: "name: cpu\nbackend: cpu\nbinary: ~/bin/llama-server\n", file: "/p/engines/cpu.yaml",
      expander: TestSupport.expander)
    #expect(spec.mode == .process)
    #expect(spec.binary == "/home/tester/bin/llama-server")
    #expect(spec.env.isEmpty)
    #expect(spec.args.isEmpty)
  }

  @Test func bareBinaryNameIsKeptForPathLookup() throws {
    let spec = try EngineSpecParser.parse(
      yaml: "name: cpu\nbackend: cpu\nbinary: llama-server\n", file: "engines/cpu.yaml", expander: TestSupport.expander)
    #expect(spec.binary == "llama-server")
  }

  @Test func unknownBackendListsTheKnownOnes() {
    let errors = ConfigKind.engine.errors(yaml: "name: cpu\nbackend: vulkn\nbinary: x\n", file: "engines/cpu.yaml")
    #expect(errors.count == 1)
    #expect(errors.first?.message == "unknown backend 'vulkn'; known backends: cpu, vulkan, cuda, rocm")
    #expect(errors.first?.hint == "did you mean 'vulkan'?")
  }

  @Test func taskFileParsesEveryField() throws {
    let spec = try TaskSpecParser.parse(
      yaml: """
        name: arc_challenge
        kind: multiple_choice
        items: ${STRATA_CACHE}/tasks/arc_challenge.jsonl
        prompt: few_shot
        format: completion
        max_tokens: 16
        limit: 50
        seed: 18446744073709551615
        """, file: "tasks/arc_challenge.yaml", expander: TestSupport.expander)
    #expect(spec.name == "arc_challenge")
    #expect(spec.kind == .multipleChoice)
    #expect(spec.items == "/cache/strata/tasks/arc_challenge.jsonl")
    #expect(spec.prompt == .fewShot)
    #expect(spec.format == .completion)
    #expect(spec.maxTokens == 16)
    #expect(spec.limit == 50)
    #expect(spec.seed == UInt64.max)
  }

  @Test func taskDefaultsApplyWhenKeysAreAbsent() throws {
    let spec = try TaskSpecParser.parse(
      yaml: "name: mmlu\nkind: multiple_choice\nitems: ~/mmlu.jsonl\n", file: "tasks/mmlu.yaml",
      expander: TestSupport.expander)
    #expect(spec.prompt == .zeroShot)
    #expect(spec.format == .chat)
    #expect(spec.maxTokens == 8)
    #expect(spec.limit == 20)
    #expect(spec.seed == 1)
    #expect(spec.items == "/home/tester/mmlu.jsonl")
  }

  @Test(arguments: [
    ("max_tokens: 0", "max_tokens must be between 1 and 4096, found 0"),
    ("max_tokens: 4097", "max_tokens must be between 1 and 4096, found 4097"),
    ("limit: 0", "limit must be at least 1, found 0"),
    ("seed: -1", "expected a non-negative integer for seed, found the integer -1"),
    ("prompt: three_shot", "unknown prompt 'three_shot'; known values: zero_shot, few_shot"),
    ("format: raw", "unknown format 'raw'; known values: chat, completion"),
  ])
  func taskValuesOutOfRangeAreRejected(line: String, message: String) {
    let errors = ConfigKind.task.errors(
      yaml: "name: t\nkind: multiple_choice\nitems: /t.jsonl\n\(line)\n", file: "tasks/t.yaml")
    #expect(errors.map(\.message) == [message])
    #expect(
      errors.first?.location
        == SourceLocation(
          file: "tasks/t.yaml", line: 4, column: line.count - line.split(separator: " ").last!.count + 1))
  }
}
