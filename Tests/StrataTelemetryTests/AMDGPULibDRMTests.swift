import Foundation
import Testing

@testable import StrataTelemetry

#if canImport(Glibc)
  import Glibc
#endif

/// A stand-in for libdrm_amdgpu — not the real library: the answers the info ioctl gives, in the
/// kernel's units (amdgpu_kms.c), for the Radeon RX 7900 XTX recorded in Fixtures/amd-7900xtx,
/// so the libdrm and sysfs samplers can be checked to describe the same card the same way.
/// `refusals` makes single queries fail with an errno, as a product without a sensor does.
struct RecordedAMDGPUDevice: AMDGPUQueryDevice {
  var pciSlot = "0000:03:00.0"  // uevent PCI_SLOT_NAME of the recorded card
  var node = "/dev/dri/renderD128"
  var usage: [AMDGPUUsageQuery: UInt64] = [
    .vram: 6_046_314_496,  // = mem_info_vram_used
    .visibleVRAM: 5_989_621_760,  // = mem_info_vis_vram_used
    .gtt: 109_051_904,  // = mem_info_gtt_used
  ]
  var heaps: AMDGPUMemoryHeaps? = AMDGPUMemoryHeaps(
    vram: AMDGPUHeap(totalBytes: 25_753_026_560, usedBytes: 6_046_314_496),  // mem_info_vram_total
    visibleVRAM: AMDGPUHeap(totalBytes: 25_753_026_560, usedBytes: 5_989_621_760),  // resizable BAR: all of it
    gtt: AMDGPUHeap(totalBytes: 33_509_806_080, usedBytes: 109_051_904))  // mem_info_gtt_total
  var sensors: [AMDGPUSensor: UInt32] = [
    .graphicsClockMHz: 2482,  // pp_dpm_sclk current level; hwmon freq1_input 2482000000 Hz
    .memoryClockMHz: 1249,  // pp_dpm_mclk current level; freq2_input 1249000000 Hz
    .temperatureMillidegrees: 54000,  // edge = hwmon temp1_input
    .loadPercent: 97,  // gpu_busy_percent
    .averagePowerWatts: 338,  // power1_average 338000000 µW, fraction dropped by `>> 8`
    .inputPowerWatts: 352,  // power1_input 352000000 µW
  ]
  var refusals: [AMDGPUSensor: Int32] = [:]
  var usageRefusal: Int32?
  var memoryRefusal: Int32?

  func usageBytes(_ query: AMDGPUUsageQuery) throws(AMDGPUQueryFailure) -> UInt64 {
    if let usageRefusal { throw AMDGPUQueryFailure(errno: usageRefusal) }
    guard let value = usage[query] else { throw AMDGPUQueryFailure(errno: EINVAL) }
    return value
  }

  func memory() throws(AMDGPUQueryFailure) -> AMDGPUMemoryHeaps {
    if let memoryRefusal { throw AMDGPUQueryFailure(errno: memoryRefusal) }
    guard let heaps else { throw AMDGPUQueryFailure(errno: EINVAL) }
    return heaps
  }

  func sensor(_ sensor: AMDGPUSensor) throws(AMDGPUQueryFailure) -> UInt32 {
    if let code = refusals[sensor] { throw AMDGPUQueryFailure(errno: code) }
    guard let value = sensors[sensor] else { throw AMDGPUQueryFailure(errno: EINVAL) }
    return value
  }
}

