import CStrataSys
import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Samples the host at a fixed rate on its own thread, for the whole life of a server.
///
/// Ticks are scheduled on absolute CLOCK_MONOTONIC deadlines (start + k × period),
/// so a slow tick does not shift every later one. `start()` before the server is
/// launched gives the VRAM baseline; `attach(pid:)` adds the server process;
/// `stop()` ends the loop and returns every point. With `processGPU` samplers, the
/// server's own GPU memory is read at each tick too (DRM fdinfo, NVML's process list).
///
/// Points are handed to `sink` in batches while the loop runs, so a long server
/// life is stored as it goes and a crash loses at most one batch. The sink runs
/// on a second thread (`flushThreadName`), never on the sampling thread: a slow
/// database write must not delay a tick, and the sampling thread's cost stays
/// the cost of reading the host. A batch goes when `batchSize` points are
/// waiting or `flushIntervalSeconds` has passed, whichever comes first; `stop()`
/// hands over what is left before it returns, in order, so every point sampled
/// reaches the sink exactly once.
public final class TelemetryRecorder: Sendable {
  public let periodNanos: UInt64
  /// The rates a recorder runs at; others are clamped into this range.
  public static let minRateHz = 0.1
  public static let maxRateHz = 1000.0
  /// The sampling thread's name, as /proc/<pid>/task/<tid>/comm shows it.
  public static let threadName = "strata-sampler"
  /// The thread that calls the sink.
  public static let flushThreadName = "strata-flush"
  private let samplers: [any DeviceSampler]
  private let processSampler: ProcessSampler
  private let processGPU: [any ProcessGPUSampler]
  private let sink: @Sendable ([TelemetryPoint]) -> Void
  private let batchSize: Int
  private let flushIntervalSeconds: Double
  private let state = Mutex(State())
  private let samplingDone = DispatchSemaphore(value: 0)
  /// Signalled when a batch is full and at stop: wakes the flush thread early.
  private let flushWanted = DispatchSemaphore(value: 0)
  private let flushDone = DispatchSemaphore(value: 0)

  private struct State {
    var pid: Int32?
    var running = false
    var stopRequested = false
    var flushStopRequested = false
    var points: [TelemetryPoint] = []
    /// Sampled, not yet handed to the sink.
    var pending: [TelemetryPoint] = []
    var attachedAt: Int?
    var errors: [String: String] = [:]
  }

  public init(
    samplers: [any DeviceSampler], processSampler: ProcessSampler,
    processGPU: [any ProcessGPUSampler] = [], rateHz: Double = 10, batchSize: Int = 50,
    flushIntervalSeconds: Double = 1,
    sink: @escaping @Sendable ([TelemetryPoint]) -> Void = { _ in }
  ) {
    self.samplers = samplers
    self.processSampler = processSampler
    self.processGPU = processGPU
    // Clamped to 0.1…1000 Hz whatever the caller passes: an infinite or NaN rate
    // would make a zero period, and the sampling thread divides by it.
    let rate = rateHz.isNaN ? Self.minRateHz : min(Self.maxRateHz, max(Self.minRateHz, rateHz))
    self.periodNanos = UInt64(1e9 / rate)
    self.batchSize = max(1, batchSize)
    self.flushIntervalSeconds = max(0.01, flushIntervalSeconds)
    self.sink = sink
  }

  /// Starts the sampling and flush threads (idempotent).
  public func start() {
    let begin = state.withLock { state -> Bool in
      guard !state.running, !state.stopRequested else { return false }
      state.running = true
      return true
    }
    guard begin else { return }
    let sampling = Thread { [self] in
      // Named so its CPU time can be found in /proc/self/task (15 characters at most).
      _ = strata_set_thread_name(TelemetryRecorder.threadName)
      loop()
    }
    let flushing = Thread { [self] in
      _ = strata_set_thread_name(TelemetryRecorder.flushThreadName)
      flushLoop()
    }
    flushing.start()
    sampling.start()
  }

  /// From the next tick on, the server process is sampled too.
  public func attach(pid: Int32) {
    state.withLock {
      $0.pid = pid
      $0.attachedAt = $0.points.count
    }
  }

  /// Ends the loop, hands what is pending to the sink and returns every point, in
  /// order. Blocks until the sink has taken the last batch. Safe to call more than once.
  public func stop() -> TelemetryRun {
    let wasRunning = state.withLock { state -> Bool in
      state.stopRequested = true
      return state.running
    }
    if wasRunning {
      // Each wait re-signals, so a second (or concurrent) stop() passes too.
      samplingDone.wait()
      samplingDone.signal()
      // The sampling thread is gone, so `pending` is final: the flush thread takes it and ends.
      state.withLock { $0.flushStopRequested = true }
      flushWanted.signal()
      flushDone.wait()
      flushDone.signal()
    }
    return state.withLock { state in
      TelemetryRun(points: state.points, baselineCount: state.attachedAt ?? state.points.count, errors: state.errors)
    }
  }

  /// The sampling thread: read, append, and nothing slower.
  private func loop() {
    let start = MonotonicTime.nanos()
    var tick: UInt64 = 0
    while !state.withLock({ $0.stopRequested }) {
      let deadline = start + tick * periodNanos
      MonotonicTime.sleep(until: deadline)
      tick += 1
      let point = read(at: MonotonicTime.nanos())
      let full = state.withLock { state -> Bool in
        state.points.append(point)
        state.pending.append(point)
        return state.pending.count == batchSize
      }
      if full { flushWanted.signal() }
      // Skip ticks already missed rather than firing them in a burst.
      let now = MonotonicTime.nanos()
      if now > start + tick * periodNanos { tick = (now - start) / periodNanos + 1 }
    }
    samplingDone.signal()
  }

