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
