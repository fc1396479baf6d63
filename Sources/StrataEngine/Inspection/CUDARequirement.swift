import Foundation

/// A CUDA version, major.minor, as drivers report what they support and images what they need.
public struct CUDAVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
  public var major: Int
  public var minor: Int

  public init(major: Int, minor: Int) {
    self.major = major
    self.minor = minor
  }

  /// From NVML's `nvmlSystemGetCudaDriverVersion` code, 1000 × major + 10 × minor (12020 = 12.2).
  public init?(nvmlCode: Int32) {
    guard nvmlCode > 0 else { return nil }
    self.init(major: Int(nvmlCode) / 1000, minor: (Int(nvmlCode) % 1000) / 10)
  }

  /// From "12.8" or "12.8.1".
  public init?(_ text: some StringProtocol) {
    let parts = text.split(separator: ".")
    guard parts.count >= 2, let major = Int(parts[0]), let minor = Int(parts[1]) else { return nil }
    self.init(major: major, minor: minor)
  }

  public static func < (a: CUDAVersion, b: CUDAVersion) -> Bool { (a.major, a.minor) < (b.major, b.minor) }

  public var description: String { "\(major).\(minor)" }
}

/// The CUDA version a container image needs from the host driver, and how it is said.
///
/// NVIDIA's CUDA base images set `NVIDIA_REQUIRE_CUDA="cuda>=12.8 brand=…"`; the container
/// toolkit's `nvidia-container-cli` refuses to start the container when the driver's CUDA
/// version is lower ("requirement error: unsatisfied condition: cuda>=12.8, please update your
/// driver to a newer version, or use an earlier cuda container").
public enum CUDARequirement {
  /// The version in an `NVIDIA_REQUIRE_CUDA` value: its `cuda>=X.Y` term.
  public static func parse(requireCUDA value: String) -> CUDAVersion? {
    for term in value.split(whereSeparator: \.isWhitespace) where term.hasPrefix("cuda>=") {
      return CUDAVersion(term.dropFirst("cuda>=".count))
    }
    return nil
  }

  /// The requirement in an image's environment, `image inspect --format '{{json .Config.Env}}'`.
  public static func fromImageEnvironment(_ json: String) -> CUDAVersion? {
    guard let data = json.data(using: .utf8), let env = try? JSONDecoder().decode([String].self, from: data)
    else { return nil }
    let prefix = "NVIDIA_REQUIRE_CUDA="
    return env.first { $0.hasPrefix(prefix) }.flatMap { parse(requireCUDA: String($0.dropFirst(prefix.count))) }
  }

  /// What llama.cpp's published CUDA image needs before it is pulled: `server-cuda` is built
  /// from `.devops/cuda.Dockerfile`, whose default CUDA_VERSION is 12.8.1. Other images are
  /// only known once present (their environment says).
  public static func known(image: String) -> CUDAVersion? {
    image == "ghcr.io/ggml-org/llama.cpp:server-cuda" ? CUDAVersion(major: 12, minor: 8) : nil
  }

  /// The version of an "unsatisfied condition: cuda>=X.Y" in a runtime's error output.
  public static func unsatisfied(in output: String) -> CUDAVersion? {
    guard let range = output.range(of: "unsatisfied condition: cuda") else { return nil }
    let rest = output[range.upperBound...].drop { $0 == " " || $0 == ">" || $0 == "=" }
    return CUDAVersion(rest.prefix { $0.isNumber || $0 == "." })
  }

  /// The first Linux driver branch whose CUDA version reaches `version` (NVIDIA's CUDA
  /// toolkit release notes, table 3); nil past the table.
  public static func minimumDriver(for version: CUDAVersion) -> Int? {
    let branches: [(CUDAVersion, Int)] = [
      (CUDAVersion(major: 12, minor: 0), 525), (CUDAVersion(major: 12, minor: 1), 530),
      (CUDAVersion(major: 12, minor: 2), 535), (CUDAVersion(major: 12, minor: 3), 545),
      (CUDAVersion(major: 12, minor: 4), 550), (CUDAVersion(major: 12, minor: 5), 555),
      (CUDAVersion(major: 12, minor: 6), 560), (CUDAVersion(major: 12, minor: 8), 570),
      (CUDAVersion(major: 12, minor: 9), 575), (CUDAVersion(major: 13, minor: 0), 580),
    ]
    return branches.first { $0.0 >= version }?.1
  }

  /// The sentence `strata engines` shows when the driver is too old for the image.
  public static func tooOld(driver: CUDAVersion?, needs: CUDAVersion, image: String, engine: String) -> String {
    let have = driver.map { "supports CUDA \($0)" } ?? "does not support it"
    let branch = minimumDriver(for: needs).map { " (driver \($0) or newer)" } ?? ""
    return "the NVIDIA driver \(have), but \(image) needs cuda>=\(needs)\(branch): update the NVIDIA driver, "
      + "or use the process engine (engines/cuda.yaml, built by scripts/build-engines cuda) instead of \(engine)"
  }
}
