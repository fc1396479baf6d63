import CVulkan
import Foundation
import Glibc
import Testing

@testable import StrataTelemetry

@Suite("Device enumeration through the real Vulkan loader and libdrm")
struct DeviceEnumerationTests {
  @Test(
    "Vulkan lists Mesa's lavapipe as a CPU-type device on this GPU-less machine (set-up installs mesa-vulkan-drivers)")
  func vulkanSeesLavapipe() throws {
    let devices = try VulkanDevices.enumerate().get()
    let lavapipe = try #require(devices.first { $0.name.hasPrefix("llvmpipe") }, "devices: \(devices)")
    #expect(lavapipe.type == "cpu")
    #expect(lavapipe.apiVersion.hasPrefix("1."))
    #expect(lavapipe.vendorID == 0x10005)  // VK_VENDOR_ID_MESA
  }

  @Test("libdrm returns no devices, without error, where /dev/dri does not exist")
  func drmWithoutDevices() {
    let devices = DRMDevices.enumerate()
    // A machine with GPUs lists them with a PCI slot; this one has none.
    #expect(devices.allSatisfy { $0.pciSlot != nil || !$0.nodes.isEmpty })
    #expect(devices.isEmpty == !FileManagerProbe.hasDRI)
  }
}

enum FileManagerProbe {
  static var hasDRI: Bool {
    var info = stat()
    return stat("/dev/dri", &info) == 0
  }
}

@Suite("Vulkan driver, PCI bus and VK_EXT_memory_budget estimate through the real loader")
struct VulkanBudgetTests {
  /// The extensions lavapipe offers, asked of the loader directly rather than through the code under test.
  static func lavapipeExtensions() throws -> Set<String> {
    let names = try VulkanDevices.withPhysicalDevices { devices, _ in
      devices.map { device -> (String, Set<String>) in
        var properties = VkPhysicalDeviceProperties()
        vkGetPhysicalDeviceProperties(device, &properties)
        return (VulkanText.string(properties.deviceName), VulkanExtensions.names(of: device))
      }
    }.get()
    return try #require(names.first { $0.0.hasPrefix("llvmpipe") }).1
  }

  @Test("lavapipe reports its Mesa driver name and info, and no PCI bus (a CPU device has none)")
  func driverAndBus() throws {
    let lavapipe = try #require(try VulkanDevices.enumerate().get().first { $0.name.hasPrefix("llvmpipe") })
    #expect(lavapipe.type == "cpu")
    #expect(lavapipe.driverName == "llvmpipe")  // VkPhysicalDeviceDriverProperties, core in 1.2
    #expect(lavapipe.driverInfo?.hasPrefix("Mesa ") == true, "driverInfo: \(lavapipe.driverInfo ?? "nil")")
    let extensions = try Self.lavapipeExtensions()
    #expect(!extensions.isEmpty)
    if extensions.contains("VK_EXT_pci_bus_info") {
      #expect(lavapipe.pciSlot?.count == 12)
    } else {
      #expect(lavapipe.pciSlot == nil)
    }
  }

  @Test("lavapipe's memory budget: present and consistent where it offers VK_EXT_memory_budget, nil where not")
  func memoryBudget() throws {
    let lavapipe = try #require(try VulkanDevices.enumerate().get().first { $0.name.hasPrefix("llvmpipe") })
    if try Self.lavapipeExtensions().contains("VK_EXT_memory_budget") {
      let budgets = try #require(lavapipe.deviceLocalHeapBudgets)
      #expect(budgets.map(\.sizeBytes) == lavapipe.deviceLocalHeapBytes)
      for heap in budgets {
        #expect(heap.budgetBytes <= heap.sizeBytes)
        #expect(heap.estimatedDeviceUsedBytes == heap.sizeBytes - heap.budgetBytes)
      }
    } else {
      // Debian 12's Mesa 22.3 lavapipe does not offer the extension (checked here through
      // vkEnumerateDeviceExtensionProperties): no budget and no estimate may be made up.
      #expect(lavapipe.deviceLocalHeapBudgets == nil, "lavapipe lacks VK_EXT_memory_budget, yet budgets were reported")
    }
  }

  @Test(
    "The estimate is size minus budget, and never wraps below zero",
    arguments: [
      (UInt64(24_560) << 20, UInt64(18_000) << 20, UInt64(6_560) << 20),
      (UInt64(8) << 30, UInt64(8) << 30, UInt64(0)),
      (UInt64(1) << 30, UInt64(2) << 30, UInt64(0)),
    ])
  func estimateArithmetic(size: UInt64, budget: UInt64, estimate: UInt64) {
    let heap = VulkanHeapBudget(heapIndex: 0, sizeBytes: size, budgetBytes: budget, processUsageBytes: 0)
    #expect(heap.estimatedDeviceUsedBytes == estimate)
  }

  @Test("JSON names the estimate as one and writes absent figures as null")
  func jsonShape() throws {
    var device = VulkanDevice(
      name: "stand-in GPU", type: "discrete", vendorID: 0x1002, deviceID: 0x744c, apiVersion: "1.3.0",
      deviceLocalHeapBytes: [25_753_026_560])
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let bare = String(decoding: try encoder.encode(device), as: UTF8.self)
    #expect(bare.contains(#""deviceLocalHeapBudgets":null"#) && bare.contains(#""pciSlot":null"#))
    device.deviceLocalHeapBudgets = [
      VulkanHeapBudget(heapIndex: 0, sizeBytes: 25_753_026_560, budgetBytes: 19_000_000_000, processUsageBytes: 0)
    ]
    let full = String(decoding: try encoder.encode(device), as: UTF8.self)
    #expect(full.contains(#""estimatedDeviceUsedBytes":6753026560"#))  // 25753026560 - 19000000000
    #expect(try JSONDecoder().decode(VulkanDevice.self, from: Data(full.utf8)) == device)
  }

  @Test(
    "PCI bus numbers become the sysfs slot form",
    arguments: [
      (UInt32(0), UInt32(3), UInt32(0), UInt32(0), "0000:03:00.0"),
      (UInt32(1), UInt32(0x65), UInt32(0x1f), UInt32(7), "0001:65:1f.7"),
    ])
  func pciSlotFormat(domain: UInt32, bus: UInt32, device: UInt32, function: UInt32, slot: String) {
    #expect(VulkanText.pciSlot(domain: domain, bus: bus, device: device, function: function) == slot)
  }
}
