import Foundation
import Testing

/// The AMD GPU targets `scripts/build-engines rocm` hands llama.cpp (`-DGPU_TARGETS`), chosen by
/// `scripts/rocm-targets` from `amdgpu-arch` or `rocminfo`. Since ROCm 6.4 rocminfo also lists
/// generic ISAs (`amdgcn-amd-amdhsa--gfx11-generic`), which the old `grep -o 'gfx[0-9a-f]*'`
/// turned into `gfx11`, a target clang rejects. The rocminfo texts are recorded-format
/// stand-ins in Fixtures/rocminfo (see its README for the real outputs they follow).
@Suite("ROCm GPU targets: rocminfo agents, not generic ISAs; amdgpu-arch; build-engines wiring")
struct ROCmTargetTests {
  static let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  static let repository = here.deletingLastPathComponent().deletingLastPathComponent()
  static let parser = repository.appendingPathComponent("scripts/rocm-targets").path
  static let buildEngines = repository.appendingPathComponent("scripts/build-engines").path
  static let fixtures = here.appendingPathComponent("Fixtures/rocminfo")

  static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

  /// The pipeline scripts/build-engines used before: kept to document why it had to go.
  static let oldPipeline = "grep -o 'gfx[0-9a-f]*' | sort -u | paste -sd';'"

  struct Result {
    var status: Int32
    var output: String
    var error: String
  }

