import Foundation
import Synchronization
import Testing

@testable import StrataTelemetry

@Suite("Summary figures: means, clocks, energy per generated token")
struct SummaryFigureTests {
  /// Ticks one second apart from t = 10 s, one device, with the given per-tick figures.
  static func series(
    watts: [Double?], vram: [UInt64] = [], rss: [UInt64] = [], core: [Double] = [], memory: [Double] = []
  ) -> [TelemetryPoint] {
    watts.indices.map { i in
      TelemetryPoint(
        monoNanos: UInt64(10 + i) * 1_000_000_000,
        process: i < rss.count ? ProcessSample(pid: 1, rssBytes: rss[i], cpuSeconds: Double(i), threads: 1) : nil,
        devices: [
          DeviceSample(
            device: "gpu0", vramUsedBytes: i < vram.count ? vram[i] : nil, powerWatts: watts[i],
            coreClockMHz: i < core.count ? core[i] : nil, memoryClockMHz: i < memory.count ? memory[i] : nil)
        ])
    }
  }

  @Test("mean VRAM above baseline, mean RSS, peak and mean clocks")
  func means() {
    let vram: [UInt64] = [3_000, 7_000, 5_000]
    let rss: [UInt64] = [100, 201, 300]
    let core = [500.0, 2_500, 2_400]
    let memory = [96.0, 1_250, 1_250]
    let baseline: UInt64 = 1_000
    let s = TelemetrySummary.of(
      Self.series(watts: [10, 20, 30], vram: vram, rss: rss, core: core, memory: memory),
      baselineVRAM: ["gpu0": baseline])
    let above = vram.map { $0 - baseline }
    #expect(s.meanVRAMAboveBaselineBytes == above.reduce(0, +) / UInt64(above.count))
    #expect(s.peakVRAMAboveBaselineBytes == above.max())
    #expect(s.meanRSSBytes == UInt64((Double(rss.reduce(0, +)) / Double(rss.count)).rounded()))
    #expect(s.peakCoreClockMHz == core.max())
    #expect(s.meanCoreClockMHz == core.reduce(0, +) / Double(core.count))
    #expect(s.peakMemoryClockMHz == memory.max())
    #expect(s.meanMemoryClockMHz == memory.reduce(0, +) / Double(memory.count))
    #expect(s.meanPowerWatts == 20)
  }

  @Test("no GPU readings: the new figures stay nil, not zero")
  func nilWithoutDevices() {
    let points = [TelemetryPoint(monoNanos: 0, process: nil, devices: [])]
    let s = TelemetrySummary.of(points, baselineVRAM: [:])
      .withGenerations([GenerationSpan(startNanos: 0, endNanos: 0, generatedTokens: 16)], powerFrom: points)
    #expect(s.meanVRAMAboveBaselineBytes == nil && s.meanRSSBytes == nil && s.meanCoreClockMHz == nil)
    #expect(s.peakMemoryClockMHz == nil)
    #expect(s.generatedTokens == 16)
    #expect(s.generationEnergyJoules == nil && s.joulesPerGeneratedToken == nil, "energy unknown: no J/tok")
  }

  @Test("J/tok: energy over spans that fall on ticks, trapezoids, ÷ their tokens")
  func joulesPerTokenOnTicks() {
    let watts: [Double] = [100, 200, 300, 100, 50]
    let points = Self.series(watts: watts.map { $0 })
    // Spans [11 s, 13 s] and [13 s, 14 s]: 40 and 24 tokens.
    let spans = [
      GenerationSpan(startNanos: 11_000_000_000, endNanos: 13_000_000_000, generatedTokens: 40),
      GenerationSpan(startNanos: 13_000_000_000, endNanos: 14_000_000_000, generatedTokens: 24),
    ]
    let first = (watts[1] + watts[2]) / 2 + (watts[2] + watts[3]) / 2
    let second = (watts[3] + watts[4]) / 2
    let s = TelemetrySummary.of(points, baselineVRAM: [:]).withGenerations(spans, powerFrom: points)
    #expect(s.generatedTokens == 64)
    #expect(s.generationEnergyJoules == first + second)
    #expect(s.joulesPerGeneratedToken == (first + second) / 64)
  }