@Suite("amdgpu libdrm sampler: decoding with a recorded stand-in, and the real library on this host")
struct AMDGPULibDRMTests {
  @Test("The stand-in's answers become a sample in strata's units, with the PCI slot as identity")
  func decodesEveryQuery() throws {
    let reading = try AMDGPULibDRMReadout.reading(of: RecordedAMDGPUDevice(), sampler: "amdgpu-libdrm")
    let s = reading.sample
    #expect(s.device == "0000:03:00.0")
    #expect(s.vramUsedBytes == 6_046_314_496)
    #expect(s.vramTotalBytes == 25_753_026_560)
    #expect(s.gttUsedBytes == 109_051_904)
    #expect(s.gttTotalBytes == 33_509_806_080)
    #expect(s.coreClockMHz == 2482)
    #expect(s.memoryClockMHz == 1249)
    #expect(s.busyPercent == 97)
    #expect(s.temperaturesCelsius == ["edge": 54])  // 54000 m°C / 1000
    #expect(s.powerWatts == 338)  // average preferred over input (352)
    #expect(s.fanRPM == nil && s.memoryBusyPercent == nil)  // no info query exists for these
    #expect(reading.powerSource == "average")
    #expect(reading.visibleVRAMUsedBytes == 5_989_621_760)
    #expect(reading.visibleVRAMTotalBytes == 25_753_026_560)
    #expect(reading.node == "/dev/dri/renderD128")
  }

