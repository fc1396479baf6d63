import Foundation
import Synchronization
import Testing

@testable import StrataTelemetry

@Suite("Process sampling from /proc")
struct ProcessSamplerTests {
  /// A stat line of a real llama-server (Debian 12, kernel 6.1), with its command
  /// name changed to one holding spaces and parentheses, which must not shift fields.
  static let stat =
    "4242 (llama server (x)) S 4200 4242 4200 0 -1 4194560 52110 0 3 0 1250 310 0 0 20 0 5 0 81234 "
    + "1147604992 23456 18446744073709551615 1 1 0 0 0 0 0 4096 17642 0 0 0 17 1 0 0 0 0 0"

  @Test("fields are counted from the last parenthesis: utime 1250 + stime 310 ticks, 5 threads, rss 23456 pages")
  func parsesStat() throws {
    let sample = try #require(ProcessSampler.parse(stat: Self.stat, pid: 4242, pageSize: 4096, ticksPerSecond: 100))
    #expect(sample.cpuSeconds == 15.6)  // (1250 + 310) / 100
    #expect(sample.threads == 5)
    #expect(sample.rssBytes == 23_456 * 4096)
  }

  @Test("truncated or junk stat lines give nil")
  func junk() {
    #expect(ProcessSampler.parse(stat: "4242 (x) S 1 2", pid: 1, pageSize: 4096, ticksPerSecond: 100) == nil)
    #expect(ProcessSampler.parse(stat: "", pid: 1, pageSize: 4096, ticksPerSecond: 100) == nil)
  }

  @Test("huge fields give nil instead of trapping (found by scripts/fuzz)")
  func overflow() {
    func line(utime: String = "5", threads: String = "3", rss: String = "10") -> String {
      // Fields 3…24 after the command: state, then 21 numbers.
      var fields = ["S"] + Array(repeating: "0", count: 21)
      fields[14 - 3] = utime
      fields[20 - 3] = threads
      fields[24 - 3] = rss
      return "1 (x) " + fields.joined(separator: " ")
    }
    let max = String(UInt64.max)
    #expect(ProcessSampler.parse(stat: line(), pid: 1, pageSize: 4096, ticksPerSecond: 100)?.rssBytes == 40_960)
    #expect(ProcessSampler.parse(stat: line(rss: max), pid: 1, pageSize: 4096, ticksPerSecond: 100) == nil)
    #expect(ProcessSampler.parse(stat: line(threads: max), pid: 1, pageSize: 4096, ticksPerSecond: 100) == nil)
    let cpu = ProcessSampler.parse(stat: line(utime: max), pid: 1, pageSize: 4096, ticksPerSecond: 100)?.cpuSeconds
    #expect(cpu.map { $0 > 1e17 } == true)
  }

  @Test("samples this very process for real, and nothing for a pid that does not exist")
  func real() throws {
    let sampler = ProcessSampler(procRoot: "/proc")
    let me = try #require(sampler.sample(pid: getpid()))
    #expect(me.rssBytes > 1_000_000)
    #expect(me.threads >= 1)
    #expect(sampler.sample(pid: 999_999_999) == nil)
  }
}

/// A device sampler stand-in that replays recorded readings, one per call.
final class ReplaySampler: DeviceSampler, @unchecked Sendable {
  // Mutated only under `lock`.
  private var readings: [[DeviceSample]]
  private let lock = NSLock()
  let name = "replay"
  init(_ readings: [[DeviceSample]]) { self.readings = readings }
  func status() -> SamplerStatus { SamplerStatus(sampler: name, available: true) }
  func sampleDevices() throws -> [DeviceSample] {
    lock.lock()
    defer { lock.unlock() }
    guard !readings.isEmpty else { throw SamplerError(sampler: name, message: "recording ended") }
    return readings.removeFirst()
  }
}

@Suite("Summaries of a sample series")
struct TelemetrySummaryTests {
  static func point(_ seconds: Double, vram: UInt64, watts: Double, busy: Double, temp: Double, rss: UInt64?)
    -> TelemetryPoint
  {
    TelemetryPoint(
      monoNanos: UInt64(seconds * 1e9),
      process: rss.map { ProcessSample(pid: 1, rssBytes: $0, cpuSeconds: seconds, threads: 4) },
      devices: [
        DeviceSample(
          device: "0000:03:00.0", vramUsedBytes: vram, busyPercent: busy, powerWatts: watts,
          temperaturesCelsius: ["edge": temp])
      ])
  }

