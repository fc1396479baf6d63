import Foundation
import StrataConfig
import StrataEngine
import StrataGGUF

/// The roofline inputs a sweep stores with each server: what one generated token reads.
enum Roofline {
  /// The traffic of `launch`, from its model's header; nil when the header cannot be read
  /// (the memory-fit check says why). `devices`: what the engine's `--list-devices` listed.
  static func traffic(_ launch: ServerLaunch, devices: [String]) -> TokenTraffic? {
    guard let shape = try? ModelShape.read(path: launch.modelPath) else { return nil }
    return TokenTraffic.predict(
      shape, settings: LoadSettings.from(arguments: launch.arguments(port: 0)),
      onDevice: readsDeviceMemory(launch.engine.backend, devices: devices))
  }

  /// Whether a server's offloaded layers live in memory other than the host's: not on a CPU
  /// backend, nor on Vulkan's llvmpipe (a software device whose memory is host memory).
  static func readsDeviceMemory(_ backend: Backend, devices: [String]) -> Bool {
    backend != .cpu && !(devices.first?.contains("llvmpipe") ?? false)
  }

  static func json(_ traffic: TokenTraffic?) -> String? {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return traffic.flatMap { try? encoder.encode($0) }.map { String(decoding: $0, as: UTF8.self) }
  }
}