  /// Runs /bin/bash with `arguments`, the file `input` on stdin; stdout without its final newline.
  static func bash(
    _ arguments: [String], input: String, environment: [String: String]? = nil
  ) async throws -> Result {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("strata-rocm-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    let stdout = scratch.appendingPathComponent("stdout").path
    let stderr = scratch.appendingPathComponent("stderr").path
    FileManager.default.createFile(atPath: stdout, contents: nil)
    FileManager.default.createFile(atPath: stderr, contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = arguments
    if let environment { process.environment = environment }
    let inputHandle = try #require(FileHandle(forReadingAtPath: input))
    let outputHandle = try #require(FileHandle(forWritingAtPath: stdout))
    let errorHandle = try #require(FileHandle(forWritingAtPath: stderr))
    process.standardInput = inputHandle
    process.standardOutput = outputHandle
    process.standardError = errorHandle
    try process.run()
    while process.isRunning { try await Task.sleep(nanoseconds: 10_000_000) }
    for handle in [inputHandle, outputHandle, errorHandle] { try handle.close() }
    var output = try String(contentsOfFile: stdout, encoding: .utf8)
    if output.hasSuffix("\n") { output.removeLast() }
    return Result(
      status: process.terminationStatus, output: output, error: try String(contentsOfFile: stderr, encoding: .utf8))
  }

  /// `text` in a temporary file, for stdin.
  static func temporaryInput(_ text: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("strata-rocm-input-\(UUID().uuidString)")
      .path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  static func targets(rocminfo fixtureName: String) async throws -> Result {
    try await bash([parser], input: fixture(fixtureName))
  }

  @Test(
    "rocminfo: the GPU agents' Name lines, sorted, unique, ;-joined",
    arguments: [
      ("rocm-6.2-rx7900xtx.txt", "gfx1100"),
      ("rocm-7.1-rx7900xtx-igpu-gfx1036.txt", "gfx1036;gfx1100"),
      ("rocm-6.4-two-rx7900xtx.txt", "gfx1100"),
      ("rocm-6.2-cpu-only.txt", ""),
    ])
  func rocminfoTargets(file: String, expected: String) async throws {
    let result = try await Self.targets(rocminfo: file)
    #expect(result.status == 0, "stderr: \(result.error)")
    #expect(result.output == expected)
    #expect(result.error.isEmpty)
  }

  @Test("ROCm 6.4+/7.x: no generic ISA (gfx11, gfx10) and no CPU model among the targets")
  func noGenericISA() async throws {
    let text = try String(contentsOfFile: Self.fixture("rocm-7.1-rx7900xtx-igpu-gfx1036.txt"), encoding: .utf8)
    // The fixture has what the parser must skip: generic ISA Name lines (indented deeper) and a CPU agent.
    #expect(text.contains("      Name:                    amdgcn-amd-amdhsa--gfx11-generic"))
    #expect(text.contains("      Name:                    amdgcn-amd-amdhsa--gfx10-3-generic"))
    #expect(text.contains("  Name:                    AMD Ryzen 9 7950X 16-Core Processor"))
    let targets = try await Self.targets(rocminfo: "rocm-7.1-rx7900xtx-igpu-gfx1036.txt").output.split(separator: ";")
    #expect(targets == ["gfx1036", "gfx1100"])
    #expect(!targets.contains("gfx11") && !targets.contains("gfx10"))
  }

  @Test("the old grep pipeline picks up the generic ISAs: gfx11 (and gfx10) on ROCm 6.4+/7.x")
  func oldPipelineBreaks() async throws {
    let seven = try await Self.bash(
      ["-c", Self.oldPipeline], input: Self.fixture("rocm-7.1-rx7900xtx-igpu-gfx1036.txt"))
    #expect(seven.output == "gfx10;gfx1036;gfx11;gfx1100")
    #expect(seven.output.split(separator: ";").contains("gfx11"))
    let two = try await Self.bash(["-c", Self.oldPipeline], input: Self.fixture("rocm-6.4-two-rx7900xtx.txt"))
    #expect(two.output == "gfx11;gfx1100")
    // Before ROCm 6.4 it happened to work, which is why it went unnoticed.
    let six = try await Self.bash(["-c", Self.oldPipeline], input: Self.fixture("rocm-6.2-rx7900xtx.txt"))
    #expect(six.output == "gfx1100")
  }

  @Test("empty rocminfo output (or none at all): no targets, no output, status 0")
  func emptyInput() async throws {
    for text in ["", "\n", "ROCk module is NOT loaded, possibly no GPU devices\n"] {
      let input = try Self.temporaryInput(text)
      defer { try? FileManager.default.removeItem(atPath: input) }
      let result = try await Self.bash([Self.parser], input: input)
      #expect(result.status == 0)
      #expect(result.output == "", "input: \(text.debugDescription)")
    }
  }

  @Test(
    "amdgpu-arch: one target per line, duplicates for identical GPUs",
    arguments: [
      ("gfx1100\ngfx1036\ngfx1100\n", "gfx1036;gfx1100"),
      ("gfx1100\ngfx1100\n", "gfx1100"),
      ("gfx90a\r\n", "gfx90a"),
      ("", ""),
    ])
  func amdgpuArch(text: String, expected: String) async throws {
    let input = try Self.temporaryInput(text)
    defer { try? FileManager.default.removeItem(atPath: input) }
    let result = try await Self.bash([Self.parser, "--amdgpu-arch"], input: input)
    #expect(result.status == 0)
    #expect(result.output == expected)
  }

  @Test("an unknown option: usage on stderr, status 2")
  func unknownOption() async throws {
    let result = try await Self.bash([Self.parser, "--bogus"], input: "/dev/null")
    #expect(result.status == 2)
    #expect(result.error.contains("usage:"))
  }

  // MARK: scripts/build-engines rocm, with stand-ins for the ROCm tools and cmake

  /// Runs `scripts/build-engines rocm` with only stand-ins and the few system tools it needs on
  /// PATH. A warm source cache skips the download; the cmake stand-in records its arguments and
  /// fails, so the run stops right after configuring. Returns the run and the `-DGPU_TARGETS=` value.
  static func buildEnginesRocm(
    amdgpuArchOnPath: String? = nil, amdgpuArchBesideClang: String? = nil, rocminfo: String? = nil,
    override: String? = nil
  ) async throws -> (run: Result, gpuTargets: String?, cmakeArguments: [String]) {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-rocm-host-\(UUID().uuidString)")
      .path
    defer { try? FileManager.default.removeItem(atPath: root) }
    let bin = "\(root)/bin"
    let llvm = "\(root)/rocm/llvm/bin"
    let cache = "\(root)/cache"
    for directory in [bin, llvm, "\(cache)/src/llama.cpp-11434.0.0"] {
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }
    FileManager.default.createFile(atPath: "\(cache)/src/llama.cpp-11434.0.0/.complete", contents: Data())
    // Stand-ins are written by standInExecutable (O_CLOEXEC, see ChildProcessTests) and linked in by name.
    func standIn(_ path: String, _ body: String) throws {
      try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: try standInExecutable(body))
    }
    try standIn("\(bin)/hipconfig", "case \"$1\" in -l) echo '\(llvm)' ;; -R) echo '\(root)/rocm' ;; esac")
    try standIn("\(bin)/cmake", "printf '%s\\n' \"$@\" > '\(root)/cmake-arguments'; exit 1")
    if let amdgpuArchOnPath { try standIn("\(bin)/amdgpu-arch", amdgpuArchOnPath) }
    if let amdgpuArchBesideClang { try standIn("\(llvm)/amdgpu-arch", amdgpuArchBesideClang) }
    if let rocminfo { try standIn("\(bin)/rocminfo", rocminfo) }
    // Only these from the system, so a ROCm install on this machine cannot take part.
    for tool in [
      "bash", "env", "dirname", "date", "grep", "cut", "sed", "sha256sum", "mkdir", "tail", "awk", "sort", "paste",
      "ln", "cat", "rm",
    ] {
      guard
        let real = ["/usr/bin/\(tool)", "/bin/\(tool)"].first(where: {
          FileManager.default.isExecutableFile(atPath: $0)
        })
      else { continue }
      try FileManager.default.createSymbolicLink(atPath: "\(bin)/\(tool)", withDestinationPath: real)
    }
    var environment = ["PATH": bin, "HOME": root, "STRATA_CACHE": cache, "STRATA_BUILD_JOBS": "1"]
    if let override { environment["STRATA_AMDGPU_TARGETS"] = override }
    let run = try await bash([buildEngines, "rocm"], input: "/dev/null", environment: environment)
    let arguments = ((try? String(contentsOfFile: "\(root)/cmake-arguments", encoding: .utf8)) ?? "")
      .split(separator: "\n").map(String.init)
    let targets = arguments.first { $0.hasPrefix("-DGPU_TARGETS=") }.map {
      String($0.dropFirst("-DGPU_TARGETS=".count))
    }
    return (run, targets, arguments)
  }

  static func catFixture(_ name: String) -> String { "cat '\(fixture(name))'" }

  @Test("build-engines: rocminfo's agents when there is no amdgpu-arch; -DLLAMA_CURL is gone")
  func buildEnginesRocminfo() async throws {
    let (run, targets, arguments) = try await Self.buildEnginesRocm(
      rocminfo: Self.catFixture("rocm-7.1-rx7900xtx-igpu-gfx1036.txt"))
    #expect(targets == "gfx1036;gfx1100", "stderr: \(run.error)")
    #expect(arguments.contains("-DGGML_HIP=ON") && arguments.contains("-DLLAMA_OPENSSL=OFF"))
    #expect(!arguments.contains { $0.contains("LLAMA_CURL") })
  }

  @Test("build-engines: amdgpu-arch first, on PATH or beside ROCm's clang; rocminfo when it prints nothing")
  func buildEnginesAmdgpuArch() async throws {
    let rocminfo = Self.catFixture("rocm-6.2-rx7900xtx.txt")
    let onPath = try await Self.buildEnginesRocm(
      amdgpuArchOnPath: "printf 'gfx1101\\ngfx1101\\n'", rocminfo: rocminfo)
    #expect(onPath.gpuTargets == "gfx1101", "stderr: \(onPath.run.error)")
    let besideClang = try await Self.buildEnginesRocm(amdgpuArchBesideClang: "echo gfx1030", rocminfo: rocminfo)
    #expect(besideClang.gpuTargets == "gfx1030", "stderr: \(besideClang.run.error)")
    // amdgpu-arch finds no GPU (it fails and prints nothing without /dev/kfd): rocminfo decides.
    let failing = try await Self.buildEnginesRocm(amdgpuArchOnPath: "exit 1", rocminfo: rocminfo)
    #expect(failing.gpuTargets == "gfx1100", "stderr: \(failing.run.error)")
  }

  @Test("build-engines: STRATA_AMDGPU_TARGETS wins over the detected GPUs")
  func buildEnginesOverride() async throws {
    let result = try await Self.buildEnginesRocm(
      amdgpuArchOnPath: "echo gfx1100", rocminfo: Self.catFixture("rocm-6.2-rx7900xtx.txt"), override: "gfx90a;gfx942")
    #expect(result.gpuTargets == "gfx90a;gfx942", "stderr: \(result.run.error)")
  }

  @Test("build-engines: no GPU seen: the error that says to set STRATA_AMDGPU_TARGETS, before cmake")
  func buildEnginesNoGPU() async throws {
    for rocminfo in [Self.catFixture("rocm-6.2-cpu-only.txt"), nil] {
      let result = try await Self.buildEnginesRocm(rocminfo: rocminfo)
      #expect(result.run.status == 1)
      #expect(result.cmakeArguments.isEmpty)
      #expect(
        result.run.error.contains(
          "rocm: no GPU target: set STRATA_AMDGPU_TARGETS (e.g. gfx1100 for an RX 7900 XTX), or make rocminfo see the GPU"
        ),
        "stderr: \(result.run.error)")
    }
  }
}
