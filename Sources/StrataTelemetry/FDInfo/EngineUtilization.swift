/// Engine utilisation in percent from two readings of cumulative DRM fdinfo counters
/// (Documentation/gpu/drm-usage-stats.rst, "drm-engine-", "drm-cycles-", "drm-total-cycles-",
/// "drm-engine-capacity-").
///
/// Rules, per engine:
/// - busy nanoseconds: `Δns × 100 / (elapsed ns × capacity)`;
///   busy cycles: `Δcycles × 100 / (Δtotal-cycles × capacity)`; capacity absent = 1.
/// - A counter lower than before — the kernel allows "non-monotonic" values, or a 64-bit wrap,
///   or a client closing out of a summed process — gives 0 for that interval. The kernel
///   document says to "stay with that larger previous value": keep ``baseline(previous:current:)``
///   as the next interval's previous reading, not the lower current one.
/// - Results are clamped to 0...100: amdgpu sums all rings of an IP type into one engine name
///   without printing a capacity (amdgpu_ctx_mgr_usage), so Δns can exceed the elapsed time.
/// - An engine missing from `previous` counts as 0 ns there (amdgpu prints only non-zero
///   engines); a cycles engine without a previous total-cycles reading, or a zero elapsed
///   time, yields no figure.
public enum EngineUtilization {
  /// Percent busy per engine from busy nanoseconds (`drm-engine-<e>`) over `elapsedNanos`
  /// of monotonic time between the two readings, each engine normalised by its capacity.
  public static func fromBusyNanos(
    previous: [String: UInt64], current: [String: UInt64], elapsedNanos: UInt64, capacity: [String: UInt64] = [:]
  ) -> [String: Double] {
    guard elapsedNanos > 0 else { return [:] }
    var result: [String: Double] = [:]
    for (engine, now) in current {
      let before = previous[engine] ?? 0
      result[engine] = share(busy: now, before: before, over: Double(elapsedNanos), capacity: capacity[engine])
    }
    return result
  }

  /// Percent busy per engine from busy cycles (`drm-cycles-<e>`) over the GPU timestamp
  /// (`drm-total-cycles-<e>`), both in the same cycles, each normalised by its capacity.
  public static func fromCycles(
    previousCycles: [String: UInt64], currentCycles: [String: UInt64], previousTotalCycles: [String: UInt64],
    currentTotalCycles: [String: UInt64], capacity: [String: UInt64] = [:]
  ) -> [String: Double] {
    var result: [String: Double] = [:]
    for (engine, now) in currentCycles {
      guard let totalBefore = previousTotalCycles[engine], let totalNow = currentTotalCycles[engine] else { continue }
      if totalNow < totalBefore {
        result[engine] = 0
        continue
      }
      guard totalNow > totalBefore else { continue }
      let before = previousCycles[engine] ?? 0
      result[engine] = share(
        busy: now, before: before, over: Double(totalNow - totalBefore), capacity: capacity[engine])
    }
    return result
  }

  /// Percent busy per engine for one process on one device: nanosecond engines over
  /// `elapsedNanos`, cycle engines over their GPU timestamps; the capacity is the current one.
  public static func percent(previous: DRMProcessUsage, current: DRMProcessUsage, elapsedNanos: UInt64) -> [String:
    Double]
  {
    let byNanos = fromBusyNanos(
      previous: previous.engineBusyNanos, current: current.engineBusyNanos, elapsedNanos: elapsedNanos,
      capacity: current.engineCapacity)
    let byCycles = fromCycles(
      previousCycles: previous.engineCycles, currentCycles: current.engineCycles,
      previousTotalCycles: previous.engineTotalCycles, currentTotalCycles: current.engineTotalCycles,
      capacity: current.engineCapacity)
    return byNanos.merging(byCycles) { nanos, _ in nanos }
  }

  /// Percent busy per engine from two ``ProcessGPUSample``s (nanosecond engines, capacity 1).
  public static func percent(previous: ProcessGPUSample, current: ProcessGPUSample, elapsedNanos: UInt64) -> [String:
    Double]
  {
    fromBusyNanos(previous: previous.engineBusyNanos, current: current.engineBusyNanos, elapsedNanos: elapsedNanos)
  }

  /// The reading to compare the next one with: per key the larger of `previous` and `current`
  /// ("stay with that larger previous value"). Keys found in only one of them are kept as they are.
  public static func baseline(previous: [String: UInt64], current: [String: UInt64]) -> [String: UInt64] {
    previous.merging(current) { max($0, $1) }
  }

  /// ``current`` with its busy-nanosecond, cycle and total-cycle counters replaced by the
  /// per-engine maximum of both readings, to serve as the next interval's previous reading.
  public static func baseline(previous: DRMProcessUsage, current: DRMProcessUsage) -> DRMProcessUsage {
    var next = current
    next.engineBusyNanos = baseline(previous: previous.engineBusyNanos, current: current.engineBusyNanos)
    next.engineCycles = baseline(previous: previous.engineCycles, current: current.engineCycles)
    next.engineTotalCycles = baseline(previous: previous.engineTotalCycles, current: current.engineTotalCycles)
    return next
  }

  /// `(now − before) × 100 / (span × capacity)` clamped to 0...100; 0 when the counter went back.
  private static func share(busy now: UInt64, before: UInt64, over span: Double, capacity: UInt64?) -> Double {
    guard now >= before else { return 0 }
    let engines = Double(max(capacity ?? 1, 1))
    let percent = Double(now - before) * 100 / (span * engines)
    return min(100, max(0, percent))
  }
}
