import Foundation
import StrataConfig

/// What podman says of itself (`podman info --format json`): whether it runs rootless,
/// and which OCI runtime it starts containers with. Both decide how device groups reach
/// a container (``DeviceGroupAccess``).
public struct ContainerHostInfo: Sendable, Hashable {
  /// `host.security.rootless`.
  public var rootless: Bool
  /// `host.ociRuntime.name`: "crun", "runc", …
  public var ociRuntime: String?

  public init(rootless: Bool, ociRuntime: String?) {
    self.rootless = rootless
    self.ociRuntime = ociRuntime
  }

  /// Parses `podman info --format json`; nil when the text is not that.
  public init?(podmanInfo text: String) {
    guard let data = text.data(using: .utf8),
      let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
      let host = root["host"] as? [String: Any],
      let security = host["security"] as? [String: Any],
      let rootless = security["rootless"] as? Bool
    else { return nil }
    self.rootless = rootless
    ociRuntime = (host["ociRuntime"] as? [String: Any])?["name"] as? String
  }
}

/// How a ROCm or Vulkan container gets the groups that own `/dev/kfd` and the render
/// nodes (`root:render 0660` on most distributions; the images do not define the groups).
public enum DeviceGroupAccess: Sendable, Hashable {
  /// `--group-add <gid>` for each: rootful runtimes, where host gids mean themselves.
  case numeric([Int])
  /// `--group-add keep-groups`: rootless podman on crun keeps the user's own groups.
  case keepGroups
  /// No way in: why, and what to do.
  case unavailable(String)

  /// The access for `backend` under `runtime` on a host described by `host` (nil: not asked,
  /// or docker), with the host's group ids.
  ///
  /// In a rootless user namespace a numeric `--group-add` is mapped to a subordinate gid, not
  /// the host's render group, so the devices stay unreadable and HIP/RADV list no GPU.
  /// podman's `keep-groups` passes the caller's supplementary groups through instead; podman
  /// supports it only with crun.
  public static func of(
    _ backend: Backend, runtime: ContainerRuntime.Kind, host: ContainerHostInfo?, hostGroups: [String: Int]
  ) -> DeviceGroupAccess {
    guard backend == .rocm || backend == .vulkan else { return .numeric([]) }
    guard runtime == .podman, let host, host.rootless else {
      // Rootful: root in the container opens Vulkan's render node; ROCm's images run as
      // root too, but llama.cpp's docs add video and render for /dev/kfd.
      return .numeric(backend == .rocm ? ["video", "render"].compactMap { hostGroups[$0] } : [])
    }
    if host.ociRuntime == "crun" { return .keepGroups }
    return .unavailable(
      "rootless podman with the \(host.ociRuntime ?? "unknown") OCI runtime cannot hand your render/video groups "
        + "to the container (a numeric --group-add maps to a subordinate gid in the user namespace, so "
        + "/dev/kfd and /dev/dri/renderD* are unreadable and the GPU is not seen); --group-add keep-groups "
        + "needs crun: install crun and set runtime = \"crun\" under [engine] in containers.conf, "
        + "or run strata as root, or use the process engine")
  }

  /// The `--group-add` arguments; none when unavailable.
  public var arguments: [String] {
    switch self {
    case .numeric(let gids): gids.flatMap { ["--group-add", String($0)] }
    case .keepGroups: ["--group-add", "keep-groups"]
    case .unavailable: []
    }
  }

  /// The reason, when unavailable.
  public var refusal: String? {
    if case .unavailable(let reason) = self { return reason }
    return nil
  }
}
