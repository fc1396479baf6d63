import CVulkan

/// The device extensions a physical device offers (`vkEnumerateDeviceExtensionProperties`).
enum VulkanExtensions {
  static func names(of device: VkPhysicalDevice) -> Set<String> {
    var count: UInt32 = 0
    guard vkEnumerateDeviceExtensionProperties(device, nil, &count, nil) == VK_SUCCESS, count > 0 else { return [] }
    var properties = [VkExtensionProperties](repeating: VkExtensionProperties(), count: Int(count))
    // VK_INCOMPLETE (the list grew between the calls) still fills what fits.
    let filled = vkEnumerateDeviceExtensionProperties(device, nil, &count, &properties)
    guard filled == VK_SUCCESS || filled == VK_INCOMPLETE else { return [] }
    return Set(properties.prefix(Int(count)).map { VulkanText.string($0.extensionName) })
  }
}

/// Driver name and PCI bus through `vkGetPhysicalDeviceProperties2` with a `pNext` chain of the
/// structures the device supports (chaining an unsupported one is invalid usage).
enum VulkanExtendedProperties {
  static func read(
    _ device: VkPhysicalDevice, driverProperties: Bool, pciBusInfo: Bool, into result: inout VulkanDevice
  ) {
    guard driverProperties || pciBusInfo else { return }
    var driver = VkPhysicalDeviceDriverProperties()
    driver.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES
    var pci = VkPhysicalDevicePCIBusInfoPropertiesEXT()
    pci.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PCI_BUS_INFO_PROPERTIES_EXT
    var properties = VkPhysicalDeviceProperties2()
    properties.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2
    withUnsafeMutablePointer(to: &driver) { driverPointer in
      withUnsafeMutablePointer(to: &pci) { pciPointer in
        var next: UnsafeMutableRawPointer?
        if pciBusInfo {
          pciPointer.pointee.pNext = next
          next = UnsafeMutableRawPointer(pciPointer)
        }
        if driverProperties {
          driverPointer.pointee.pNext = next
          next = UnsafeMutableRawPointer(driverPointer)
        }
        properties.pNext = next
        vkGetPhysicalDeviceProperties2(device, &properties)
      }
    }
    if driverProperties {
      result.driverName = VulkanText.string(driver.driverName)
      result.driverInfo = VulkanText.string(driver.driverInfo)
    }
    if pciBusInfo {
      result.pciSlot = VulkanText.pciSlot(
        domain: pci.pciDomain, bus: pci.pciBus, device: pci.pciDevice, function: pci.pciFunction)
    }
  }
}

/// Per-heap budgets through `vkGetPhysicalDeviceMemoryProperties2` with a chained
/// `VkPhysicalDeviceMemoryBudgetPropertiesEXT` (VK_EXT_memory_budget).
enum VulkanMemoryBudget {
  static func read(_ device: VkPhysicalDevice, heaps: [VkMemoryHeap], deviceLocal: [Int]) -> [VulkanHeapBudget] {
    var budget = VkPhysicalDeviceMemoryBudgetPropertiesEXT()
    budget.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT
    var memory = VkPhysicalDeviceMemoryProperties2()
    memory.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_PROPERTIES_2
    withUnsafeMutablePointer(to: &budget) { pointer in
      memory.pNext = UnsafeMutableRawPointer(pointer)
      vkGetPhysicalDeviceMemoryProperties2(device, &memory)
    }
    // Both arrays hold VK_MAX_MEMORY_HEAPS entries, zero beyond memoryHeapCount.
    let budgets = withUnsafeBytes(of: budget.heapBudget) { Array($0.bindMemory(to: VkDeviceSize.self)) }
    let usages = withUnsafeBytes(of: budget.heapUsage) { Array($0.bindMemory(to: VkDeviceSize.self)) }
    return deviceLocal.filter { $0 < budgets.count }.map { index in
      VulkanHeapBudget(
        heapIndex: index, sizeBytes: heaps[index].size, budgetBytes: budgets[index], processUsageBytes: usages[index])
    }
  }
}

/// Text out of Vulkan's fixed-size C character arrays.
enum VulkanText {
  /// The NUL-terminated string in a fixed-size `char[N]` imported as a tuple.
  static func string<Tuple>(_ characters: Tuple) -> String {
    withUnsafeBytes(of: characters) { raw in
      String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
    }
  }

  /// "0000:03:00.0", the form of sysfs `PCI_SLOT_NAME` and of ``DRMDevice/pciSlot``.
  static func pciSlot(domain: UInt32, bus: UInt32, device: UInt32, function: UInt32) -> String {
    func hex(_ value: UInt32, _ width: Int) -> String {
      let digits = String(value, radix: 16)
      return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
    return "\(hex(domain, 4)):\(hex(bus, 2)):\(hex(device, 2)).\(String(function, radix: 16))"
  }
}
