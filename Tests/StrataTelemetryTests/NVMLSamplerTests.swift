import StrataTestSupport
import Testing

@testable import StrataTelemetry

/// NVMLSampler through the real dlopen path, against the stand-in libnvidia-ml.so.1 compiled from
/// Fixtures/nvml-stub/nvml_stub.c. Every expected value is one the stand-in's header documents.
@Suite(
  "NVML sampler against the stand-in libnvidia-ml",
  RealPartGate.needs("cc in PATH, to build the NVML stand-in library") { NVMLStandIn.compiler != nil })
struct NVMLSamplerTests {
  static let device0 = DeviceSample(
    device: "0000:01:00.0", vramUsedBytes: 2_147_483_648, vramTotalBytes: 25_769_803_776, busyPercent: 87,
    memoryBusyPercent: 41, powerWatts: 312.45, temperaturesCelsius: ["gpu": 64], coreClockMHz: 1980,
    memoryClockMHz: 2619)
  static let device1 = DeviceSample(
    device: "0000:0a:00.0", vramUsedBytes: 268_435_456, vramTotalBytes: 8_589_934_592, busyPercent: 0,
    memoryBusyPercent: 0, powerWatts: nil, temperaturesCelsius: ["gpu": 38], coreClockMHz: 345,
    memoryClockMHz: 405)
  static let processes = [
    ProcessGPUSample(pid: 4242, device: "0000:01:00.0", residentBytes: ["vram": 1_610_612_736]),
    ProcessGPUSample(pid: 4243, device: "0000:01:00.0"),
  ]

  @Test("stand-in: both devices read through the current (_v2/_v3, TemperatureV) entry points")
  func standInCurrentEntryPoints() throws {
    try NVMLStandIn.withLibrary(.current) { (path) throws in
      let sampler = NVMLSampler(libraryPaths: [path])
      #expect(sampler.name == "nvml")
      #expect(sampler.status() == SamplerStatus(sampler: "nvml", available: true))
      for symbol in [
        "nvmlInit_v2", "nvmlDeviceGetCount_v2", "nvmlDeviceGetHandleByIndex_v2", "nvmlDeviceGetPciInfo_v3",
        "nvmlDeviceGetMemoryInfo_v2", "nvmlDeviceGetTemperatureV", "nvmlDeviceGetComputeRunningProcesses_v3",
        "nvmlShutdown", "nvmlErrorString",
      ] {
        #expect(sampler.resolvedSymbols.contains(symbol), "\(symbol) not resolved")
      }
      // Device 1's power is NOT_SUPPORTED in the stand-in: a nil field, not an error.
      #expect(try sampler.sampleDevices() == [Self.device0, Self.device1])
    }
  }

