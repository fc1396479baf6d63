import CVulkan

/// One Vulkan physical device as the loader reports it.
public struct VulkanDevice: Sendable, Hashable, Codable {
  public var name: String
  /// VkPhysicalDeviceType: "other", "integrated", "discrete", "virtual", "cpu".
  public var type: String
  public var vendorID: UInt32
  public var deviceID: UInt32
  /// "major.minor.patch" of the Vulkan API the driver supports.
  public var apiVersion: String
  /// Device-local heap sizes, bytes.
  public var deviceLocalHeapBytes: [UInt64]
  /// `VkPhysicalDeviceDriverProperties.driverName`, e.g. "radv", "llvmpipe"; nil where the
  /// device offers neither Vulkan 1.2 nor VK_KHR_driver_properties.
  public var driverName: String?
  /// `VkPhysicalDeviceDriverProperties.driverInfo`, e.g. "Mesa 22.3.6 (LLVM 15.0.6)".
  public var driverInfo: String?
  /// PCI slot "0000:03:00.0" from VK_EXT_pci_bus_info — the identity the GPU samplers use —
  /// nil where the extension is absent (CPU devices such as lavapipe have no PCI bus).
  public var pciSlot: String?
  /// Budgets of the device-local heaps from VK_EXT_memory_budget, in heap order; nil where the
  /// device lacks the extension. Each carries an *estimate* of device-wide use, not a measurement.
  public var deviceLocalHeapBudgets: [VulkanHeapBudget]?

  /// Absent figures are written as `null`, not left out, so `strata probe --json` shows
  /// which ones this driver does not offer.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(name, forKey: .name)
    try container.encode(type, forKey: .type)
    try container.encode(vendorID, forKey: .vendorID)
    try container.encode(deviceID, forKey: .deviceID)
    try container.encode(apiVersion, forKey: .apiVersion)
    try container.encode(deviceLocalHeapBytes, forKey: .deviceLocalHeapBytes)
    try container.encode(driverName, forKey: .driverName)
    try container.encode(driverInfo, forKey: .driverInfo)
    try container.encode(pciSlot, forKey: .pciSlot)
    try container.encode(deviceLocalHeapBudgets, forKey: .deviceLocalHeapBudgets)
  }
}

/// One device-local heap as VK_EXT_memory_budget describes it to strata's own process.
///
/// The extension answers for the calling process: `heapUsage` is what strata itself has
/// allocated (nothing), never llama-server's memory. What it does say about other processes is
/// indirect: the driver lowers the budget as the device fills up. `size - budget` is therefore
/// an *estimate* of what everything else holds on the device — coarse, driver-dependent (a
/// driver may keep headroom out of the budget), and no substitute for sysfs, libdrm or NVML.
public struct VulkanHeapBudget: Sendable, Hashable, Codable {
  /// Index into `VkPhysicalDeviceMemoryProperties.memoryHeaps`.
  public var heapIndex: Int
  /// `VkMemoryHeap.size`, bytes.
  public var sizeBytes: UInt64
  /// `heapBudget`: the driver's rough estimate of how much strata's process could allocate
  /// from the heap, its current allocations included; bytes.
  public var budgetBytes: UInt64
  /// `heapUsage`: bytes strata's own process holds in the heap (not other processes').
  public var processUsageBytes: UInt64
  /// `size - budget` (0 should a driver report a budget above the size): an estimate of the
  /// bytes held on the device by other processes and the driver, labelled as an estimate
  /// wherever it is shown.
  public var estimatedDeviceUsedBytes: UInt64

  /// A heap's budget; the estimate is derived from `sizeBytes` and `budgetBytes`.
  public init(heapIndex: Int, sizeBytes: UInt64, budgetBytes: UInt64, processUsageBytes: UInt64) {
    self.heapIndex = heapIndex
    self.sizeBytes = sizeBytes
    self.budgetBytes = budgetBytes
    self.processUsageBytes = processUsageBytes
    self.estimatedDeviceUsedBytes = sizeBytes >= budgetBytes ? sizeBytes - budgetBytes : 0
  }
}

/// Lists Vulkan devices through the real loader (vkCreateInstance, vkEnumeratePhysicalDevices).
///
/// On a machine without a GPU, Mesa's lavapipe ("llvmpipe") shows up as a CPU-type device.
/// The instance asks for Vulkan 1.1 where the loader has it, for `vkGetPhysicalDeviceProperties2`
/// and `vkGetPhysicalDeviceMemoryProperties2` (driver name, PCI bus, memory budget); with a 1.0
/// loader or device those fields stay nil. Memory budgets are per process (see
/// ``VulkanHeapBudget``): strata uses Vulkan for inventory and a labelled estimate, not for
/// VRAM sampling.
public enum VulkanDevices {
  public static func enumerate() -> Result<[VulkanDevice], SamplerError> {
    withPhysicalDevices { devices, instanceVersion in
      devices.map { describe($0, instanceVersion: instanceVersion) }
    }
  }

