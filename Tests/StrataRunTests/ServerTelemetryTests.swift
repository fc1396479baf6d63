import Foundation
import StrataStore
import Testing

@testable import StrataRun
@testable import StrataTelemetry

#if canImport(Glibc)
  import Glibc
#endif

/// A store with one run and one server row, as the sweep has them once the server answers /health.
private func storeWithServer() throws -> (ResultStore, Int64) {
  let store = try ResultStore(inMemory: ())
  try store.insert(
    RunRecord(
      id: "r", startedAt: 0, status: .running, strataVersion: "t", matrixPath: "m", matrixHash: "h",
      hostJSON: "{}", enginesJSON: "{}"))
  let server = try store.insert(
    ServerRecord(
      runId: "r", loadGroup: "g", engine: "cpu", argumentsJSON: "[]", port: 1, loadSeconds: 0.1, buildInfo: nil,
      logPath: "l", startedAt: 0))
  return (store, server)
}

/// Telemetry of this test process at 50 Hz, written every 0.1 s.
private func telemetry(_ store: ResultStore) -> ServerTelemetry {
  ServerTelemetry(store: store) { sink in
    TelemetryRecorder(
      samplers: [], processSampler: ProcessSampler(procRoot: "/proc"), rateHz: 50, flushIntervalSeconds: 0.1, sink: sink
    )
  }
}

@Suite("A server's samples go to the store while it runs")
struct ServerTelemetryTests {
  @Test("rows exist before stop, including the baseline taken before the server row existed")
  func writesWhileRunning() async throws {
    let (store, server) = try storeWithServer()
    let telemetry = telemetry(store)
    telemetry.start()
    try await Task.sleep(nanoseconds: 100_000_000)  // baseline, before the row exists
    telemetry.attach(pid: getpid())
    telemetry.bind(serverId: server)
    var before = 0
    for _ in 0..<40 where before == 0 {
      try await Task.sleep(nanoseconds: 50_000_000)
      before = try store.telemetrySamples(serverId: server).filter { $0.rssBytes != nil }.count
    }
    #expect(before > 0, "attached samples were stored while the server ran")
    let (run, problems) = telemetry.finish()
    #expect(problems.isEmpty)
    let stored = try store.telemetrySamples(serverId: server)
    #expect(stored.map(\.monoNanos) == run.points.map { Int64($0.monoNanos) })
    #expect(run.baselineCount > 0 && stored.prefix(run.baselineCount).allSatisfy { $0.rssBytes == nil })
  }

  @Test("cancelling the server's task still writes every sample taken")
  func cancellationFlushesRemainder() async throws {
    let (store, server) = try storeWithServer()
    let telemetry = telemetry(store)
    let life = Task {
      try await telemetry.recording {
        telemetry.start()
        telemetry.attach(pid: getpid())
        telemetry.bind(serverId: server)
        try await Task.sleep(nanoseconds: 60_000_000_000)  // a server that would run for a minute
      }
    }
    // Wait for samples rather than for a fixed time: on a loaded 2-core machine
    // the sampling thread may start late.
    var stored = 0
    for _ in 0..<200 where stored < 3 {
      try await Task.sleep(nanoseconds: 50_000_000)
      stored = try store.telemetrySamples(serverId: server).count
    }
    try #require(stored >= 3, "no batch was written within 10 s")
    life.cancel()
    await #expect(throws: CancellationError.self) { try await life.value }
    // recording() has finished the telemetry: finish() now returns that answer.
    let (run, _) = telemetry.finish()
    #expect(run.points.count >= stored)
    #expect(try store.telemetrySamples(serverId: server).count == run.points.count)
  }

  @Test("a server that never started (no row): nothing is stored, and the report says how much was dropped")
  func neverBound() async throws {
    let (store, server) = try storeWithServer()
    let telemetry = telemetry(store)
    telemetry.start()
    try await Task.sleep(nanoseconds: 150_000_000)
    let (run, problems) = telemetry.finish()
    #expect(try store.telemetrySamples(serverId: server).isEmpty)
    #expect(problems == ["\(run.points.count) samples of a server that never started were not stored"])
  }
}

