/// Device-wide readings of amdgpu GPUs from sysfs (`<sysRoot>/class/drm/card<N>/device/`).
///
/// Sources and units (kernel drivers/gpu/drm/amd/…):
/// - `mem_info_vram_used/total`, `mem_info_vis_vram_used/total` — bytes (amdgpu_vram_mgr.c);
///   `mem_info_gtt_used/total` — bytes (amdgpu_gtt_mgr.c).
/// - `gpu_busy_percent`, `mem_busy_percent` — integer percent computed by the SMU (pm/amdgpu_pm.c).
/// - `pp_dpm_sclk`, `pp_dpm_mclk` — DPM tables, current level marked `*`, MHz (pm/amdgpu_pm.c).
/// - `hwmon/hwmon<M>/power1_average`, else `power1_input` — µW (not all products have both);
///   `temp<K>_input` — millidegrees Celsius, named by `temp<K>_label` (edge, junction, mem);
///   `fan1_input` — RPM (pm/amdgpu_pm.c DOC hwmon).
///
/// A missing attribute, or one that refuses reading (`EPERM` during GPU reset or suspend),
/// leaves its field nil. A card whose directory disappears while being read is a ``SamplerError``.
public struct AMDGPUSysfsSampler: DeviceSampler {
  /// "amdgpu-sysfs".
  public let name = "amdgpu-sysfs"
  /// Root of the sysfs tree, "/sys" on a live system, a recorded tree in tests.
  public let sysRoot: String

  /// A sampler reading `<sysRoot>/class/drm`.
  public init(sysRoot: String) {
    self.sysRoot = sysRoot
  }

  private var drmPath: String { "\(sysRoot)/class/drm" }

  /// Available when at least one card's `device/uevent` says `DRIVER=amdgpu`.
  public func status() -> SamplerStatus {
    let found = cards()
    if found.isEmpty {
      return SamplerStatus(sampler: name, available: false, reason: "no amdgpu device under \(drmPath)")
    }
    return SamplerStatus(sampler: name, available: true)
  }

  /// The amdgpu cards under `<sysRoot>/class/drm`, by card number. Render nodes (`renderD*`),
  /// connectors (`card1-DP-1`) and cards of other drivers (`i915`, `xe`, …) are left out.
  public func cards() -> [AMDGPUCard] {
    guard let names = KernelTextFile.list(drmPath) else { return [] }
    let cardNames = names.filter(AMDGPUSysfsText.isCardName)
      .sorted {
        (AMDGPUSysfsText.index(of: $0, prefix: "card") ?? 0) < (AMDGPUSysfsText.index(of: $1, prefix: "card") ?? 0)
      }
    return cardNames.compactMap { try? card(named: $0) }
  }

  /// One ``DeviceSample`` per amdgpu card.
  public func sampleDevices() throws -> [DeviceSample] {
    try readings().map(\.sample)
  }

  /// One ``AMDGPUReading`` per amdgpu card.
  public func readings() throws -> [AMDGPUReading] {
    try cards().map { try reading(of: $0) }
  }

  /// Reads the card named `card` ("card1"); throws when it is gone or is not an amdgpu card.
  public func reading(card name: String) throws -> AMDGPUReading {
    try reading(of: card(named: name))
  }

  /// The identity of card `name`; throws when its `device/uevent` cannot be read or names another driver.
  func card(named name: String) throws -> AMDGPUCard {
    let devicePath = "\(drmPath)/\(name)/device"
    guard let text = KernelTextFile.read("\(devicePath)/uevent") else {
      throw SamplerError(sampler: self.name, message: "\(name) vanished: \(devicePath)/uevent cannot be read")
    }
    let fields = AMDGPUSysfsText.uevent(text)
    guard fields["DRIVER"] == "amdgpu" else {
      throw SamplerError(
        sampler: self.name, message: "\(name) is not an amdgpu card (DRIVER=\(fields["DRIVER"] ?? "none"))")
    }
    return AMDGPUCard(
      card: name, pciSlot: fields["PCI_SLOT_NAME"] ?? name, pciID: fields["PCI_ID"], devicePath: devicePath)
  }

