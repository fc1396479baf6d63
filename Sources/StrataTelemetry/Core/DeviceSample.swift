/// One reading of one GPU, as far as a sampler can see it. Every figure is
/// optional: a sampler fills what its source exposes and leaves the rest nil.
public struct DeviceSample: Sendable, Hashable, Codable {
  /// Stable identity of the device across samples and samplers:
  /// the PCI slot ("0000:03:00.0") where known, else the sampler's own name ("nvml:0").
  public var device: String
  public var vramUsedBytes: UInt64?
  public var vramTotalBytes: UInt64?
  public var gttUsedBytes: UInt64?
  public var gttTotalBytes: UInt64?
  /// 0...100, as the driver reports it.
  public var busyPercent: Double?
  public var memoryBusyPercent: Double?
  public var powerWatts: Double?
  /// Label → degrees Celsius, e.g. "edge", "junction", "mem" (amdgpu), "gpu" (NVML).
  public var temperaturesCelsius: [String: Double]
  public var fanRPM: Double?
  public var coreClockMHz: Double?
  public var memoryClockMHz: Double?
  /// True when `powerWatts` is the whole SoC's, CPU cores included: amdgpu's `power1_*` on
  /// an APU. Such watts and the joules per token made from them are not the GPU's alone.
  public var powerIncludesCPU: Bool? = nil

  public init(
    device: String, vramUsedBytes: UInt64? = nil, vramTotalBytes: UInt64? = nil, gttUsedBytes: UInt64? = nil,
    gttTotalBytes: UInt64? = nil, busyPercent: Double? = nil, memoryBusyPercent: Double? = nil,
    powerWatts: Double? = nil, temperaturesCelsius: [String: Double] = [:], fanRPM: Double? = nil,
    coreClockMHz: Double? = nil, memoryClockMHz: Double? = nil
  ) {
    self.device = device
    self.vramUsedBytes = vramUsedBytes
    self.vramTotalBytes = vramTotalBytes
    self.gttUsedBytes = gttUsedBytes
    self.gttTotalBytes = gttTotalBytes
    self.busyPercent = busyPercent
    self.memoryBusyPercent = memoryBusyPercent
    self.powerWatts = powerWatts
    self.temperaturesCelsius = temperaturesCelsius
    self.fanRPM = fanRPM
    self.coreClockMHz = coreClockMHz
    self.memoryClockMHz = memoryClockMHz
  }
}

/// What one process holds on one GPU at one moment.
public struct ProcessGPUSample: Sendable, Hashable, Codable {
  public var pid: Int32
  public var device: String
  /// Memory region ("vram", "gtt", "system", "vram0", …) → bytes resident.
  public var residentBytes: [String: UInt64]
  /// Engine ("gfx", "compute", "render", …) → cumulative busy nanoseconds.
  public var engineBusyNanos: [String: UInt64]

  public init(
    pid: Int32, device: String, residentBytes: [String: UInt64] = [:], engineBusyNanos: [String: UInt64] = [:]
  ) {
    self.pid = pid
    self.device = device
    self.residentBytes = residentBytes
    self.engineBusyNanos = engineBusyNanos
  }
}

/// A source of what given processes hold on the GPUs: DRM fdinfo (amdgpu, i915, xe) or
/// NVML's compute-process list (NVIDIA, whose driver writes no DRM usage stats).
public protocol ProcessGPUSampler: Sendable {
  /// Per (pid, device) readings of the processes in `pids` that hold GPU resources; never throws.
  func sample(pids: [Int32]) -> [ProcessGPUSample]
  /// Why `pid` cannot be read by this source at all, when that is so (said once per server).
  func problem(pid: Int32) -> String?
}

extension ProcessGPUSampler {
  public func problem(pid: Int32) -> String? { nil }
}

/// Whether a sampler works on this host, and if not, why — said once, then the run goes on.
public struct SamplerStatus: Sendable, Hashable, Codable {
  public var sampler: String
  public var available: Bool
  /// What is missing and what to do, when unavailable.
  public var reason: String?

  public init(sampler: String, available: Bool, reason: String? = nil) {
    self.sampler = sampler
    self.available = available
    self.reason = reason
  }
}

/// A source of device-wide GPU readings (amdgpu sysfs, NVML, libdrm, …).
///
/// Implementations take their filesystem root (`/sys`, `/proc`, `/dev`) or
/// library path as a parameter so tests can point them at recorded trees.
public protocol DeviceSampler: Sendable {
  /// Short name used in `strata probe` and in the database, e.g. "amdgpu-sysfs".
  var name: String { get }
  /// Checked once before a run.
  func status() -> SamplerStatus
  /// One reading of every device this sampler sees.
  func sampleDevices() throws -> [DeviceSample]
}

/// A failure while reading a source mid-run: recorded, never fatal.
public struct SamplerError: Error, Sendable, Hashable, CustomStringConvertible {
  public var sampler: String
  public var message: String
  public init(sampler: String, message: String) {
    self.sampler = sampler
    self.message = message
  }
  public var description: String { "\(sampler): \(message)" }
}