@Suite("Inventory stored with each run")
struct RunInventoryTests {
  @Test("libdrm's devices and the samplers' readings merge by PCI slot")
  func gpuInventory() {
    let drm = [
      DRMDevice(
        nodes: ["/dev/dri/card1", "/dev/dri/renderD128"], pciSlot: "0000:03:00.0", vendorID: 0x1002,
        deviceID: 0x744c),
      DRMDevice(nodes: ["/dev/dri/card0"], pciSlot: nil, vendorID: nil, deviceID: nil),
    ]
    let sampled = [
      (sampler: "amdgpu-sysfs", devices: [DeviceSample(device: "0000:03:00.0", vramTotalBytes: 25_753_026_560)]),
      (sampler: "nvml", devices: [DeviceSample(device: "0000:65:00.0", vramTotalBytes: 8_589_934_592)]),
    ]
    let gpus = HostGPU.inventory(drm: drm, sampled: sampled)
    #expect(gpus.map(\.device) == ["/dev/dri/card0", "0000:03:00.0", "0000:65:00.0"])
    #expect(
      gpus[1]
        == HostGPU(
          device: "0000:03:00.0", vendorID: 0x1002, deviceID: 0x744c, vramTotalBytes: 25_753_026_560,
          nodes: ["/dev/dri/card1", "/dev/dri/renderD128"], samplers: ["amdgpu-sysfs"]))
    #expect(gpus[0].samplers.isEmpty && gpus[2].samplers == ["nvml"])
  }

  @Test("host JSON stored before GPUs were inventoried still decodes, with no GPUs")
  func oldHostJSON() throws {
    let old = #"{"cpuModel":"x","hostname":"h","kernel":"k","logicalCores":2,"memoryBytes":1,"os":"o"}"#
    let host = try JSONDecoder().decode(HostInventory.self, from: Data(old.utf8))
    #expect(host.cpuModel == "x" && host.gpus.isEmpty)
  }
}

@Suite("Inventory read back from the store")
struct StoredInventoryTests {
  @Test("the host with its GPUs and every sampler status come back as stored")
  func roundTrip() throws {
    let store = try ResultStore(inMemory: ())
    let host = HostInventory(
      hostname: "box1", cpuModel: "AMD EPYC 7B13", logicalCores: 2, memoryBytes: 24_568_964 * 1024,
      os: "Debian GNU/Linux 12 (bookworm)", kernel: "Linux 6.1.0-27-amd64",
      gpus: [HostGPU(device: "0000:03:00.0", vendorID: 0x1002, vramTotalBytes: 1 << 34, samplers: ["amdgpu-sysfs"])])
    let statuses = [
      SamplerStatus(sampler: "amdgpu-sysfs", available: true),
      SamplerStatus(sampler: "nvml", available: false, reason: "libnvidia-ml.so.1 not found"),
      SamplerStatus(sampler: "nvidia-smi", available: false, reason: "nvidia-smi not found"),
    ]
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    try store.insert(
      RunRecord(
        id: "r", startedAt: 0, status: .running, strataVersion: "t", matrixPath: "m", matrixHash: "h",
        hostJSON: String(decoding: try encoder.encode(host), as: UTF8.self), enginesJSON: "{}"),
      samplers: statuses.enumerated().map {
        SamplerStatusRecord(
          runId: "r", position: $0.offset, sampler: $0.element.sampler, available: $0.element.available,
          reason: $0.element.reason)
      })
    let stored = try #require(try StoredInventory.read(from: store, runId: "r"))
    #expect(stored == StoredInventory(host: host, samplers: statuses))
    #expect(try StoredInventory.read(from: store, runId: "nope") == nil)
  }
}

extension StoredInventoryTests {
  @Test("a host inventory that is not one gives an error naming the run and what to do")
  func undecodable() throws {
    let store = try ResultStore(inMemory: ())
    try store.insert(
      RunRecord(
        id: "bad", startedAt: 0, status: .done, strataVersion: "t", matrixPath: "m", matrixHash: "h",
        hostJSON: "[]", enginesJSON: "{}"))
    #expect {
      _ = try StoredInventory.read(from: store, runId: "bad")
    } throws: { error in
      let text = "\(error)"
      return error is InventoryDecodeError && text.contains("run bad") && text.contains("hint")
    }
  }
}