  /// Reads every attribute of `card`; throws when the card's device directory is gone afterwards.
  public func reading(of card: AMDGPUCard) throws -> AMDGPUReading {
    let dev = card.devicePath
    var sample = DeviceSample(device: card.pciSlot)
    sample.vramUsedBytes = KernelTextFile.unsigned("\(dev)/mem_info_vram_used")
    sample.vramTotalBytes = KernelTextFile.unsigned("\(dev)/mem_info_vram_total")
    sample.gttUsedBytes = KernelTextFile.unsigned("\(dev)/mem_info_gtt_used")
    sample.gttTotalBytes = KernelTextFile.unsigned("\(dev)/mem_info_gtt_total")
    sample.busyPercent = KernelTextFile.integer("\(dev)/gpu_busy_percent").map(Double.init)
    sample.memoryBusyPercent = KernelTextFile.integer("\(dev)/mem_busy_percent").map(Double.init)
    sample.coreClockMHz = KernelTextFile.read("\(dev)/pp_dpm_sclk").flatMap(AMDGPUSysfsText.currentLevelMHz)
    sample.memoryClockMHz = KernelTextFile.read("\(dev)/pp_dpm_mclk").flatMap(AMDGPUSysfsText.currentLevelMHz)
    var reading = AMDGPUReading(
      card: card, sample: sample, visibleVRAMUsedBytes: KernelTextFile.unsigned("\(dev)/mem_info_vis_vram_used"),
      visibleVRAMTotalBytes: KernelTextFile.unsigned("\(dev)/mem_info_vis_vram_total"))
    if let hwmon = hwmonPath(device: dev) { readHwmon(hwmon, into: &reading) }
    guard KernelTextFile.exists("\(dev)/uevent") else {
      throw SamplerError(sampler: name, message: "\(card.card) vanished while being read (\(dev))")
    }
    return reading
  }

  /// `device/hwmon/hwmon<M>`: the one whose `name` is "amdgpu", else the lowest-numbered.
  func hwmonPath(device: String) -> String? {
    guard let names = KernelTextFile.list("\(device)/hwmon") else { return nil }
    let indexed = names.compactMap { name in AMDGPUSysfsText.index(of: name, prefix: "hwmon").map { ($0, name) } }
    let ordered = indexed.sorted { $0.0 < $1.0 }.map { "\(device)/hwmon/\($0.1)" }
    return ordered.first { KernelTextFile.value("\($0)/name") == "amdgpu" } ?? ordered.first
  }

  /// An APU's hwmon: `in1_label` is "vddnb", or `in1_input` exists (a label-less kernel).
  static func isAPU(hwmon: String) -> Bool {
    KernelTextFile.value("\(hwmon)/in1_label") == "vddnb" || KernelTextFile.exists("\(hwmon)/in1_input")
  }

  private func readHwmon(_ hwmon: String, into reading: inout AMDGPUReading) {
    for source in ["power1_average", "power1_input"] {
      if let microwatts = KernelTextFile.integer("\(hwmon)/\(source)") {
        reading.sample.powerWatts = Double(microwatts) / 1_000_000
        reading.powerSource = source
        break
      }
    }
    // amdgpu shows in1 (vddnb, the northbridge rail) only on APUs (amdgpu_pm.c
    // hwmon_attributes_visible), whose power1_* is the SoC's, CPU included.
    if reading.sample.powerWatts != nil, Self.isAPU(hwmon: hwmon) { reading.sample.powerIncludesCPU = true }
    reading.powerCapWatts = KernelTextFile.integer("\(hwmon)/power1_cap").map { Double($0) / 1_000_000 }
    reading.sample.fanRPM = KernelTextFile.integer("\(hwmon)/fan1_input").map(Double.init)
    var temperatures: [String: Double] = [:]
    for name in KernelTextFile.list(hwmon) ?? [] {
      guard let index = AMDGPUSysfsText.index(of: name, prefix: "temp", suffix: "_input"),
        let millidegrees = KernelTextFile.integer("\(hwmon)/\(name)")
      else { continue }
      let label =
        KernelTextFile.value("\(hwmon)/temp\(index)_label").flatMap { $0.isEmpty ? nil : $0 } ?? "temp\(index)"
      temperatures[label] = Double(millidegrees) / 1000
    }
    reading.sample.temperaturesCelsius = temperatures
  }
}