  @Test("J/tok: a span shorter than a tick gets its share of the interpolated power")
  func joulesPerTokenBetweenTicks() throws {
    let points = Self.series(watts: [100, 200])  // t = 10 s: 100 W, t = 11 s: 200 W
    // 10.25 s → 10.75 s: power rises linearly from 125 W to 175 W.
    let span = GenerationSpan(startNanos: 10_250_000_000, endNanos: 10_750_000_000, generatedTokens: 10)
    let p = { (t: Double) in 100 + 100 * (t - 10) }
    let expected = (p(10.25) + p(10.75)) / 2 * 0.5
    let s = TelemetrySummary.of([], baselineVRAM: [:]).withGenerations([span], powerFrom: points)
    let energy = try #require(s.generationEnergyJoules)
    #expect(abs(energy - expected) < 1e-9)
    #expect(abs((s.joulesPerGeneratedToken ?? 0) - expected / 10) < 1e-9)
  }

  @Test("J/tok is nil when a span lies beyond the power readings or no token was generated")
  func joulesPerTokenUnknown() {
    let points = Self.series(watts: [100, 200])
    let late = GenerationSpan(startNanos: 10_500_000_000, endNanos: 12_000_000_000, generatedTokens: 10)
    let beyond = TelemetrySummary.of(points, baselineVRAM: [:]).withGenerations([late], powerFrom: points)
    #expect(beyond.generationEnergyJoules == nil && beyond.joulesPerGeneratedToken == nil)
    let none = GenerationSpan(startNanos: 10_000_000_000, endNanos: 11_000_000_000, generatedTokens: 0)
    let zero = TelemetrySummary.of(points, baselineVRAM: [:]).withGenerations([none], powerFrom: points)
    #expect(zero.generationEnergyJoules == 150 && zero.joulesPerGeneratedToken == nil)
    let untouched = TelemetrySummary.of(points, baselineVRAM: [:]).withGenerations([], powerFrom: points)
    #expect(untouched.generatedTokens == nil && untouched.joulesPerGeneratedToken == nil)
  }

  @Test("a cell's window summary takes power from the whole series, so edge ticks outside it still count")
  func windowUsesWholeSeries() {
    let watts: [Double] = [100, 100, 300, 300]
    let points = Self.series(watts: watts.map { $0 })
    let run = TelemetryRun(points: points, baselineCount: 0, errors: [:])
    // The window holds only the tick at 12 s; the span 11.5 s → 12.5 s needs 11 s and 13 s too.
    let span = GenerationSpan(startNanos: 11_500_000_000, endNanos: 12_500_000_000, generatedTokens: 5)
    let s = run.summary(window: 11_400_000_000...12_600_000_000, generations: [span])
    // 11.5 → 12: 200 W to 300 W; 12 → 12.5: 300 W flat.
    let expected = (200.0 + 300) / 2 * 0.5 + 300 * 0.5
    #expect(s.samples == 1)
    #expect(s.generationEnergyJoules == expected)
    #expect(s.joulesPerGeneratedToken == expected / 5)
  }

  @Test("idle power: the mean of the ticks before launch; net J/tok takes it off over the spans' time")
  func idlePowerSubtracted() throws {
    // Two baseline ticks at 30 and 34 W, then the server: 130 W flat from 12 s to 15 s.
    let points = Self.series(watts: [30, 34, 130, 130, 130, 130])
    let run = TelemetryRun(points: points, baselineCount: 2, errors: [:])
    let span = GenerationSpan(startNanos: 12_000_000_000, endNanos: 14_000_000_000, generatedTokens: 50)
    let s = run.summary(generations: [span])
    #expect(s.idlePowerWatts == 32)
    #expect(s.meanPowerWatts == 130, "the attached ticks only")
    #expect(s.joulesPerGeneratedToken == 130.0 * 2 / 50)
    let net = try #require(s.netJoulesPerGeneratedToken)
    #expect(abs(net - (130.0 - 32) * 2 / 50) < 1e-12)
    // A window without generations still says what the device drew idle.
    #expect(run.summary(window: 14_000_000_000...15_000_000_000).idlePowerWatts == 32)
  }