  @Test("libdrm and sysfs readings of the same recorded card agree on every figure both have")
  func agreesWithTheSysfsSampler() throws {
    let fixture = Bundle.module.bundleURL.appendingPathComponent("Fixtures/amd-7900xtx/sys").path
    let sysfs = try #require(try AMDGPUSysfsSampler(sysRoot: fixture).sampleDevices().first)
    let libdrm = try #require(
      try AMDGPULibDRMSampler(devRoot: "stand-in", devices: [RecordedAMDGPUDevice()]).sampleDevices().first)
    #expect(libdrm.device == sysfs.device)
    #expect(libdrm.vramUsedBytes == sysfs.vramUsedBytes)
    #expect(libdrm.vramTotalBytes == sysfs.vramTotalBytes)
    #expect(libdrm.gttUsedBytes == sysfs.gttUsedBytes)
    #expect(libdrm.gttTotalBytes == sysfs.gttTotalBytes)
    #expect(libdrm.busyPercent == sysfs.busyPercent)
    #expect(libdrm.coreClockMHz == sysfs.coreClockMHz)
    #expect(libdrm.memoryClockMHz == sysfs.memoryClockMHz)
    #expect(libdrm.powerWatts == sysfs.powerWatts)
    #expect(libdrm.temperaturesCelsius["edge"] == sysfs.temperaturesCelsius["edge"])
  }

  @Test("Without an average-power sensor (EINVAL) the input-power sensor is used")
  func fallsBackToInputPower() throws {
    var device = RecordedAMDGPUDevice()
    device.refusals[.averagePowerWatts] = EINVAL
    let reading = try AMDGPULibDRMReadout.reading(of: device, sampler: "amdgpu-libdrm")
    #expect(reading.sample.powerWatts == 352)
    #expect(reading.powerSource == "input")
  }

  @Test("Sensors refused while power management is down (ENOENT) leave their fields nil, memory still reads")
  func sensorsDownLeaveFieldsNil() throws {
    var device = RecordedAMDGPUDevice()
    for sensor in AMDGPUSensor.allCases { device.refusals[sensor] = ENOENT }
    let reading = try AMDGPULibDRMReadout.reading(of: device, sampler: "amdgpu-libdrm")
    #expect(reading.sample.powerWatts == nil && reading.powerSource == nil)
    #expect(reading.sample.coreClockMHz == nil && reading.sample.busyPercent == nil)
    #expect(reading.sample.temperaturesCelsius.isEmpty)
    #expect(reading.sample.vramUsedBytes == 6_046_314_496)
  }

  @Test("When the usage queries fail, the used bytes come from AMDGPU_INFO_MEMORY's heap_usage")
  func usageFallsBackToHeaps() throws {
    var device = RecordedAMDGPUDevice()
    device.usageRefusal = EINVAL
    device.heaps?.vram.usedBytes = 7_000_000_000
    let reading = try AMDGPULibDRMReadout.reading(of: device, sampler: "amdgpu-libdrm")
    #expect(reading.sample.vramUsedBytes == 7_000_000_000)
    #expect(reading.sample.gttUsedBytes == 109_051_904)
    #expect(reading.visibleVRAMUsedBytes == 5_989_621_760)
  }

  @Test("A device that answers ENODEV (unplugged, failed reset) fails the sample with its slot named")
  func goneDeviceThrows() {
    var device = RecordedAMDGPUDevice()
    device.memoryRefusal = ENODEV
    let sampler = AMDGPULibDRMSampler(devRoot: "stand-in", devices: [device])
    #expect(sampler.status().available)
    let error = #expect(throws: SamplerError.self) { try sampler.sampleDevices() }
    #expect(error?.description.contains("0000:03:00.0") == true)
    #expect(error?.description.contains("ENODEV") == true)
  }

  @Test("Render nodes are picked from /dev/dri by name and ordered by number")
  func renderNodeNames() {
    let names = ["card0", "renderD129", "by-path", "renderD128", "renderDx", "card1"]
    #expect(AMDGPURenderNodeScan.renderNodes(names) == ["renderD128", "renderD129"])
  }

  @Test(
    "Each reason for having no device is one line that says what to do",
    arguments: [
      (nil, "no /dev/dri: no DRM driver is loaded, or the container was started without --device /dev/dri"),
      ([], "no render node (renderD*) in /dev/dri"),
      (
        [.openFailed(node: "/dev/dri/renderD128", errno: EACCES)],
        "permission denied opening /dev/dri/renderD128: add the user to the render group "
          + "(usermod -aG render <user>) and log in again"
      ),
      (
        [.initializeFailed(node: "/dev/dri/renderD128", errno: EBADF)],
        "amdgpu_device_initialize failed on /dev/dri/renderD128: errno 9 (Bad file descriptor)"
      ),
      (
        [.otherDriver(node: "/dev/dri/renderD128", driver: "i915")],
        "no amdgpu render node in /dev/dri (found: renderD128 (i915))"
      ),
    ] as [([LibDRMAMDGPUDevice.Opening]?, String)])
  func unavailableReasons(openings: [LibDRMAMDGPUDevice.Opening]?, reason: String) {
    let text = AMDGPURenderNodeScan.unavailableReason(driRoot: "/dev/dri", openings: openings)
    #expect(text == reason)
    #expect(!text.contains("\n"))
  }

  @Test("Real libdrm on this GPU-less host: unavailable with its reason, and sampling returns nothing without throwing")
  func realLibraryOnThisHost() throws {
    // Depends on the machine: the development and CI hosts have no /dev/dri.
    let sampler = AMDGPULibDRMSampler(devRoot: "/dev")
    let status = sampler.status()
    #expect(status.sampler == "amdgpu-libdrm")
    if !FileManagerProbe.hasDRI {
      #expect(!status.available)
      #expect(status.reason?.hasPrefix("no /dev/dri:") == true, "reason: \(status.reason ?? "nil")")
      #expect(try sampler.sampleDevices().isEmpty)
    } else {
      // A host with DRM devices: whatever it has, sampling must agree with the status.
      #expect(try sampler.sampleDevices().isEmpty == !status.available)
    }
  }

  @Test("Real libdrm on a /dev tree whose render node is no DRM device: opened, asked, named, left out")
  func realLibraryOnANonDRMNode() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-dev-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: root) }
    try FileManager.default.createDirectory(
      at: root.appendingPathComponent("dri"), withIntermediateDirectories: true)
    try Data().write(to: root.appendingPathComponent("dri/renderD128"))  // a plain file: drmGetVersion fails
    let sampler = AMDGPULibDRMSampler(devRoot: root.path)
    #expect(!sampler.status().available)
    #expect(sampler.status().reason == "no amdgpu render node in \(root.path)/dri (found: renderD128 (unknown))")
    #expect(try sampler.sampleDevices().isEmpty)
  }
}
