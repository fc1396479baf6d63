import Foundation

/// What a hardware comparison needs to know about the machine a run used.
public struct HostInventory: Sendable, Codable, Hashable {
  public var hostname: String
  public var cpuModel: String
  public var logicalCores: Int
  public var memoryBytes: UInt64
  public var os: String
  public var kernel: String

  /// Reads `/proc/cpuinfo`, `/proc/meminfo`, `/proc/sys/kernel/*` and
  /// `/etc/os-release` under the given roots (tests point them at fixtures).
  public static func read(procRoot: String = "/proc", etcRoot: String = "/etc") -> HostInventory {
    let cpuinfo = text("\(procRoot)/cpuinfo")
    let cpuLines = cpuinfo.split(separator: "\n")
    let model = cpuLines.first { $0.hasPrefix("model name") }.map(value) ?? "unknown"
    let cores = cpuLines.filter { $0.hasPrefix("processor") }.count
    let memKiB =
      text("\(procRoot)/meminfo").split(separator: "\n").first { $0.hasPrefix("MemTotal:") }
      .flatMap { UInt64(value($0).split(separator: " ").first ?? "") } ?? 0
    let osRelease = text("\(etcRoot)/os-release").split(separator: "\n").first { $0.hasPrefix("PRETTY_NAME=") }
      .map { String($0.dropFirst("PRETTY_NAME=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
    let kernel = [text("\(procRoot)/sys/kernel/ostype"), text("\(procRoot)/sys/kernel/osrelease")]
      .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }.joined(separator: " ")
    return HostInventory(
      hostname: text("\(procRoot)/sys/kernel/hostname").trimmingCharacters(in: .whitespacesAndNewlines),
      cpuModel: model, logicalCores: cores, memoryBytes: memKiB * 1024, os: osRelease ?? "unknown",
      kernel: kernel.isEmpty ? "unknown" : kernel)
  }

  private static func text(_ path: String) -> String {
    (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
  }

  private static func value(_ line: Substring) -> String {
    line.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
  }
}
