import Foundation
import Testing

@testable import StrataTelemetry

/// Which GPU a server used, from its per-process readings, and device figures that follow it.
@Suite("Figures follow the GPU the server used")
struct ServerDeviceTests {
  /// Two GPUs one second apart: the server's at 200 W, an idle one beside it at 20 W.
  static func points(serverOn device: String?) -> [TelemetryPoint] {
    (0..<3).map { i in
      TelemetryPoint(
        monoNanos: UInt64(i) * 1_000_000_000, process: nil,
        devices: [
          DeviceSample(device: "0000:01:00.0", vramUsedBytes: 1_000 + UInt64(i) * 4_000, powerWatts: 200),
          DeviceSample(device: "0000:02:00.0", vramUsedBytes: 500, powerWatts: 20),
        ],
        processGPU: device.map { [ProcessGPUSample(pid: 7, device: $0, residentBytes: ["vram": 4_000])] } ?? [])
    }
  }

  @Test("the server's PCI slot is recorded and the idle GPU adds no watts, joules or VRAM")
  func restrictedToServerDevice() {
    let run = TelemetryRun(points: Self.points(serverOn: "0000:01:00.0"), baselineCount: 0, errors: [:])
    let summary = run.summary(generations: [
      GenerationSpan(startNanos: 0, endNanos: 2_000_000_000, generatedTokens: 100)
    ])
    #expect(summary.serverDevices == ["0000:01:00.0"])
    #expect(summary.meanPowerWatts == 200)
    #expect(summary.energyJoules == 400)  // 200 W for 2 s
    #expect(summary.joulesPerGeneratedToken == 4)
    #expect(summary.peakVRAMAboveBaselineBytes == 9_000)  // the idle GPU's 500 left out
  }

  @Test("no per-process reading: every device counts, no server device is claimed")
  func unknownServerDevice() {
    let summary = TelemetryRun(points: Self.points(serverOn: nil), baselineCount: 0, errors: [:]).summary()
    #expect(summary.serverDevices == nil)
    #expect(summary.meanPowerWatts == 220)
  }

  @Test("a per-process device no device sampler names: every device counts rather than none")
  func unmatchedServerDevice() {
    let summary = TelemetryRun(points: Self.points(serverOn: "drm:i915"), baselineCount: 0, errors: [:]).summary()
    #expect(summary.serverDevices == nil)
    #expect(summary.meanPowerWatts == 220)
  }

  @Test("a second source for the same device is not counted twice")
  func readingsDeduplicatedByDevice() {
    struct Fixed: ProcessGPUSampler {
      let readings: [ProcessGPUSample]
      func sample(pids: [Int32]) -> [ProcessGPUSample] { readings.filter { pids.contains($0.pid) } }
    }
    let fdinfo = Fixed(readings: [ProcessGPUSample(pid: 7, device: "0000:01:00.0", residentBytes: ["vram": 10])])
    let nvml = Fixed(readings: [
      ProcessGPUSample(pid: 7, device: "0000:01:00.0", residentBytes: ["vram": 12]),
      ProcessGPUSample(pid: 7, device: "0000:02:00.0", residentBytes: ["vram": 5]),
    ])
    let readings = TelemetryRecorder.processReadings([fdinfo, nvml], pid: 7)
    #expect(readings.map(\.device) == ["0000:01:00.0", "0000:02:00.0"])
    #expect(TelemetryPoint(monoNanos: 0, process: nil, devices: [], processGPU: readings).processVRAMBytes == 15)
  }
}

@Suite("Per-process GPU figures that say when they are not measured")
struct ProcessFigureHonestyTests {
  @Test("the server's busiest engine from fdinfo engine time: 250 ms of compute in 1 s is 25 %")
  func engineBusy() {
    func point(_ seconds: UInt64, compute: UInt64, gfx: UInt64) -> TelemetryPoint {
      TelemetryPoint(
        monoNanos: seconds * 1_000_000_000, process: nil, devices: [],
        processGPU: [
          ProcessGPUSample(
            pid: 7, device: "0000:03:00.0", engineBusyNanos: ["compute": compute, "gfx": gfx])
        ])
    }
    let points = [point(10, compute: 0, gfx: 0), point(11, compute: 250_000_000, gfx: 100_000_000)]
    #expect(TelemetrySummary.of(points, baselineVRAM: [:]).processEngineBusyPercent == 25)
    #expect(TelemetrySummary.of(Array(points.prefix(1)), baselineVRAM: [:]).processEngineBusyPercent == nil)
  }

  @Test("an existing process whose fdinfo cannot be listed is reported, once, as not measured")
  func unreadableFDInfo() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-proc-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: root) }
    // pid 77 stands for a root-owned server seen by a non-root strata: its directory is
    // there, its fdinfo cannot be listed. pid 78 is readable.
    try FileManager.default.createDirectory(atPath: "\(root)/77", withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: "\(root)/78/fdinfo", withIntermediateDirectories: true)
    let sampler = DRMFDInfoSampler(procRoot: root)
    let problem = try #require(sampler.problem(pid: 77))
    #expect(problem.hasPrefix("\(root)/77/fdinfo is not readable by strata"))
    #expect(problem.contains("not measured"))
    #expect(sampler.problem(pid: 78) == nil)
    #expect(sampler.problem(pid: 79) == nil, "a process that is gone is not a permission problem")

    let recorder = TelemetryRecorder(
      samplers: [], processSampler: ProcessSampler(procRoot: "/proc"), processGPU: [sampler], rateHz: 100)
    recorder.start()
    recorder.attach(pid: 77)
    Thread.sleep(forTimeInterval: 0.1)
    let run = recorder.stop()
    #expect(run.errors["per-process GPU"] == problem)
  }
}
