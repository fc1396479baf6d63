/// Everything read at one tick of the sampling loop.
public struct TelemetryPoint: Sendable, Hashable, Codable {
  /// CLOCK_MONOTONIC nanoseconds at the start of the tick.
  public var monoNanos: UInt64
  /// The server process, once attached (nil for the baseline before launch).
  public var process: ProcessSample?
  public var devices: [DeviceSample]
  /// What the server process holds on each GPU, from DRM fdinfo (empty where the driver writes none).
  public var processGPU: [ProcessGPUSample]

  public init(
    monoNanos: UInt64, process: ProcessSample?, devices: [DeviceSample], processGPU: [ProcessGPUSample] = []
  ) {
    self.monoNanos = monoNanos
    self.process = process
    self.devices = devices
    self.processGPU = processGPU
  }

  /// Device-local memory the process holds, summed over GPUs: fdinfo regions named
  /// "vram…" (amdgpu, xe) or "local…" (i915).
  public var processVRAMBytes: UInt64? {
    let regions = processGPU.flatMap {
      $0.residentBytes.filter { $0.key.hasPrefix("vram") || $0.key.hasPrefix("local") }
    }
    return regions.isEmpty ? nil : regions.reduce(0) { $0 + $1.value }
  }
}

/// Aggregates of a stretch of samples: a server's life or one cell's window.
public struct TelemetrySummary: Sendable, Hashable, Codable {
  public var samples: Int
  public var peakRSSBytes: UInt64?
  /// Max over the window of device VRAM used minus the baseline before launch, summed over devices.
  public var peakVRAMAboveBaselineBytes: UInt64?
  public var meanPowerWatts: Double?
  public var peakPowerWatts: Double?
  /// ∫ power dt over the window (trapezoids), joules, summed over devices.
  public var energyJoules: Double?
  public var meanBusyPercent: Double?
  public var maxTemperatureCelsius: Double?
  /// CPU seconds the server used in the window.
  public var cpuSeconds: Double?
  /// Peak device memory the server process itself held (DRM fdinfo), bytes.
  public var peakProcessVRAMBytes: UInt64? = nil

  /// Summarises `points` (in time order) against per-device baseline VRAM.
  public static func of(_ points: [TelemetryPoint], baselineVRAM: [String: UInt64]) -> TelemetrySummary {
    let rss = points.compactMap { $0.process?.rssBytes }
    let cpu = points.compactMap { $0.process?.cpuSeconds }
    var peakVRAM: UInt64?
    for point in points {
      let above = point.devices.compactMap { device -> UInt64? in
        guard let used = device.vramUsedBytes else { return nil }
        let base = baselineVRAM[device.device] ?? 0
        return used > base ? used - base : 0
      }
      if !above.isEmpty { peakVRAM = max(peakVRAM ?? 0, above.reduce(0, +)) }
    }
    let power = points.map { point in point.devices.compactMap(\.powerWatts) }
    let totals = power.map { $0.isEmpty ? nil : $0.reduce(0, +) }
    let knownTotals = totals.compactMap { $0 }
    var energy: Double?
    for index in points.indices.dropFirst() {
      guard let previous = totals[index - 1], let current = totals[index] else { continue }
      let seconds = Double(points[index].monoNanos &- points[index - 1].monoNanos) / 1e9
      energy = (energy ?? 0) + (previous + current) / 2 * seconds
    }
    let busy = points.flatMap { $0.devices.compactMap(\.busyPercent) }
    let temperatures = points.flatMap { $0.devices.flatMap { $0.temperaturesCelsius.values } }
    return TelemetrySummary(
      samples: points.count, peakRSSBytes: rss.max(), peakVRAMAboveBaselineBytes: peakVRAM,
      meanPowerWatts: knownTotals.isEmpty ? nil : knownTotals.reduce(0, +) / Double(knownTotals.count),
      peakPowerWatts: knownTotals.max(), energyJoules: energy,
      meanBusyPercent: busy.isEmpty ? nil : busy.reduce(0, +) / Double(busy.count),
      maxTemperatureCelsius: temperatures.max(),
      cpuSeconds: cpu.count >= 2 ? (cpu.last ?? 0) - (cpu.first ?? 0) : nil,
      peakProcessVRAMBytes: points.compactMap(\.processVRAMBytes).max())
  }

  /// Baseline VRAM per device: the minimum seen in the given (pre-launch) points.
  public static func baselineVRAM(_ points: [TelemetryPoint]) -> [String: UInt64] {
    var result: [String: UInt64] = [:]
    for device in points.flatMap(\.devices) {
      guard let used = device.vramUsedBytes else { continue }
      result[device.device] = min(result[device.device] ?? used, used)
    }
    return result
  }
}
