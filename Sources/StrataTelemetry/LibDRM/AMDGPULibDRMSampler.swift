#if canImport(Glibc)
  import Glibc
#endif

/// Device-wide readings of amdgpu GPUs through libdrm_amdgpu's info ioctl, for hosts where
/// sysfs is not mounted or not readable (some containers) but the render node is.
///
/// Opens every `<devRoot>/dri/renderD*` node once, at `init`, keeps the amdgpu ones for the
/// sampler's life, and on each sample asks (drivers/gpu/drm/amd/amdgpu/amdgpu_kms.c):
/// - `AMDGPU_INFO_VRAM_USAGE`, `GTT_USAGE`, `VIS_VRAM_USAGE` — bytes in use, device-wide;
///   `AMDGPU_INFO_MEMORY` — heap sizes in bytes;
/// - `AMDGPU_INFO_SENSOR`: shader and memory clocks (MHz), edge temperature (millidegrees C),
///   load (%), average power, else input power (whole watts).
///
/// Fan speed and memory-controller load have no info query; they stay nil. Holding the render
/// node makes strata one more DRM client of the GPU, with a small VM of its own counted in
/// the device's VRAM use — one reason the sysfs sampler is preferred where it works.
public struct AMDGPULibDRMSampler: DeviceSampler {
  /// "amdgpu-libdrm".
  public let name = "amdgpu-libdrm"
  /// Root of the device tree, "/dev" on a live system.
  public let devRoot: String
  private let devices: [any AMDGPUQueryDevice]
  private let unavailableReason: String?

  /// Opens the amdgpu render nodes under `<devRoot>/dri`. Never fails: a host without one is
  /// reported by `status()`.
  public init(devRoot: String) {
    self.devRoot = devRoot
    let driRoot = "\(devRoot)/dri"
    let nodes = KernelTextFile.list(driRoot).map(AMDGPURenderNodeScan.renderNodes)
    let openings = nodes?.map { LibDRMAMDGPUDevice.open(node: "\(driRoot)/\($0)") }
    self.devices = openings?.compactMap { if case .amdgpu(let device) = $0 { device } else { nil } } ?? []
    self.unavailableReason =
      devices.isEmpty ? AMDGPURenderNodeScan.unavailableReason(driRoot: driRoot, openings: openings) : nil
  }

  /// A sampler over devices already opened — recorded stand-ins in tests.
  init(devRoot: String, devices: [any AMDGPUQueryDevice], unavailableReason: String? = nil) {
    self.devRoot = devRoot
    self.devices = devices
    self.unavailableReason = devices.isEmpty ? unavailableReason ?? "no amdgpu device" : nil
  }

  /// Available when at least one amdgpu render node opened and initialised; else one line
  /// that says why and what to do.
  public func status() -> SamplerStatus {
    SamplerStatus(sampler: name, available: unavailableReason == nil, reason: unavailableReason)
  }

  /// One ``DeviceSample`` per amdgpu device, `device` being its PCI slot.
  ///
  /// - Throws: ``SamplerError`` when a device is gone (its queries answer `ENODEV`).
  public func sampleDevices() throws -> [DeviceSample] {
    try readings().map(\.sample)
  }

  /// One ``AMDGPULibDRMReading`` per amdgpu device; empty where the sampler is unavailable.
  ///
  /// - Throws: ``SamplerError`` when a device is gone (its queries answer `ENODEV`).
  public func readings() throws(SamplerError) -> [AMDGPULibDRMReading] {
    var result: [AMDGPULibDRMReading] = []
    for device in devices {
      result.append(try AMDGPULibDRMReadout.reading(of: device, sampler: name))
    }
    return result
  }
}

/// Pure helpers for scanning `/dev/dri`: which names are render nodes, and why none served.
enum AMDGPURenderNodeScan {
  /// "renderD128", "renderD129", … in number order; card nodes need DRM master rights for
  /// nothing this sampler does, and render nodes are what the render group may open.
  static func renderNodes(_ names: [String]) -> [String] {
    names.compactMap { name -> (Int, String)? in
      guard name.hasPrefix("renderD"), let number = Int(name.dropFirst("renderD".count)) else { return nil }
      return (number, name)
    }
    .sorted { $0.0 < $1.0 }.map(\.1)
  }

  /// Why no amdgpu device could be used, in one line; `openings` nil means `driRoot` is absent.
  ///
  /// A node that refused to open counts before one of another driver: a user outside the
  /// render group cannot learn a node's driver, so "permission denied" is the likelier cause.
  static func unavailableReason(driRoot: String, openings: [LibDRMAMDGPUDevice.Opening]?) -> String {
    guard let openings else {
      return "no \(driRoot): no DRM driver is loaded, or the container was started without --device \(driRoot)"
    }
    guard !openings.isEmpty else { return "no render node (renderD*) in \(driRoot)" }
    for opening in openings {
      if case .initializeFailed(let node, let code) = opening {
        return "amdgpu_device_initialize failed on \(node): errno \(code) (\(describe(code)))"
      }
    }
    for opening in openings {
      guard case .openFailed(let node, let code) = opening else { continue }
      if code == EACCES || code == EPERM {
        return "permission denied opening \(node): add the user to the render group "
          + "(usermod -aG render <user>) and log in again"
      }
      return "cannot open \(node): errno \(code) (\(describe(code)))"
    }
    let others = openings.compactMap { opening -> String? in
      if case .otherDriver(let node, let driver) = opening {
        "\(node.split(separator: "/").last ?? "") (\(driver))"
      } else {
        nil
      }
    }
    return "no amdgpu render node in \(driRoot) (found: \(others.joined(separator: ", ")))"
  }

  private static func describe(_ code: Int32) -> String {
    strerror(code).map { String(cString: $0) } ?? "unknown error"
  }
}
