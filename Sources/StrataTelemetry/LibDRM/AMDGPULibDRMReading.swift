#if canImport(Glibc)
  import Glibc
#endif

/// One reading of one amdgpu device through libdrm_amdgpu: the shared ``DeviceSample`` plus
/// what it has no field for.
public struct AMDGPULibDRMReading: Sendable, Hashable, Codable {
  /// The device-wide figures; `device` is the PCI slot, as the sysfs sampler reports it.
  public var sample: DeviceSample
  /// The render node the device was read through, e.g. "/dev/dri/renderD128".
  public var node: String
  /// `AMDGPU_INFO_VIS_VRAM_USAGE`: bytes of CPU-visible VRAM in use.
  public var visibleVRAMUsedBytes: UInt64?
  /// The CPU-visible VRAM heap's size from `AMDGPU_INFO_MEMORY` (all of VRAM with resizable BAR).
  public var visibleVRAMTotalBytes: UInt64?
  /// Which sensor the power figure came from: "average" or "input", nil when neither answered.
  public var powerSource: String?

  /// A reading with its extras.
  public init(
    sample: DeviceSample, node: String, visibleVRAMUsedBytes: UInt64? = nil, visibleVRAMTotalBytes: UInt64? = nil,
    powerSource: String? = nil
  ) {
    self.sample = sample
    self.node = node
    self.visibleVRAMUsedBytes = visibleVRAMUsedBytes
    self.visibleVRAMTotalBytes = visibleVRAMTotalBytes
    self.powerSource = powerSource
  }
}

/// Turns the answers of an ``AMDGPUQueryDevice`` into an ``AMDGPULibDRMReading``.
///
/// A query the device refuses leaves its field nil (a sensor the product lacks answers
/// `EINVAL`; every sensor answers `ENOENT` while power management is down). Only `ENODEV` —
/// the device is gone — fails the whole reading.
enum AMDGPULibDRMReadout {
  static func reading(of device: any AMDGPUQueryDevice, sampler: String) throws(SamplerError) -> AMDGPULibDRMReading {
    var gone = false
    func answer<T>(_ query: () throws(AMDGPUQueryFailure) -> T) -> T? {
      do { return try query() } catch {
        if error.errno == ENODEV { gone = true }
        return nil
      }
    }
    let heaps = answer { () throws(AMDGPUQueryFailure) in try device.memory() }
    var sample = DeviceSample(device: device.pciSlot)
    // The usage queries and the heaps' `heap_usage` read the same counters; the usage queries
    // come first because they exist on every kernel the sampler can meet.
    sample.vramUsedBytes =
      answer { () throws(AMDGPUQueryFailure) in try device.usageBytes(.vram) } ?? heaps?.vram.usedBytes
    sample.vramTotalBytes = heaps?.vram.totalBytes
    sample.gttUsedBytes =
      answer { () throws(AMDGPUQueryFailure) in try device.usageBytes(.gtt) } ?? heaps?.gtt.usedBytes
    sample.gttTotalBytes = heaps?.gtt.totalBytes
    let visibleUsed =
      answer { () throws(AMDGPUQueryFailure) in try device.usageBytes(.visibleVRAM) } ?? heaps?.visibleVRAM.usedBytes
    func sensor(_ kind: AMDGPUSensor) -> Double? {
      answer { () throws(AMDGPUQueryFailure) in try device.sensor(kind) }.map(Double.init)
    }
    sample.coreClockMHz = sensor(.graphicsClockMHz)
    sample.memoryClockMHz = sensor(.memoryClockMHz)
    sample.busyPercent = sensor(.loadPercent)
    if let millidegrees = sensor(.temperatureMillidegrees) {
      sample.temperaturesCelsius["edge"] = millidegrees / 1000
    }
    var powerSource: String?
    if let watts = sensor(.averagePowerWatts) {
      (sample.powerWatts, powerSource) = (watts, "average")
    } else if let watts = sensor(.inputPowerWatts) {
      (sample.powerWatts, powerSource) = (watts, "input")
    }
    if gone {
      throw SamplerError(
        sampler: sampler, message: "\(device.pciSlot) (\(device.node)) is gone: the driver answers ENODEV")
    }
    return AMDGPULibDRMReading(
      sample: sample, node: device.node, visibleVRAMUsedBytes: visibleUsed,
      visibleVRAMTotalBytes: heaps?.visibleVRAM.totalBytes, powerSource: powerSource)
  }
}
