import Foundation
import StrataStore

/// The engines of a run with their identities, printed under the comparison
/// table: which llama.cpp build, backend, devices and image produced the rows,
/// and a warning when servers of one engine reported different builds.
public struct EngineIdentityLine: Sendable, Hashable, Decodable {
  public var engine = ""
  public var mode: String?
  public var runtime: String?
  public var backend: String?
  public var build: Int?
  public var commit: String?
  public var devices: [String]?
  public var imageID: String?
  public var imageDigests: [String]?
  public var runs: String?
  /// Older runs stored the binary and version line only.
  public var binary: String?
  public var version: String?
  public var available: Bool?
  public var reason: String?
  /// Distinct `build_info` values the servers of this engine reported.
  public var serverBuilds: [String] = []

  enum CodingKeys: String, CodingKey {
    case mode, runtime, backend, build, commit, devices, imageID, imageDigests, runs, binary, version, available, reason
  }

  /// Every field is optional: runs stored before engine reports existed hold only `binary` and `version`.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    mode = try c.decodeIfPresent(String.self, forKey: .mode)
    runtime = try c.decodeIfPresent(String.self, forKey: .runtime)
    backend = try c.decodeIfPresent(String.self, forKey: .backend)
    build = try c.decodeIfPresent(Int.self, forKey: .build)
    commit = try c.decodeIfPresent(String.self, forKey: .commit)
    devices = try c.decodeIfPresent([String].self, forKey: .devices)
    imageID = try c.decodeIfPresent(String.self, forKey: .imageID)
    imageDigests = try c.decodeIfPresent([String].self, forKey: .imageDigests)
    runs = try c.decodeIfPresent(String.self, forKey: .runs)
    binary = try c.decodeIfPresent(String.self, forKey: .binary)
    version = try c.decodeIfPresent(String.self, forKey: .version)
    available = try c.decodeIfPresent(Bool.self, forKey: .available)
    reason = try c.decodeIfPresent(String.self, forKey: .reason)
  }
}

public enum EngineSection {
  /// Reads the run's engine identities and its servers' reported builds.
  public static func lines(store: ResultStore, runId: String) throws(StoreError) -> [EngineIdentityLine] {
    guard let run = try store.run(id: runId) else { return [] }
    let decoded =
      (try? JSONDecoder().decode([String: EngineIdentityLine].self, from: Data(run.enginesJSON.utf8))) ?? [:]
    var builds: [String: Set<String>] = [:]
    for server in try store.servers(runId: runId) {
      if let info = server.buildInfo { builds[server.engine, default: []].insert(info) }
    }
    return decoded.keys.sorted().compactMap { name in
      guard var line = decoded[name] else { return nil }
      line.engine = name
      line.serverBuilds = builds[name].map { $0.sorted() } ?? []
      return line
    }
  }

  public static func render(_ lines: [EngineIdentityLine]) -> String {
    guard !lines.isEmpty else { return "" }
    let width = lines.map(\.engine.count).max() ?? 0
    var text = "engines:\n"
    for line in lines {
      text +=
        "  \(line.engine.padding(toLength: width, withPad: " ", startingAt: 0))  \(line.summary)\n"
      if line.serverBuilds.count > 1 {
        text +=
          "  warning: servers of \(line.engine) reported different builds: \(line.serverBuilds.joined(separator: ", "))\n"
      }
    }
    return text
  }
}

extension EngineIdentityLine {
  /// Mode, backend, build, image and devices, as one line.
  public var summary: String {
    var parts: [String] = []
    let launch = [mode, runtime].compactMap { $0 }.joined(separator: ", ")
    if !launch.isEmpty { parts.append(launch) }
    if let backend { parts.append(backend) }
    if let build {
      parts.append("build \(build)" + (commit.map { " (\($0))" } ?? ""))
    } else if let version {
      parts.append(version)
    }
    if mode == "container" {
      let digest = imageDigests?.first.map { " \($0)" } ?? ""
      parts.append(
        "image \(runs ?? "?") \(imageID.map { String($0.prefix(19)) } ?? "not present")\(digest)")
    }
    if let devices {
      parts.append("devices: " + (devices.isEmpty ? "none (CPU)" : devices.joined(separator: "; ")))
    }
    if available == false { parts.append("unavailable: \(reason ?? "?")") }
    return parts.joined(separator: "; ")
  }
}