  @Test("peak VRAM above baseline, energy by trapezoids, means and maxima")
  func summary() {
    let points = [
      Self.point(0, vram: 1_000, watts: 20, busy: 0, temp: 40, rss: nil),  // baseline
      Self.point(1, vram: 5_000, watts: 100, busy: 50, temp: 60, rss: 300),
      Self.point(2, vram: 9_000, watts: 200, busy: 100, temp: 75, rss: 500),
      Self.point(3, vram: 4_000, watts: 100, busy: 30, temp: 70, rss: 400),
    ]
    let run = TelemetryRun(points: points, baselineCount: 1, errors: [:])
    #expect(run.baselineVRAM == ["0000:03:00.0": 1_000])
    let s = run.summary()
    #expect(s.samples == 3)
    #expect(s.peakVRAMAboveBaselineBytes == 8_000)  // 9000 − 1000
    #expect(s.peakRSSBytes == 500)
    #expect(s.energyJoules == 300)  // (100+200)/2·1 + (200+100)/2·1
    #expect(s.meanPowerWatts == 400.0 / 3)
    #expect(s.peakPowerWatts == 200)
    #expect(s.meanBusyPercent == 60)
    #expect(s.maxTemperatureCelsius == 75)
    #expect(s.cpuSeconds == 2)  // 3 − 1
    let window = run.summary(window: 1_500_000_000...3_000_000_000)
    #expect(window.samples == 2 && window.peakVRAMAboveBaselineBytes == 8_000 && window.energyJoules == 150)
  }

  @Test("no devices: VRAM and power stay nil rather than zero")
  func noDevices() {
    let points = [
      TelemetryPoint(monoNanos: 0, process: ProcessSample(pid: 1, rssBytes: 7, cpuSeconds: 0, threads: 1), devices: [])
    ]
    let s = TelemetrySummary.of(points, baselineVRAM: [:])
    #expect(s.peakRSSBytes == 7 && s.peakVRAMAboveBaselineBytes == nil && s.energyJoules == nil)
  }
}

@Suite("The sampling loop")
struct TelemetryRecorderTests {
  @Test("a rate outside 0.1…1000 Hz, infinite or NaN is clamped: the period is never zero")
  func rateIsClamped() {
    #expect(
      TelemetryRecorder(samplers: [], processSampler: ProcessSampler(procRoot: "/proc"), rateHz: .infinity).periodNanos
        == 1_000_000)
    #expect(
      TelemetryRecorder(samplers: [], processSampler: ProcessSampler(procRoot: "/proc"), rateHz: .nan).periodNanos
        == 10_000_000_000)
    #expect(
      TelemetryRecorder(samplers: [], processSampler: ProcessSampler(procRoot: "/proc"), rateHz: 1e9).periodNanos
        == 1_000_000)
    #expect(
      TelemetryRecorder(samplers: [], processSampler: ProcessSampler(procRoot: "/proc"), rateHz: -3).periodNanos
        == 10_000_000_000)
    #expect(
      TelemetryRecorder(samplers: [], processSampler: ProcessSampler(procRoot: "/proc"), rateHz: 10).periodNanos
        == 100_000_000)
  }

  @Test("ticks on schedule, takes a baseline before attach, hands batches to the sink, records sampler errors")
  func loop() async throws {
    let device = DeviceSample(device: "d", vramUsedBytes: 10, powerWatts: 5)
    let replay = ReplaySampler(Array(repeating: [device], count: 3))
    let received = Mutex<Int>(0)
    let recorder = TelemetryRecorder(
      samplers: [replay], processSampler: ProcessSampler(procRoot: "/proc"), rateHz: 50, batchSize: 4
    ) { batch in
      received.withLock { $0 += batch.count }
    }
    recorder.start()
    try await Task.sleep(nanoseconds: 100_000_000)
    recorder.attach(pid: getpid())
    try await Task.sleep(nanoseconds: 300_000_000)
    let run = recorder.stop()
    #expect(run.points.count >= 15)  // 0.4 s at 50 Hz ≈ 20 ticks
    #expect(run.baselineCount >= 3 && run.baselineCount < run.points.count)
    #expect(run.points.prefix(run.baselineCount).allSatisfy { $0.process == nil })
    #expect(run.points.dropFirst(run.baselineCount + 1).allSatisfy { $0.process?.pid == getpid() })
    #expect(received.withLock { $0 } == run.points.count)
    // The replay runs dry after its recording: the error is kept, the loop went on.
    #expect(run.errors["replay"] == "replay: recording ended")
    let gaps = run.intervalErrors(periodNanos: recorder.periodNanos)
    #expect(gaps.filter { abs($0) < 15_000_000 }.count >= gaps.count * 8 / 10)
  }
}

@Suite("Per-process GPU memory in the sampling loop")
struct RecorderFDInfoTests {
  @Test("the recorder reads the attached process's DRM fdinfo (recorded amdgpu llama-server, a stand-in)")
  func fdinfoPeak() async throws {
    let proc = Bundle.module.bundleURL.appendingPathComponent("Fixtures/amd-7900xtx/proc").path
    let recorder = TelemetryRecorder(
      samplers: [], processSampler: ProcessSampler(procRoot: proc), processGPU: [DRMFDInfoSampler(procRoot: proc)],
      rateHz: 50)
    recorder.start()
    recorder.attach(pid: 4242)
    try await Task.sleep(nanoseconds: 150_000_000)
    let run = recorder.stop()
    // Fixture fds 5 and 6 share drm-client-id 17 (5302 MiB resident VRAM, counted once);
    // fd 7 is client 18 with 2 MiB: 5304 MiB in all.
    #expect(run.summary().peakProcessVRAMBytes == 5_304 * 1_048_576)
    #expect(run.points.last?.processGPU.first?.device == "0000:03:00.0")
  }
}
