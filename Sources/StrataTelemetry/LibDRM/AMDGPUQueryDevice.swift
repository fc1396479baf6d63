import CDRM

/// The amdgpu info-ioctl queries the libdrm sampler makes of one device.
///
/// The real conformer, ``LibDRMAMDGPUDevice``, calls libdrm_amdgpu; tests use a stand-in with
/// recorded answers, so that turning answers into a ``DeviceSample`` is checked without a GPU.
/// Answers are in the units the kernel returns them (drivers/gpu/drm/amd/amdgpu/amdgpu_kms.c,
/// `amdgpu_info_ioctl`); ``AMDGPULibDRMReadout`` converts.
protocol AMDGPUQueryDevice: Sendable {
  /// PCI slot, "0000:03:00.0" — the same identity the sysfs sampler uses.
  var pciSlot: String { get }
  /// The render node the device was opened through, e.g. "/dev/dri/renderD128".
  var node: String { get }
  /// A `u64` byte count: `AMDGPU_INFO_VRAM_USAGE`, `AMDGPU_INFO_VIS_VRAM_USAGE`, `AMDGPU_INFO_GTT_USAGE`.
  func usageBytes(_ query: AMDGPUUsageQuery) throws(AMDGPUQueryFailure) -> UInt64
  /// `AMDGPU_INFO_MEMORY`: total and used bytes of the VRAM, CPU-visible VRAM and GTT heaps.
  func memory() throws(AMDGPUQueryFailure) -> AMDGPUMemoryHeaps
  /// `AMDGPU_INFO_SENSOR` with one sensor type: a `u32` in the sensor's kernel unit.
  func sensor(_ sensor: AMDGPUSensor) throws(AMDGPUQueryFailure) -> UInt32
}

/// The `u64` usage queries of `amdgpu_drm.h`. Each answers the bytes in use on the whole
/// device (every process and the kernel's own buffers), like sysfs `mem_info_*_used`.
enum AMDGPUUsageQuery: Sendable, CaseIterable {
  case vram, visibleVRAM, gtt

  /// The `AMDGPU_INFO_*` id.
  var infoID: UInt32 {
    switch self {
    case .vram: UInt32(AMDGPU_INFO_VRAM_USAGE)
    case .visibleVRAM: UInt32(AMDGPU_INFO_VIS_VRAM_USAGE)
    case .gtt: UInt32(AMDGPU_INFO_GTT_USAGE)
    }
  }
}

/// `AMDGPU_INFO_SENSOR` sub-queries, with the unit amdgpu_kms.c returns each in.
enum AMDGPUSensor: Sendable, CaseIterable {
  /// Shader clock, MHz (the kernel divides the SMU's 10 kHz units by 100).
  case graphicsClockMHz
  /// Memory clock, MHz (same conversion).
  case memoryClockMHz
  /// Edge temperature, millidegrees Celsius (`AMDGPU_PP_SENSOR_EDGE_TEMP = AMDGPU_PP_SENSOR_GPU_TEMP`
  /// in kgd_pp_interface.h, so this is hwmon's `temp1_input`, label "edge").
  case temperatureMillidegrees
  /// Graphics engine load, percent.
  case loadPercent
  /// Average SoC power, whole watts (the kernel drops the 8 fractional bits). Missing on some
  /// products; newer kernels fall back to input power themselves, older ones answer -EINVAL.
  case averagePowerWatts
  /// Instantaneous input power, whole watts. Kernels older than the query answer -EINVAL.
  case inputPowerWatts

  /// The `AMDGPU_INFO_SENSOR_*` id.
  var sensorID: UInt32 {
    switch self {
    case .graphicsClockMHz: UInt32(AMDGPU_INFO_SENSOR_GFX_SCLK)
    case .memoryClockMHz: UInt32(AMDGPU_INFO_SENSOR_GFX_MCLK)
    case .temperatureMillidegrees: UInt32(AMDGPU_INFO_SENSOR_GPU_TEMP)
    case .loadPercent: UInt32(AMDGPU_INFO_SENSOR_GPU_LOAD)
    case .averagePowerWatts: UInt32(AMDGPU_INFO_SENSOR_GPU_AVG_POWER)
    case .inputPowerWatts: UInt32(AMDGPU_INFO_SENSOR_GPU_INPUT_POWER)
    }
  }
}

/// One heap of `struct drm_amdgpu_memory_info`, in bytes.
struct AMDGPUHeap: Sendable, Hashable {
  /// `total_heap_size`: the physical size (for VRAM, `real_vram_size`, as sysfs `mem_info_vram_total`).
  var totalBytes: UInt64
  /// `heap_usage`: bytes allocated by all processes and the kernel.
  var usedBytes: UInt64
}

/// The answer to `AMDGPU_INFO_MEMORY`.
struct AMDGPUMemoryHeaps: Sendable, Hashable {
  var vram: AMDGPUHeap
  var visibleVRAM: AMDGPUHeap
  var gtt: AMDGPUHeap
}

/// A failed libdrm_amdgpu call: the negative errno it returned, made positive.
struct AMDGPUQueryFailure: Error, Sendable, Hashable {
  /// `EINVAL` for a query the kernel does not know or a sensor the product lacks, `ENOENT` while
  /// power management is not up, `ENODEV` once the device is gone (unplugged, or reset failed).
  var errno: Int32
}
