import Foundation
import Testing

@testable import StrataTelemetry

/// Root of a recorded tree under Tests/StrataTelemetryTests/Fixtures.
private func amdFixture(_ path: String) -> String {
  Bundle.module.bundleURL.appendingPathComponent("Fixtures/\(path)").path
}

/// A writable copy of a fixture tree in a fresh temporary directory.
private func amdScratchCopy(of path: String) throws -> String {
  let target = FileManager.default.temporaryDirectory.appendingPathComponent("strata-amd-\(UUID().uuidString)")
  try FileManager.default.copyItem(atPath: amdFixture(path), toPath: target.path)
  return target.path
}

@Suite("amdgpu sysfs sampler on recorded trees")
struct AMDSysfsTests {
  let xtx = AMDGPUSysfsSampler(sysRoot: amdFixture("amd-7900xtx/sys"))

  @Test("an APU's power is the SoC's, CPU included: marked; a discrete card's is not")
  func apuPowerIncludesCPU() throws {
    let apu = AMDGPUSysfsSampler(sysRoot: amdFixture("amd-780m-apu/sys"))
    let sample = try #require(try apu.sampleDevices().first)
    #expect(sample.device == "0000:c4:00.0")
    #expect(sample.powerWatts == 27.4)  // power1_average 27400000 µW
    #expect(sample.powerIncludesCPU == true)  // in1 (vddnb) exists only on APUs
    #expect(try xtx.sampleDevices().allSatisfy { $0.powerIncludesCPU == nil })
    let point = TelemetryPoint(monoNanos: 0, process: nil, devices: [sample])
    #expect(TelemetrySummary.of([point], baselineVRAM: [:]).powerIncludesCPU == true)
    #expect(
      TelemetrySummary.of(
        [TelemetryPoint(monoNanos: 0, process: nil, devices: try xtx.sampleDevices())], baselineVRAM: [:]
      ).powerIncludesCPU == nil)
  }

  @Test func findsOnlyTheCardNodeOfTheAmdgpuDevice() throws {
    // class/drm holds card1, renderD128 (same uevent, DRIVER=amdgpu), card1-DP-1 and version.
    let cards = xtx.cards()
    #expect(cards.map(\.card) == ["card1"])
    let card = try #require(cards.first)
    #expect(card.pciSlot == "0000:03:00.0")  // uevent PCI_SLOT_NAME
    #expect(card.pciID == "1002:744C")  // uevent PCI_ID
    #expect(xtx.status() == SamplerStatus(sampler: "amdgpu-sysfs", available: true))
    #expect(xtx.name == "amdgpu-sysfs")
  }

  @Test func readsEveryAttributeInItsUnit() throws {
    let samples = try xtx.sampleDevices()
    #expect(samples.count == 1)
    let s = try #require(samples.first)
    #expect(s.device == "0000:03:00.0")
    #expect(s.vramTotalBytes == 25_753_026_560)  // mem_info_vram_total, bytes (24560 MiB)
    #expect(s.vramUsedBytes == 6_046_314_496)  // mem_info_vram_used
    #expect(s.gttTotalBytes == 33_509_806_080)  // mem_info_gtt_total
    #expect(s.gttUsedBytes == 109_051_904)  // mem_info_gtt_used
    #expect(s.busyPercent == 97)  // gpu_busy_percent
    #expect(s.memoryBusyPercent == 41)  // mem_busy_percent
    #expect(s.coreClockMHz == 2482)  // pp_dpm_sclk "1: 2482Mhz *"
    #expect(s.memoryClockMHz == 1249)  // pp_dpm_mclk "3: 1249Mhz *"
    // power1_average 338000000 µW is preferred over power1_input 352000000 µW: 338000000 / 1e6 = 338 W.
    #expect(s.powerWatts == 338)
    // temp1/2/3_input 54000, 71000, 68000 m°C named by temp*_label edge, junction, mem.
    #expect(s.temperaturesCelsius == ["edge": 54, "junction": 71, "mem": 68])
    #expect(s.fanRPM == 1187)  // fan1_input
    let reading = try #require(try xtx.readings().first)
    #expect(reading.visibleVRAMUsedBytes == 5_989_621_760)  // mem_info_vis_vram_used
    #expect(reading.visibleVRAMTotalBytes == 25_753_026_560)  // mem_info_vis_vram_total
    #expect(reading.powerCapWatts == 339)  // power1_cap 339000000 µW
    #expect(reading.powerSource == "power1_average")
  }

  @Test func otherDriversAndEmptyTreesAreNotAmdgpu() throws {
    // intel-arc-xe: card0/device/uevent says DRIVER=xe.
    let xe = AMDGPUSysfsSampler(sysRoot: amdFixture("intel-arc-xe/sys"))
    #expect(xe.cards().isEmpty)
    #expect(try xe.sampleDevices().isEmpty)
    #expect(xe.status().available == false)
    #expect(xe.status().reason == "no amdgpu device under \(amdFixture("intel-arc-xe/sys"))/class/drm")
    #expect(throws: SamplerError.self) { try xe.reading(card: "card0") }
    // no-gpu: class/drm holds only the "version" file.
    let none = AMDGPUSysfsSampler(sysRoot: amdFixture("no-gpu/sys"))
    #expect(none.status().available == false)
    #expect(try none.sampleDevices().isEmpty)
    // A root with no class/drm at all.
    #expect(AMDGPUSysfsSampler(sysRoot: amdFixture("no-such-tree")).status().available == false)
  }

  @Test func aVanishedCardIsASamplerError() throws {
    #expect(throws: SamplerError.self) { try xtx.reading(card: "card9") }
    let root = try amdScratchCopy(of: "amd-7900xtx/sys")
    defer { try? FileManager.default.removeItem(atPath: root) }
    let sampler = AMDGPUSysfsSampler(sysRoot: root)
    let card = try #require(sampler.cards().first)
    try FileManager.default.removeItem(atPath: "\(root)/class/drm/card1")
    #expect(throws: SamplerError.self) { try sampler.reading(of: card) }
  }

  @Test func missingOrUnreadableAttributesAreNil() throws {
    let root = try amdScratchCopy(of: "amd-7900xtx/sys")
    defer { try? FileManager.default.removeItem(atPath: root) }
    let dev = "\(root)/class/drm/card1/device"
    let fm = FileManager.default
    // A read that fails (here EISDIR; on hardware EPERM during reset) gives nil, not a throw.
    try fm.removeItem(atPath: "\(dev)/gpu_busy_percent")
    try fm.createDirectory(atPath: "\(dev)/gpu_busy_percent", withIntermediateDirectories: false)
    try fm.removeItem(atPath: "\(dev)/mem_info_gtt_used")
    try fm.removeItem(atPath: "\(dev)/hwmon/hwmon2/power1_average")
    try fm.removeItem(atPath: "\(dev)/hwmon/hwmon2/temp3_label")
    let reading = try #require(try AMDGPUSysfsSampler(sysRoot: root).readings().first)
    #expect(reading.sample.busyPercent == nil)
    #expect(reading.sample.gttUsedBytes == nil)
    #expect(reading.sample.vramUsedBytes == 6_046_314_496)
    // power1_input 352000000 µW = 352 W when power1_average is absent.
    #expect(reading.sample.powerWatts == 352)
    #expect(reading.powerSource == "power1_input")
    // temp3 has no label any more: it is named after its file.
    #expect(reading.sample.temperaturesCelsius == ["edge": 54, "junction": 71, "temp3": 68])
    try fm.removeItem(atPath: "\(dev)/hwmon")
    let bare = try #require(try AMDGPUSysfsSampler(sysRoot: root).sampleDevices().first)
    #expect(bare.powerWatts == nil && bare.fanRPM == nil && bare.temperaturesCelsius.isEmpty)
  }

  @Test(arguments: [
    ("0: 500Mhz \n1: 2482Mhz *\n2: 2526Mhz \n", 2482.0),
    ("S: 19Mhz *\n0: 500Mhz \n1: 2526Mhz \n", 19.0),  // deep-sleep level
    ("0: 400Mhz \n1: 800Mhz \n   1106Mhz *\n", 1106.0),  // APU clock between levels
    ("0: 96Mhz *\n1: 456Mhz \n", 96.0),
  ])
  func currentDPMLevel(text: String, mhz: Double) {
    #expect(AMDGPUSysfsText.currentLevelMHz(text) == mhz)
  }

  @Test func aDPMTableWithoutAMarkHasNoCurrentLevel() {
    #expect(AMDGPUSysfsText.currentLevelMHz("0: 500Mhz \n1: 2482Mhz \n") == nil)
  }

  /// amd-7900xtx-seq/t0…t4: snapshots 100 ms apart (see monotonic_ns), power only as power1_input.
  @Test func peaksOverASequenceOfSnapshots() throws {
    let samples = try (0...4).map { t -> DeviceSample in
      let sampler = AMDGPUSysfsSampler(sysRoot: amdFixture("amd-7900xtx-seq/t\(t)/sys"))
      return try #require(try sampler.sampleDevices().first)
    }
    // mem_info_vram_used: 1912602624, 6046314496, 5534605312, 5534605312, 5534605312 — rises, then falls.
    #expect(
      samples.map(\.vramUsedBytes) == [1_912_602_624, 6_046_314_496, 5_534_605_312, 5_534_605_312, 5_534_605_312])
    #expect(samples.compactMap(\.vramUsedBytes).max() == 6_046_314_496)
    // power1_input µW / 1e6: 118250000, 346125000, 351000000, 349500000, 340000000.
    #expect(samples.map(\.powerWatts) == [118.25, 346.125, 351, 349.5, 340])
    #expect(samples.compactMap(\.powerWatts).max() == 351)
    // temp2_input (junction) 44000 … 83000 m°C: the maximum is t4's 83 °C.
    #expect(samples.compactMap { $0.temperaturesCelsius["junction"] }.max() == 83)
    // pp_dpm_sclk current levels 1203, 2482, 2526, 2490, 2465 MHz; pp_dpm_mclk 772 then 1249.
    #expect(samples.map(\.coreClockMHz) == [1203, 2482, 2526, 2490, 2465])
    #expect(samples.map(\.memoryClockMHz) == [772, 1249, 1249, 1249, 1249])
    #expect(samples.map(\.fanRPM) == [0, 0, 1104, 1245, 1378])
  }

  /// The real machine: on a host without an amdgpu card the sampler says so, with a reason.
  @Test func realSysfs() throws {
    let status = AMDGPUSysfsSampler(sysRoot: "/sys").status()
    let drm = "/sys/class/drm"
    let hasAmdgpu = ((try? FileManager.default.contentsOfDirectory(atPath: drm)) ?? []).contains { name in
      let uevent = (try? String(contentsOfFile: "\(drm)/\(name)/device/uevent", encoding: .utf8)) ?? ""
      return name.hasPrefix("card") && !name.contains("-") && uevent.contains("DRIVER=amdgpu\n")
    }
    #expect(status.available == hasAmdgpu)
    if !hasAmdgpu {
      #expect(status.reason == "no amdgpu device under /sys/class/drm")
    }
  }
}