  @Test("stand-in: names and PCI identity, bus ids normalised to lower-case sysfs form")
  func standInDeviceIdentity() throws {
    try NVMLStandIn.withLibrary { (path) throws in
      let sampler = NVMLSampler(libraryPaths: [path])
      #expect(
        try sampler.devices() == [
          NVMLDeviceInfo(
            index: 0, device: "0000:01:00.0", name: "Stand-in GPU 0 (nvml_stub.c)", pciDeviceId: 0x2330_10DE),
          NVMLDeviceInfo(
            index: 1, device: "0000:0a:00.0", name: "Stand-in GPU 1 (nvml_stub.c)", pciDeviceId: 0x2331_10DE),
        ])
    }
  }

  @Test("stand-in: processes via the INSUFFICIENT_SIZE protocol; NVML_VALUE_NOT_AVAILABLE gives no vram entry")
  func standInProcesses() throws {
    try NVMLStandIn.withLibrary { (path) throws in
      #expect(NVMLSampler(libraryPaths: [path]).processes() == Self.processes)
    }
  }

  @Test("R535 stand-in: _v3 writes 32-byte entries; every process after the first is read right")
  func r535ProcessLayout() throws {
    try NVMLStandIn.withLibrary(.r535) { (path) throws in
      let sampler = NVMLSampler(libraryPaths: [path])
      #expect(sampler.processQuery == "nvmlDeviceGetComputeRunningProcesses_v3 with 32-byte entries")
      // Read as 24-byte entries, the second pid would come from the first entry's
      // usedGpuCcProtectedMemory (0) and its memory from the second entry's pid.
      #expect(sampler.processes() == Self.processes)
    }
  }

  @Test("R550+ stand-in (the default): _v3 with 24-byte entries, as nvml.h declares again")
  func currentProcessLayout() throws {
    try NVMLStandIn.withLibrary(.current) { (path) throws in
      let sampler = NVMLSampler(libraryPaths: [path])
      #expect(sampler.processQuery == "nvmlDeviceGetComputeRunningProcesses_v3 with 24-byte entries")
      #expect(sampler.processes() == Self.processes)
    }
  }

  @Test("the driver's CUDA version through nvmlSystemGetCudaDriverVersion: R535 12.2, current 13.0, legacy 11.4")
  func cudaDriverVersion() throws {
    for (variant, code) in [(NVMLStandIn.Variant.r535, Int32(12020)), (.current, 13000), (.legacyOnly, 11040)] {
      try NVMLStandIn.withLibrary(variant) { (path) throws in
        #expect(NVMLSampler(libraryPaths: [path]).cudaDriverVersionCode == code, "\(variant)")
      }
    }
    #expect(NVMLSampler(libraryPaths: ["/nonexistent/libnvidia-ml.so.1"]).cudaDriverVersionCode == nil)
  }

  @Test("as a process GPU source: only the pids asked for, with NVML's used memory as vram")
  func processGPUSource() throws {
    try NVMLStandIn.withLibrary(.r535) { (path) throws in
      let sampler: any ProcessGPUSampler = NVMLSampler(libraryPaths: [path])
      #expect(sampler.sample(pids: [4242]) == [Self.processes[0]])
      #expect(sampler.sample(pids: [1]).isEmpty)
      let point = TelemetryPoint(
        monoNanos: 0, process: nil, devices: [],
        processGPU: TelemetryRecorder.processReadings([sampler], pid: 4242))
      #expect(point.processVRAMBytes == 1_610_612_736)
    }
  }

  @Test("legacy-only stand-in: nvmlInit, v1 memory, nvmlDeviceGetTemperature and v1 process fallbacks")
  func legacyStandInFallbacks() throws {
    try NVMLStandIn.withLibrary(.legacyOnly) { (path) throws in
      let sampler = NVMLSampler(libraryPaths: [path])
      #expect(sampler.status().available)
      let symbols = sampler.resolvedSymbols
      for symbol in [
        "nvmlInit", "nvmlDeviceGetCount", "nvmlDeviceGetHandleByIndex", "nvmlDeviceGetPciInfo_v2",
        "nvmlDeviceGetMemoryInfo", "nvmlDeviceGetTemperature", "nvmlDeviceGetComputeRunningProcesses",
      ] {
        #expect(symbols.contains(symbol), "\(symbol) not resolved")
      }
      #expect(!symbols.contains { $0.hasSuffix("_v3") || $0 == "nvmlInit_v2" || $0 == "nvmlDeviceGetTemperatureV" })
      // nvmlMemory_t.used includes the 512 MiB the stand-in reserves on device 0.
      var expected0 = Self.device0
      expected0.vramUsedBytes = 2_147_483_648 + 536_870_912
      #expect(try sampler.sampleDevices() == [expected0, Self.device1])
      #expect(sampler.processQuery == "nvmlDeviceGetComputeRunningProcesses with 16-byte entries")
      #expect(sampler.processes() == Self.processes)
    }
  }

  @Test("a library path that does not exist: unavailable with the reason, sampling throws")
  func missingLibrary() {
    let sampler = NVMLSampler(libraryPaths: ["/nonexistent/strata-test/libnvidia-ml.so.1"])
    let status = sampler.status()
    #expect(!status.available)
    #expect(status.reason == "/nonexistent/strata-test/libnvidia-ml.so.1 not found: no NVIDIA driver on this host")
    #expect(throws: SamplerError.self) { try sampler.sampleDevices() }
    #expect(sampler.processes().isEmpty)
    #expect(sampler.resolvedSymbols.isEmpty)
  }

  @Test("no library paths at all: unavailable, not a crash")
  func noPaths() {
    #expect(NVMLSampler(libraryPaths: []).status().reason == "no NVML library path given")
  }

  @Test("init-failing stand-in: unavailable with nvmlErrorString's text")
  func initFailsStandIn() throws {
    try NVMLStandIn.withLibrary(.initFails) { (path) throws in
      let status = NVMLSampler(libraryPaths: [path]).status()
      #expect(!status.available)
      #expect(status.reason == "nvmlInit failed in \(path): Driver Not Loaded (NVML_ERROR_DRIVER_NOT_LOADED)")
    }
  }

  @Test("stand-in with a lost GPU: sampleDevices throws SamplerError; processes of the other GPU remain")
  func lostGPUStandIn() throws {
    try NVMLStandIn.withLibrary(.gpuLost) { (path) throws in
      let sampler = NVMLSampler(libraryPaths: [path])
      #expect(sampler.status().available)
      let error = #expect(throws: SamplerError.self) { try sampler.sampleDevices() }
      #expect(error?.sampler == "nvml")
      #expect(error?.message.contains("NVML_ERROR_GPU_IS_LOST") == true)
      #expect(error?.message.contains("GPU nvml:1 is lost") == true)
      #expect(sampler.processes() == Self.processes)
    }
  }

  @Test("the first loadable path wins; missing ones before it are skipped")
  func firstLoadablePathWins() throws {
    try NVMLStandIn.withLibrary { (path) throws in
      let sampler = NVMLSampler(libraryPaths: ["/nonexistent/libnvidia-ml.so.1", path])
      #expect(sampler.status().available)
      #expect(try sampler.sampleDevices().count == 2)
    }
  }

  @Test("this host, default paths: either NVML works or the reason names the missing library")
  func defaultPathsOnThisHost() {
    let status = NVMLSampler().status()
    #expect(status.available || status.reason == "libnvidia-ml.so.1 not found: no NVIDIA driver on this host")
  }
}