  @Test("net J/tok never goes below zero, and is nil without an idle reading")
  func netEnergyBounds() {
    let points = Self.series(watts: [200, 100, 100])
    let span = GenerationSpan(startNanos: 11_000_000_000, endNanos: 12_000_000_000, generatedTokens: 10)
    let high = TelemetryRun(points: points, baselineCount: 1, errors: [:]).summary(generations: [span])
    #expect(high.idlePowerWatts == 200 && high.netJoulesPerGeneratedToken == 0)
    let unread = TelemetryRun(points: Self.series(watts: [nil, 100, 100]), baselineCount: 1, errors: [:])
      .summary(generations: [span])
    #expect(unread.idlePowerWatts == nil && unread.netJoulesPerGeneratedToken == nil)
    #expect(unread.joulesPerGeneratedToken == 10)
  }

  @Test("summaries stored before these figures decode, with the new ones nil")
  func decodesOldJSON() throws {
    let old = #"{"samples":3,"peakRSSBytes":500,"meanPowerWatts":20,"energyJoules":40}"#
    let s = try JSONDecoder().decode(TelemetrySummary.self, from: Data(old.utf8))
    #expect(s.samples == 3 && s.meanRSSBytes == nil && s.joulesPerGeneratedToken == nil)
  }
}

@Suite("Batched hand-over of samples while the loop runs")
struct RecorderFlushTests {
  /// The name of the thread running the caller, from /proc.
  static func threadName() -> String {
    ((try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? "")
      .trimmingCharacters(in: .whitespacesAndNewlines)
  }

  @Test("batches reach the sink before stop, on the flush thread; stop hands over the rest, each point once")
  func flushesWhileRunning() async throws {
    let received = Mutex<[UInt64]>([])
    let threads = Mutex<Set<String>>([])
    let recorder = TelemetryRecorder(
      samplers: [], processSampler: ProcessSampler(procRoot: "/proc"), rateHz: 50, batchSize: 1_000,
      flushIntervalSeconds: 0.1
    ) {
      batch in
      threads.withLock { _ = $0.insert(RecorderFlushTests.threadName()) }
      received.withLock { $0 += batch.map(\.monoNanos) }
    }
    recorder.start()
    recorder.attach(pid: getpid())
    var before = 0
    for _ in 0..<40 where before == 0 {
      try await Task.sleep(nanoseconds: 50_000_000)
      before = received.withLock { $0.count }
    }
    #expect(before > 0, "a batch arrived by time, not size, while the loop ran")
    let run = recorder.stop()
    #expect(received.withLock { $0 } == run.points.map(\.monoNanos))
    #expect(threads.withLock { $0 } == [TelemetryRecorder.flushThreadName])
    // A second stop hands over nothing more.
    _ = recorder.stop()
    #expect(received.withLock { $0.count } == run.points.count)
  }

  @Test("a full batch goes before the interval is up")
  func fullBatchGoesEarly() async throws {
    let batches = Mutex<[Int]>([])
    let recorder = TelemetryRecorder(
      samplers: [], processSampler: ProcessSampler(procRoot: "/proc"), rateHz: 100, batchSize: 5,
      flushIntervalSeconds: 60
    ) { batch in
      batches.withLock { $0.append(batch.count) }
    }
    recorder.start()
    try await Task.sleep(nanoseconds: 300_000_000)
    let during = batches.withLock { $0 }
    let run = recorder.stop()
    #expect(!during.isEmpty)
    #expect(batches.withLock { $0.reduce(0, +) } == run.points.count)
  }

  @Test("a sink slower than a tick does not delay the ticks")
  func slowSinkKeepsSchedule() async throws {
    let recorder = TelemetryRecorder(
      samplers: [], processSampler: ProcessSampler(procRoot: "/proc"), rateHz: 50, batchSize: 1,
      flushIntervalSeconds: 0.01
    ) { _ in
      Thread.sleep(forTimeInterval: 0.2)
    }
    recorder.start()
    try await Task.sleep(nanoseconds: 500_000_000)
    let run = recorder.stop()
    #expect(run.points.count >= 20)  // 0.5 s at 50 Hz ≈ 25 ticks, though the sink took 0.2 s per point
    let gaps = run.intervalErrors(periodNanos: recorder.periodNanos)
    #expect(gaps.filter { abs($0) < 15_000_000 }.count >= gaps.count * 8 / 10)
  }
}