  /// Runs `body` with the physical devices of a fresh instance and the instance's API version,
  /// then destroys the instance (the handles die with it).
  static func withPhysicalDevices<T>(
    _ body: ([VkPhysicalDevice], UInt32) -> T
  ) -> Result<T, SamplerError> {
    var loaderVersion: UInt32 = VulkanVersion.v1_0
    if vkEnumerateInstanceVersion(&loaderVersion) != VK_SUCCESS { loaderVersion = VulkanVersion.v1_0 }
    let instanceVersion = loaderVersion >= VulkanVersion.v1_1 ? VulkanVersion.v1_1 : VulkanVersion.v1_0
    var application = VkApplicationInfo()
    application.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO
    application.apiVersion = instanceVersion
    return "strata".withCString { name in
      application.pApplicationName = name
      return withUnsafePointer(to: &application) { app in
        var info = VkInstanceCreateInfo()
        info.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO
        info.pApplicationInfo = app
        var instance: VkInstance?
        let created = vkCreateInstance(&info, nil, &instance)
        guard created == VK_SUCCESS, let instance else {
          return .failure(
            SamplerError(
              sampler: "vulkan",
              message:
                "vkCreateInstance failed (\(created.rawValue)): no Vulkan driver (install mesa-vulkan-drivers or the GPU vendor's)"
            ))
        }
        defer { vkDestroyInstance(instance, nil) }
        var count: UInt32 = 0
        guard vkEnumeratePhysicalDevices(instance, &count, nil) == VK_SUCCESS else {
          return .failure(SamplerError(sampler: "vulkan", message: "vkEnumeratePhysicalDevices failed"))
        }
        var handles = [VkPhysicalDevice?](repeating: nil, count: Int(count))
        _ = vkEnumeratePhysicalDevices(instance, &count, &handles)
        return .success(body(handles.prefix(Int(count)).compactMap { $0 }, instanceVersion))
      }
    }
  }

  static func describe(_ device: VkPhysicalDevice, instanceVersion: UInt32) -> VulkanDevice {
    var properties = VkPhysicalDeviceProperties()
    vkGetPhysicalDeviceProperties(device, &properties)
    var memory = VkPhysicalDeviceMemoryProperties()
    vkGetPhysicalDeviceMemoryProperties(device, &memory)
    let heaps = withUnsafeBytes(of: memory.memoryHeaps) { raw in
      Array(raw.bindMemory(to: VkMemoryHeap.self).prefix(Int(memory.memoryHeapCount)))
    }
    let deviceLocal = heaps.indices.filter {
      heaps[$0].flags & UInt32(VK_MEMORY_HEAP_DEVICE_LOCAL_BIT.rawValue) != 0
    }
    let types = ["other", "integrated", "discrete", "virtual", "cpu"]
    let type = Int(properties.deviceType.rawValue)
    let api = properties.apiVersion
    var result = VulkanDevice(
      name: VulkanText.string(properties.deviceName),
      type: types.indices.contains(type) ? types[type] : "unknown(\(type))",
      vendorID: properties.vendorID, deviceID: properties.deviceID,
      apiVersion: "\(api >> 22 & 0x7f).\(api >> 12 & 0x3ff).\(api & 0xfff)",
      deviceLocalHeapBytes: deviceLocal.map { heaps[$0].size })
    // Physical-device functions of Vulkan 1.1 need both the instance and the device at 1.1.
    guard min(instanceVersion, api & ~0xfff) >= VulkanVersion.v1_1 else { return result }
    let extensions = VulkanExtensions.names(of: device)
    VulkanExtendedProperties.read(
      device, driverProperties: api >= VulkanVersion.v1_2 || extensions.contains("VK_KHR_driver_properties"),
      pciBusInfo: extensions.contains("VK_EXT_pci_bus_info"), into: &result)
    if extensions.contains("VK_EXT_memory_budget") {
      result.deviceLocalHeapBudgets = VulkanMemoryBudget.read(device, heaps: heaps, deviceLocal: deviceLocal)
    }
    return result
  }
}

/// `VK_MAKE_API_VERSION(0, major, minor, 0)` for the versions strata asks about.
enum VulkanVersion {
  static let v1_0: UInt32 = 1 << 22
  static let v1_1: UInt32 = 1 << 22 | 1 << 12
  static let v1_2: UInt32 = 1 << 22 | 2 << 12
}
