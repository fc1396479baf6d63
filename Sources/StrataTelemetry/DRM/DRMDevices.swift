import CDRM

/// One DRM device with its PCI identity, as libdrm reports it.
public struct DRMDevice: Sendable, Hashable, Codable {
  /// Device nodes, e.g. "/dev/dri/card1", "/dev/dri/renderD128".
  public var nodes: [String]
  /// "0000:03:00.0" for PCI devices, nil otherwise.
  public var pciSlot: String?
  public var vendorID: UInt16?
  public var deviceID: UInt16?
}

/// Lists DRM devices through libdrm's drmGetDevices2.
public enum DRMDevices {
  /// Never fails on a machine without GPUs: libdrm returns a negative count when
  /// /dev/dri is absent (-ENOENT), which means "no devices", not an error.
  public static func enumerate() -> [DRMDevice] {
    let count = drmGetDevices2(0, nil, 0)
    guard count > 0 else { return [] }
    var devices = [drmDevicePtr?](repeating: nil, count: Int(count))
    let filled = drmGetDevices2(0, &devices, count)
    guard filled > 0 else { return [] }
    defer { drmFreeDevices(&devices, filled) }
    return devices.prefix(Int(filled)).compactMap { $0.map(describe) }
  }

  static func describe(_ pointer: drmDevicePtr) -> DRMDevice {
    let device = pointer.pointee
    var nodes: [String] = []
    for index in 0..<Int(DRM_NODE_MAX) where device.available_nodes & (1 << index) != 0 {
      if let node = device.nodes?[index] { nodes.append(String(cString: node)) }
    }
    guard device.bustype == DRM_BUS_PCI, let bus = device.businfo.pci?.pointee,
      let info = device.deviceinfo.pci?.pointee
    else { return DRMDevice(nodes: nodes) }
    let hex = { (value: UInt32, width: Int) -> String in
      let digits = String(value, radix: 16)
      return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
    let slot = "\(hex(UInt32(bus.domain), 4)):\(hex(UInt32(bus.bus), 2)):\(hex(UInt32(bus.dev), 2)).\(bus.func)"
    return DRMDevice(nodes: nodes, pciSlot: slot, vendorID: info.vendor_id, deviceID: info.device_id)
  }
}
