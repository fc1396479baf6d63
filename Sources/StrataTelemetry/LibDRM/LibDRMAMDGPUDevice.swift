import CDRM

#if canImport(Glibc)
  import Glibc
#endif

/// An amdgpu device opened through libdrm_amdgpu: the real ``AMDGPUQueryDevice``.
///
/// `@unchecked Sendable` is safe: every stored property is a `let` set in `init`, and the handle
/// is only handed to `amdgpu_query_info` / `amdgpu_query_sensor_info`, which fill a caller-owned buffer through one `DRM_IOCTL_AMDGPU_INFO` on libdrm's own
/// duplicate of the descriptor and change nothing in the handle (libdrm amdgpu/amdgpu_gpu_info.c),
/// and to `amdgpu_device_deinitialize` in `deinit`, when no other reference is left.
final class LibDRMAMDGPUDevice: AMDGPUQueryDevice, @unchecked Sendable {
  let node: String
  let pciSlot: String
  private let handle: amdgpu_device_handle

  /// Takes over a handle from `amdgpu_device_initialize`.
  private init(node: String, pciSlot: String, handle: amdgpu_device_handle) {
    self.node = node
    self.pciSlot = pciSlot
    self.handle = handle
  }

  deinit { amdgpu_device_deinitialize(handle) }

  func usageBytes(_ query: AMDGPUUsageQuery) throws(AMDGPUQueryFailure) -> UInt64 {
    var value: UInt64 = 0
    try check(amdgpu_query_info(handle, query.infoID, UInt32(MemoryLayout<UInt64>.size), &value))
    return value
  }

  func memory() throws(AMDGPUQueryFailure) -> AMDGPUMemoryHeaps {
    var info = drm_amdgpu_memory_info()
    try check(
      amdgpu_query_info(
        handle, UInt32(AMDGPU_INFO_MEMORY), UInt32(MemoryLayout<drm_amdgpu_memory_info>.size), &info))
    let heap = { (raw: drm_amdgpu_heap_info) in AMDGPUHeap(totalBytes: raw.total_heap_size, usedBytes: raw.heap_usage) }
    return AMDGPUMemoryHeaps(vram: heap(info.vram), visibleVRAM: heap(info.cpu_accessible_vram), gtt: heap(info.gtt))
  }

  func sensor(_ sensor: AMDGPUSensor) throws(AMDGPUQueryFailure) -> UInt32 {
    var value: UInt32 = 0
    try check(amdgpu_query_sensor_info(handle, sensor.sensorID, UInt32(MemoryLayout<UInt32>.size), &value))
    return value
  }

  /// libdrm answers 0 or a negative errno.
  private func check(_ result: Int32) throws(AMDGPUQueryFailure) {
    if result < 0 { throw AMDGPUQueryFailure(errno: -result) }
  }

  /// What opening one render node came to.
  enum Opening {
    case amdgpu(LibDRMAMDGPUDevice)
    /// A DRM device of another driver ("i915", "xe", "nouveau", …): not this sampler's.
    case otherDriver(node: String, driver: String)
    /// `open(2)` refused, with its errno (`EACCES` when the user is not in the render group).
    case openFailed(node: String, errno: Int32)
    /// `amdgpu_device_initialize` failed, with the errno it returned.
    case initializeFailed(node: String, errno: Int32)
  }

  /// Opens `node`, asks its driver name (`drmGetVersion`), and for "amdgpu" initialises
  /// libdrm_amdgpu and reads the PCI slot (`drmGetDevice2`). The descriptor is closed before
  /// returning: libdrm keeps its own duplicate for the life of the handle.
  static func open(node: String) -> Opening {
    let fd = retryingEINTR { Glibc.open(node, O_RDWR | O_CLOEXEC) }
    guard fd >= 0 else { return .openFailed(node: node, errno: errno) }
    defer { close(fd) }
    let driver = driverName(fd: fd)
    guard driver == "amdgpu" else { return .otherDriver(node: node, driver: driver ?? "unknown") }
    var major: UInt32 = 0
    var minor: UInt32 = 0
    var handle: amdgpu_device_handle?
    let initialized = amdgpu_device_initialize(fd, &major, &minor, &handle)
    guard initialized == 0, let handle else {
      return .initializeFailed(node: node, errno: initialized < 0 ? -initialized : EINVAL)
    }
    return .amdgpu(LibDRMAMDGPUDevice(node: node, pciSlot: pciSlot(fd: fd) ?? node, handle: handle))
  }

  /// The kernel driver's name ("amdgpu", "i915", …), or nil when the descriptor is no DRM device.
  private static func driverName(fd: Int32) -> String? {
    guard let version = drmGetVersion(fd) else { return nil }
    defer { drmFreeVersion(version) }
    guard let name = version.pointee.name, version.pointee.name_len > 0 else { return nil }
    return String(cString: name)
  }

  /// "0000:03:00.0" from `drmGetDevice2`'s PCI bus info, formatted as ``DRMDevices`` does.
  private static func pciSlot(fd: Int32) -> String? {
    var device: drmDevicePtr?
    guard drmGetDevice2(fd, 0, &device) == 0, let found = device else { return nil }
    defer { drmFreeDevice(&device) }
    return DRMDevices.describe(found).pciSlot
  }

  private static func retryingEINTR(_ call: () -> Int32) -> Int32 {
    while true {
      let result = call()
      if result >= 0 || errno != EINTR { return result }
    }
  }
}
