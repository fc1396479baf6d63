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
}

/// Lists Vulkan devices through the real loader (vkCreateInstance, vkEnumeratePhysicalDevices).
///
/// On a machine without a GPU, Mesa's lavapipe ("llvmpipe") shows up as a CPU-type device.
/// `VK_EXT_memory_budget` figures are per process, so they cannot see llama-server's memory:
/// strata uses Vulkan for inventory, not for VRAM sampling.
public enum VulkanDevices {
  public static func enumerate() -> Result<[VulkanDevice], SamplerError> {
    var application = VkApplicationInfo()
    application.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO
    application.apiVersion = (1 << 22)  // VK_API_VERSION_1_0
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
        return .success(handles.prefix(Int(count)).compactMap { $0.map(describe) })
      }
    }
  }

  static func describe(_ device: VkPhysicalDevice) -> VulkanDevice {
    var properties = VkPhysicalDeviceProperties()
    vkGetPhysicalDeviceProperties(device, &properties)
    var memory = VkPhysicalDeviceMemoryProperties()
    vkGetPhysicalDeviceMemoryProperties(device, &memory)
    let name = withUnsafeBytes(of: properties.deviceName) { raw in
      String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
    }
    let heaps = withUnsafeBytes(of: memory.memoryHeaps) { raw in
      Array(raw.bindMemory(to: VkMemoryHeap.self).prefix(Int(memory.memoryHeapCount)))
    }
    let types = ["other", "integrated", "discrete", "virtual", "cpu"]
    let type = Int(properties.deviceType.rawValue)
    let api = properties.apiVersion
    return VulkanDevice(
      name: name, type: types.indices.contains(type) ? types[type] : "unknown(\(type))",
      vendorID: properties.vendorID, deviceID: properties.deviceID,
      apiVersion: "\(api >> 22 & 0x7f).\(api >> 12 & 0x3ff).\(api & 0xfff)",
      deviceLocalHeapBytes: heaps.filter { $0.flags & UInt32(VK_MEMORY_HEAP_DEVICE_LOCAL_BIT.rawValue) != 0 }.map(
        \.size))
  }
}
