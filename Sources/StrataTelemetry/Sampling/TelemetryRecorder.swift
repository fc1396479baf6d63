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
/// `stop()` ends the loop and returns every point. With `fdinfo`, the server's own
/// GPU memory is read from DRM fdinfo at each tick too. Points are also handed to
/// `sink` in batches, so a long server life is stored as it goes.
public final class TelemetryRecorder: Sendable {
  public let periodNanos: UInt64
  /// The sampling thread's name, as /proc/<pid>/task/<tid>/comm shows it.
  public static let threadName = "strata-sampler"
  private let samplers: [any DeviceSampler]
  private let processSampler: ProcessSampler
  private let fdinfo: DRMFDInfoSampler?
  private let sink: @Sendable ([TelemetryPoint]) -> Void
  private let batchSize: Int
  private let state = Mutex(State())
  private let done = DispatchSemaphore(value: 0)

  private struct State {
    var pid: Int32?
    var running = false
    var stopRequested = false
    var points: [TelemetryPoint] = []
    var pending: [TelemetryPoint] = []
    var attachedAt: Int?
    var errors: [String: String] = [:]
  }

  public init(
    samplers: [any DeviceSampler], processSampler: ProcessSampler = ProcessSampler(),
    fdinfo: DRMFDInfoSampler? = nil, rateHz: Double = 10, batchSize: Int = 50,
    sink: @escaping @Sendable ([TelemetryPoint]) -> Void = { _ in }
  ) {
    self.samplers = samplers
    self.processSampler = processSampler
    self.fdinfo = fdinfo
    self.periodNanos = UInt64(1e9 / max(0.1, rateHz))
    self.batchSize = max(1, batchSize)
    self.sink = sink
  }

  /// Starts the loop (idempotent).
  public func start() {
    let begin = state.withLock { state -> Bool in
      guard !state.running else { return false }
      state.running = true
      return true
    }
    guard begin else { return }
    let thread = Thread { [self] in
      // Named so its CPU time can be found in /proc/self/task (15 characters at most).
      _ = strata_set_thread_name(TelemetryRecorder.threadName)
      loop()
    }
    thread.start()
  }

  /// From the next tick on, the server process is sampled too.
  public func attach(pid: Int32) {
    state.withLock {
      $0.pid = pid
      $0.attachedAt = $0.points.count
    }
  }

  /// Ends the loop, flushes what is pending and returns every point, in order.
  /// Safe to call more than once.
  public func stop() -> TelemetryRun {
    let wasRunning = state.withLock { state -> Bool in
      state.stopRequested = true
      return state.running
    }
    if wasRunning { done.wait() }
    let (points, pending, attachedAt, errors) = state.withLock { state in
      defer { state.pending.removeAll() }
      return (state.points, state.pending, state.attachedAt, state.errors)
    }
    if !pending.isEmpty { sink(pending) }
    return TelemetryRun(points: points, baselineCount: attachedAt ?? points.count, errors: errors)
  }

  private func loop() {
    let start = MonotonicTime.nanos()
    var tick: UInt64 = 0
    while !state.withLock({ $0.stopRequested }) {
      let deadline = start + tick * periodNanos
      MonotonicTime.sleep(until: deadline)
      tick += 1
      let point = read(at: MonotonicTime.nanos())
      let batch = state.withLock { state -> [TelemetryPoint]? in
        state.points.append(point)
        state.pending.append(point)
        guard state.pending.count >= batchSize else { return nil }
        defer { state.pending.removeAll(keepingCapacity: true) }
        return state.pending
      }
      if let batch { sink(batch) }
      // Skip ticks already missed rather than firing them in a burst.
      let now = MonotonicTime.nanos()
      if now > start + tick * periodNanos { tick = (now - start) / periodNanos + 1 }
    }
    state.withLock { $0.running = false }
    done.signal()
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
    return TelemetryPoint(
      monoNanos: time, process: pid.flatMap { processSampler.sample(pid: $0) }, devices: devices,
      processGPU: pid.map { fdinfo?.sample(pids: [$0]) ?? [] } ?? [])
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

  /// Summary of the points whose time falls in `window` (all attached points when nil).
  public func summary(window: ClosedRange<UInt64>? = nil) -> TelemetrySummary {
    let attached = points.dropFirst(baselineCount)
    let selected = window.map { w in attached.filter { w.contains($0.monoNanos) } } ?? Array(attached)
    return TelemetrySummary.of(selected, baselineVRAM: baselineVRAM)
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
