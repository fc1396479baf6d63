/// One amdgpu card found under `<sysRoot>/class/drm`.
public struct AMDGPUCard: Sendable, Hashable, Codable {
  /// The DRM card name, "card1" (never a render node or a connector such as "card1-DP-1").
  public var card: String
  /// `PCI_SLOT_NAME` from `device/uevent` (pci_uevent, drivers/pci/pci-driver.c), e.g. "0000:03:00.0".
  public var pciSlot: String
  /// `PCI_ID` from `device/uevent`, "VVVV:DDDD" in upper-case hex, e.g. "1002:744C".
  public var pciID: String?
  /// `<sysRoot>/class/drm/<card>/device`, the PCI device directory the attributes live in.
  public var devicePath: String

  /// A card with its identity and device directory.
  public init(card: String, pciSlot: String, pciID: String?, devicePath: String) {
    self.card = card
    self.pciSlot = pciSlot
    self.pciID = pciID
    self.devicePath = devicePath
  }
}

/// One reading of one amdgpu card: the shared ``DeviceSample`` plus figures it has no field for.
public struct AMDGPUReading: Sendable, Hashable, Codable {
  /// The card read.
  public var card: AMDGPUCard
  /// The device-wide figures; `device` is the PCI slot.
  public var sample: DeviceSample
  /// `mem_info_vis_vram_used`: bytes of CPU-visible VRAM in use (amdgpu_vram_mgr.c DOC block).
  public var visibleVRAMUsedBytes: UInt64?
  /// `mem_info_vis_vram_total`: bytes of CPU-visible VRAM (all of it with resizable BAR).
  public var visibleVRAMTotalBytes: UInt64?
  /// hwmon `power1_cap` in watts (file in µW; amdgpu_pm.c DOC hwmon).
  public var powerCapWatts: Double?
  /// The hwmon file the power figure came from: "power1_average" or "power1_input", nil when neither.
  public var powerSource: String?

  /// A reading with its extras.
  public init(
    card: AMDGPUCard, sample: DeviceSample, visibleVRAMUsedBytes: UInt64? = nil, visibleVRAMTotalBytes: UInt64? = nil,
    powerCapWatts: Double? = nil, powerSource: String? = nil
  ) {
    self.card = card
    self.sample = sample
    self.visibleVRAMUsedBytes = visibleVRAMUsedBytes
    self.visibleVRAMTotalBytes = visibleVRAMTotalBytes
    self.powerCapWatts = powerCapWatts
    self.powerSource = powerSource
  }
}

/// Pure parsers for amdgpu sysfs text (drivers/gpu/drm/amd/pm/amdgpu_pm.c, drivers/pci/pci-driver.c).
/// Public for the fuzz harness (Sources/StrataFuzz).
public enum AMDGPUSysfsText {
  /// `KEY=VALUE` lines of a `uevent` file → dictionary.
  public static func uevent(_ text: String) -> [String: String] {
    var result: [String: String] = [:]
    for line in text.split(separator: "\n") {
      guard let equals = line.firstIndex(of: "=") else { continue }
      result[String(line[..<equals])] = String(line[line.index(after: equals)...]).trimmingKernelWhitespace()
    }
    return result
  }

  /// The current level of a `pp_dpm_sclk` / `pp_dpm_mclk` table in MHz: the line marked `*`.
  ///
  /// Lines are `"%d: %uMhz %s\n"` (current level suffixed `*`), a deep-sleep level `S: 19Mhz *`,
  /// or on some APUs an extra `"   %uMhz *"` line when the clock matches no level.
  public static func currentLevelMHz(_ text: String) -> Double? {
    for line in text.split(separator: "\n") where line.trimmingKernelWhitespace().hasSuffix("*") {
      for token in line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == ":" }) {
        let lower = token.lowercased()
        if lower.hasSuffix("mhz"), let value = Double(lower.dropLast(3)) { return value }
      }
    }
    return nil
  }

  /// Whether `name` is a DRM card node ("card" followed by digits only).
  static func isCardName(_ name: String) -> Bool {
    name.hasPrefix("card") && name.count > 4 && name.dropFirst(4).allSatisfy { $0.isASCII && $0.isNumber }
  }

  /// The number after `prefix` in names like "hwmon2" or "temp3_input" (with `suffix`), else nil.
  static func index(of name: String, prefix: String, suffix: String = "") -> Int? {
    guard name.hasPrefix(prefix), name.hasSuffix(suffix), name.count > prefix.count + suffix.count else { return nil }
    return Int(name.dropFirst(prefix.count).dropLast(suffix.count))
  }
}
