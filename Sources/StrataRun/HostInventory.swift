import Foundation
import StrataTelemetry

/// What a hardware comparison needs to know about the machine a run used.
public struct HostInventory: Sendable, Codable, Hashable {
  public var hostname: String
  public var cpuModel: String
  public var logicalCores: Int
  public var memoryBytes: UInt64
  public var os: String
  public var kernel: String
  /// The GPUs libdrm and the telemetry samplers see; empty on a machine without one.
  /// Filled by the sweep (`HostGPU.inventory`), not by `read`, which reads files only.
  public var gpus: [HostGPU] = []
  /// Host memory bandwidth, measured by the sweep before its first server starts
  /// (``MemoryBandwidth``); nil where it was not (older runs, imports, tests).
  public var memoryBandwidth: MemoryBandwidth? = nil

  public init(
    hostname: String, cpuModel: String, logicalCores: Int, memoryBytes: UInt64, os: String, kernel: String,
    gpus: [HostGPU] = [], memoryBandwidth: MemoryBandwidth? = nil
  ) {
    self.memoryBandwidth = memoryBandwidth
    self.hostname = hostname
    self.cpuModel = cpuModel
    self.logicalCores = logicalCores
    self.memoryBytes = memoryBytes
    self.os = os
    self.kernel = kernel
    self.gpus = gpus
  }

  private enum CodingKeys: String, CodingKey {
    case hostname, cpuModel, logicalCores, memoryBytes, os, kernel, gpus, memoryBandwidth
  }

  /// Runs stored before GPUs were inventoried have no `gpus` key: read as none.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    hostname = try container.decode(String.self, forKey: .hostname)
    cpuModel = try container.decode(String.self, forKey: .cpuModel)
    logicalCores = try container.decode(Int.self, forKey: .logicalCores)
    memoryBytes = try container.decode(UInt64.self, forKey: .memoryBytes)
    os = try container.decode(String.self, forKey: .os)
    kernel = try container.decode(String.self, forKey: .kernel)
    gpus = try container.decodeIfPresent([HostGPU].self, forKey: .gpus) ?? []
    memoryBandwidth = try container.decodeIfPresent(MemoryBandwidth.self, forKey: .memoryBandwidth)
  }

  /// Reads `/proc/cpuinfo`, `/proc/meminfo`, `/proc/sys/kernel/*` and
  /// `/etc/os-release` under the given roots (tests point them at fixtures).
  public static func read(procRoot: String, etcRoot: String) -> HostInventory {
    let cpuinfo = text("\(procRoot)/cpuinfo")
    let cpuLines = cpuinfo.split(separator: "\n")
    let model = cpuLines.first { $0.hasPrefix("model name") }.map(value) ?? "unknown"
    let cores = cpuLines.filter { $0.hasPrefix("processor") }.count
    let memoryBytes = meminfoBytes("MemTotal", procRoot: procRoot) ?? 0
    let osRelease = text("\(etcRoot)/os-release").split(separator: "\n").first { $0.hasPrefix("PRETTY_NAME=") }
      .map { String($0.dropFirst("PRETTY_NAME=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
    let kernel = [text("\(procRoot)/sys/kernel/ostype"), text("\(procRoot)/sys/kernel/osrelease")]
      .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }.joined(separator: " ")
    return HostInventory(
      hostname: text("\(procRoot)/sys/kernel/hostname").trimmingCharacters(in: .whitespacesAndNewlines),
      cpuModel: model, logicalCores: cores, memoryBytes: UInt64(memoryBytes), os: osRelease ?? "unknown",
      kernel: kernel.isEmpty ? "unknown" : kernel)
  }

  /// A `/proc/meminfo` figure ("MemTotal", "MemAvailable") in bytes; nil when absent.
  static func meminfoBytes(_ key: String, procRoot: String) -> Int? {
    text("\(procRoot)/meminfo").split(separator: "\n").first { $0.hasPrefix("\(key):") }
      .flatMap { Int(value($0).split(separator: " ").first ?? "") }
      .map { $0.multipliedReportingOverflow(by: 1024).overflow ? Int.max : $0 * 1024 }
  }

  private static func text(_ path: String) -> String {
    (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
  }

  private static func value(_ line: Substring) -> String {
    line.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
  }
}

/// One GPU of the host, as libdrm and the samplers that read it see it.
public struct HostGPU: Sendable, Codable, Hashable {
  /// PCI slot ("0000:03:00.0") where known, else the sampler's own name ("nvml:0")
  /// or, for a DRM device off the PCI bus, its first node.
  public var device: String
  /// PCI vendor and device ids (libdrm), e.g. 0x1002 0x744c for a Radeon RX 7900 XTX.
  public var vendorID: UInt16?
  public var deviceID: UInt16?
  public var vramTotalBytes: UInt64?
  /// Device nodes, e.g. "/dev/dri/card1", "/dev/dri/renderD128".
  public var nodes: [String]
  /// The telemetry samplers that read this device (empty: strata sees it but cannot sample it).
  public var samplers: [String]

  public init(
    device: String, vendorID: UInt16? = nil, deviceID: UInt16? = nil, vramTotalBytes: UInt64? = nil,
    nodes: [String] = [], samplers: [String] = []
  ) {
    self.device = device
    self.vendorID = vendorID
    self.deviceID = deviceID
    self.vramTotalBytes = vramTotalBytes
    self.nodes = nodes
    self.samplers = samplers
  }

  /// Merges libdrm's devices with one reading of each sampler, by device identity
  /// (the PCI slot, which both use), sorted by it.
  public static func inventory(drm: [DRMDevice], sampled: [(sampler: String, devices: [DeviceSample])]) -> [HostGPU] {
    var byDevice: [String: HostGPU] = [:]
    for device in drm {
      let id = device.pciSlot ?? device.nodes.first ?? "unknown"
      byDevice[id] = HostGPU(device: id, vendorID: device.vendorID, deviceID: device.deviceID, nodes: device.nodes)
    }
    for (sampler, devices) in sampled {
      for sample in devices {
        var gpu = byDevice[sample.device] ?? HostGPU(device: sample.device)
        gpu.vramTotalBytes = gpu.vramTotalBytes ?? sample.vramTotalBytes
        if !gpu.samplers.contains(sampler) { gpu.samplers.append(sampler) }
        byDevice[sample.device] = gpu
      }
    }
    return byDevice.values.sorted { $0.device < $1.device }
  }
}