  /// The flush thread: every interval (or sooner, when a batch is full) it takes
  /// what is pending and hands it to the sink; after stop, it takes the rest and ends.
  private func flushLoop() {
    while true {
      _ = flushWanted.wait(timeout: .now() + flushIntervalSeconds)
      let (batch, stopping) = state.withLock { state -> ([TelemetryPoint], Bool) in
        defer { state.pending.removeAll(keepingCapacity: true) }
        return (state.pending, state.flushStopRequested)
      }
      if !batch.isEmpty { sink(batch) }
      if stopping { break }
    }
    flushDone.signal()
  }

  private func read(at time: UInt64) -> TelemetryPoint {
    let pid = state.withLock { $0.pid }
    var devices: [DeviceSample] = []
    for sampler in samplers {
      do {
        devices += try sampler.sampleDevices()
      } catch {
        // Recorded once per sampler; the run goes on.
        state.withLock { $0.errors[sampler.name] = $0.errors[sampler.name] ?? "\(error)" }
      }
    }
    if let pid {
      for source in processGPU {
        guard let problem = source.problem(pid: pid) else { continue }
        let key = "per-process GPU"
        state.withLock { $0.errors[key] = $0.errors[key] ?? problem }
      }
    }
    return TelemetryPoint(
      monoNanos: time, process: pid.flatMap { processSampler.sample(pid: $0) }, devices: devices,
      processGPU: pid.map { Self.processReadings(processGPU, pid: $0) } ?? [])
  }

  /// Each source's readings of `pid`; a device already seen through an earlier source is
  /// not counted again, so a driver that both writes fdinfo and answers NVML adds once.
  static func processReadings(_ sources: [any ProcessGPUSampler], pid: Int32) -> [ProcessGPUSample] {
    var seen = Set<String>()
    var readings: [ProcessGPUSample] = []
    for source in sources {
      let found = source.sample(pids: [pid]).filter { !seen.contains($0.device) }
      seen.formUnion(found.map(\.device))
      readings += found
    }
    return readings
  }
}

/// What a recorder saw over one server's life.
public struct TelemetryRun: Sendable {
  public var points: [TelemetryPoint]
  /// Points before the server was attached: the baseline.
  public var baselineCount: Int
  /// Sampler name → the first error it raised mid-run.
  public var errors: [String: String]

  public var baselineVRAM: [String: UInt64] {
    TelemetrySummary.baselineVRAM(Array(points.prefix(baselineCount)))
  }

  /// Summary of the points whose time falls in `window` (all attached points when
  /// nil), with the energy per generated token of `generations` (the measured
  /// requests that ran in that window).
  ///
  /// Device figures (VRAM, power, energy, busy, clocks, temperatures) cover the GPUs the
  /// server itself used (``serverDevices``) when a per-process source saw them, so a second
  /// GPU idling beside it adds neither watts nor joules per token.
  public func summary(window: ClosedRange<UInt64>? = nil, generations: [GenerationSpan] = []) -> TelemetrySummary {
    let used = serverDevices
    let series = used.map { Self.restricted(points, to: Set($0)) } ?? points
    let attached = series.dropFirst(baselineCount)
    let selected = window.map { w in attached.filter { w.contains($0.monoNanos) } } ?? Array(attached)
    var summary = TelemetrySummary.of(selected, baselineVRAM: baselineVRAM)
      .withGenerations(
        generations, powerFrom: series, idleWatts: TelemetrySummary.idlePower(Array(series.prefix(baselineCount))))
    summary.serverDevices = used
    return summary
  }

  /// PCI slots of the GPUs the attached server held memory or engine time on, sorted; nil
  /// when no per-process source saw it, or when no device sampler names those devices the
  /// same way (then every device is counted, as before).
  public var serverDevices: [String]? {
    let attached = points.dropFirst(baselineCount)
    let used = Set(
      attached.flatMap(\.processGPU).filter { !$0.residentBytes.isEmpty || !$0.engineBusyNanos.isEmpty }.map(\.device))
    guard !used.isEmpty, points.contains(where: { $0.devices.contains { used.contains($0.device) } }) else {
      return nil
    }
    return used.sorted()
  }

  private static func restricted(_ points: [TelemetryPoint], to devices: Set<String>) -> [TelemetryPoint] {
    points.map { point in
      var point = point
      point.devices = point.devices.filter { devices.contains($0.device) }
      return point
    }
  }

  /// Gaps between consecutive ticks minus the target period, nanoseconds (signed).
  public func intervalErrors(periodNanos: UInt64) -> [Int64] {
    zip(points.dropFirst(), points).map { Int64($0.monoNanos &- $1.monoNanos) - Int64(periodNanos) }
  }
}

/// CLOCK_MONOTONIC, the clock every strata figure uses.
public enum MonotonicTime {
  public static func nanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
  }

  /// Sleeps until an absolute monotonic deadline; returns at once if it has passed.
  static func sleep(until deadline: UInt64) {
    var ts = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
    while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nil) == EINTR {}
  }
}
