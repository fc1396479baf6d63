import Foundation
import StrataRun
import StrataTelemetry
import Testing

@Suite("Host inventory")
struct HostInventoryTests {
  /// A recorded /proc and /etc: lines copied from a real Debian 12 machine's files.
  static func fixture() throws -> (proc: String, etc: String) {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-host-\(UUID())").path
    let proc = "\(root)/proc"
    let etc = "\(root)/etc"
    try FileManager.default.createDirectory(atPath: "\(proc)/sys/kernel", withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: etc, withIntermediateDirectories: true)
    try """
    processor\t: 0
    vendor_id\t: AuthenticAMD
    model name\t: AMD EPYC 7B13
    cpu MHz\t\t: 2450.000

    processor\t: 1
    vendor_id\t: AuthenticAMD
    model name\t: AMD EPYC 7B13

    """.write(toFile: "\(proc)/cpuinfo", atomically: true, encoding: .utf8)
    try "MemTotal:       24568964 kB\nMemFree:        20000000 kB\n".write(
      toFile: "\(proc)/meminfo", atomically: true, encoding: .utf8)
    try "Linux\n".write(toFile: "\(proc)/sys/kernel/ostype", atomically: true, encoding: .utf8)
    try "6.1.0-27-amd64\n".write(toFile: "\(proc)/sys/kernel/osrelease", atomically: true, encoding: .utf8)
    try "box1\n".write(toFile: "\(proc)/sys/kernel/hostname", atomically: true, encoding: .utf8)
    try "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n".write(
      toFile: "\(etc)/os-release", atomically: true, encoding: .utf8)
    return (proc, etc)
  }

  @Test("reads CPU, cores, memory, OS and kernel from the given roots")
  func readsFixture() throws {
    let (proc, etc) = try Self.fixture()
    let host = HostInventory.read(procRoot: proc, etcRoot: etc)
    #expect(host.cpuModel == "AMD EPYC 7B13")
    #expect(host.logicalCores == 2)
    #expect(host.memoryBytes == 24_568_964 * 1024)
    #expect(host.os == "Debian GNU/Linux 12 (bookworm)")
    #expect(host.kernel == "Linux 6.1.0-27-amd64")
    #expect(host.hostname == "box1")
  }

  @Test("missing files give 'unknown', not a crash")
  func missingFiles() {
    let host = HostInventory.read(procRoot: "/nonexistent", etcRoot: "/nonexistent")
    #expect(host.cpuModel == "unknown" && host.os == "unknown" && host.kernel == "unknown")
    #expect(host.logicalCores == 0 && host.memoryBytes == 0)
  }
}

@Suite("Telemetry samplers on this host")
struct HostSamplersTests {
  @Test("each GPU sampler says whether it works and, if not, why; none claims a GPU on a machine without one")
  func detect() {
    let samplers = HostSamplers.detect(
      sysRoot: "/nonexistent-sys", devRoot: "/nonexistent-dev", searchPath: "/usr/bin:/bin")
    // Without amdgpu sysfs, libdrm is asked next for the same GPUs.
    #expect(samplers.statuses.map(\.sampler).prefix(3) == ["amdgpu-sysfs", "amdgpu-libdrm", "nvml"])
    #expect(samplers.statuses.dropFirst().first?.reason?.hasPrefix("no /nonexistent-dev/dri:") == true)
    for status in samplers.statuses where !status.available {
      #expect(!(status.reason ?? "").isEmpty)
    }
    #expect(samplers.statuses.first?.available == false)
  }

  @Test("where amdgpu sysfs works, libdrm is not asked, so the same GPU is not sampled twice")
  func libdrmOnlyWithoutSysfs() throws {
    // A minimal sysfs tree with one amdgpu card: the uevent lines pci_uevent and dev_uevent print.
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-sys-\(UUID())")
    defer { try? FileManager.default.removeItem(at: root) }
    let device = root.appendingPathComponent("class/drm/card0/device")
    try FileManager.default.createDirectory(at: device, withIntermediateDirectories: true)
    try "DRIVER=amdgpu\nPCI_ID=1002:744C\nPCI_SLOT_NAME=0000:03:00.0\n".write(
      to: device.appendingPathComponent("uevent"), atomically: true, encoding: .utf8)
    let samplers = HostSamplers.detect(sysRoot: root.path, devRoot: "/nonexistent-dev", searchPath: "/usr/bin:/bin")
    #expect(samplers.statuses.first == SamplerStatus(sampler: "amdgpu-sysfs", available: true))
    #expect(!samplers.statuses.map(\.sampler).contains("amdgpu-libdrm"))
    #expect(samplers.available.map(\.name).filter { $0.hasPrefix("amdgpu") } == ["amdgpu-sysfs"])
  }
}
