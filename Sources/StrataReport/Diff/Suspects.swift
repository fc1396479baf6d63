import Foundation
import StrataEval
import StrataStore

/// What differs between two runs besides the matrix: the engines' builds, images
/// and devices, the servers' reported builds, the host's CPU, memory, OS, kernel and
/// GPUs, strata's own version. When a cell regresses these are where to look first
/// (a llama.cpp update, a new image, a kernel or driver upgrade).
enum Suspects {
  /// `engines`: each matched pair of engine names, before and after (the same name unless the engine was the changed setting).
  static func between(_ before: DiffSide, _ after: DiffSide, engines: Set<[String]>) throws(StoreError) -> [Suspect] {
    var found: [Suspect] = []
    func compare(_ subject: String, _ one: String?, _ other: String?) {
      let a = one ?? "none"
      let b = other ?? "none"
      if a != b { found.append(Suspect(subject: subject, before: a, after: b)) }
    }
    let hostA = before.run.host
    let hostB = after.run.host
    compare("host", hostA.hostname, hostB.hostname)
    compare("CPU", hostA.cpuLabel, hostB.cpuLabel)
    compare("memory", hostA.memoryBytes.map(bytes), hostB.memoryBytes.map(bytes))
    compare("OS", hostA.os, hostB.os)
    compare("kernel", hostA.kernel, hostB.kernel)
    compare("GPUs", gpus(hostA), gpus(hostB))
    compare("strata", before.run.run.strataVersion, after.run.run.strataVersion)
    let linesA = Dictionary(
      uniqueKeysWithValues: try EngineSection.lines(store: before.store, runId: before.run.id).map { ($0.engine, $0) })
    let linesB = Dictionary(
      uniqueKeysWithValues: try EngineSection.lines(store: after.store, runId: after.run.id).map { ($0.engine, $0) })
    for pair in engines.sorted(by: { $0.joined() < $1.joined() }) {
      let (nameA, nameB) = (pair[0], pair[1])
      let subject = nameA == nameB ? "engine \(nameA)" : "engine \(nameA) → \(nameB)"
      let a = linesA[nameA]
      let b = linesB[nameB]
      compare("\(subject) build", a.map(build), b.map(build))
      compare("\(subject) server build", a.map { servers($0) }, b.map { servers($0) })
      compare("\(subject) mode", a.flatMap(\.mode), b.flatMap(\.mode))
      compare(
        "\(subject) image", a.flatMap(\.imageID).map { String($0.prefix(19)) },
        b.flatMap(\.imageID).map { String($0.prefix(19)) })
      compare(
        "\(subject) image digest", a?.imageDigests?.joined(separator: ", "), b?.imageDigests?.joined(separator: ", "))
      compare("\(subject) devices", a.map(devices), b.map(devices))
    }
    // A figure nobody recorded on either side ("none" → "none") was dropped above; one recorded on one side only stays.
    return found
  }

  static func build(_ line: EngineIdentityLine) -> String {
    if let build = line.build { return "\(build)" + (line.commit.map { " (\($0))" } ?? "") }
    return line.version ?? "unknown"
  }

  static func servers(_ line: EngineIdentityLine) -> String {
    line.serverBuilds.isEmpty ? "none" : line.serverBuilds.joined(separator: ", ")
  }

  static func devices(_ line: EngineIdentityLine) -> String {
    guard let devices = line.devices else { return "unknown" }
    return devices.isEmpty ? "none (CPU)" : devices.joined(separator: "; ")
  }

  static func gpus(_ host: ReportHost) -> String? {
    guard let gpus = host.gpus, !gpus.isEmpty else { return nil }
    return gpus.map { gpu in gpu.device + (gpu.vramTotalBytes.map { " (\(bytes($0)))" } ?? "") }.joined(separator: "; ")
  }

  static func bytes(_ value: UInt64) -> String { String(format: "%.1f GiB", Double(value) / 1_073_741_824) }
}

/// How diff figures read: signed percentages, intervals, shares, p-values.
enum DiffText {
  static func percent(_ value: Double) -> String {
    (value >= 0 ? "+" : "−") + String(format: "%.1f%%", abs(value))
  }

  /// "[−9.0, +6.8]": the ratio's interval as percentages.
  static func interval(_ test: RatioTest) -> String {
    "[\(signed((test.lower - 1) * 100)), \(signed((test.upper - 1) * 100))]"
  }

  static func signed(_ value: Double) -> String {
    (value >= 0 ? "+" : "−") + String(format: "%.1f", abs(value))
  }

  static func share(_ value: Double) -> String { String(format: "%.0f%%", value * 100) }

  static func p(_ value: Double) -> String {
    value < 0.0001 ? "<0.0001" : String(format: value < 0.01 ? "%.4f" : "%.2f", value)
  }

  static func figure(_ value: Double) -> String {
    String(format: value >= 100 ? "%.0f" : value >= 10 ? "%.1f" : "%.2f", value)
  }
}
