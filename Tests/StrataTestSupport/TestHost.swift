import Foundation
import StrataClient
import StrataConfig

/// Host contexts for tests: the real machine's roots and environment (integration
/// tests that start real servers), with strata's directories kept under the test's own.
public enum TestHost {
  /// Config paths expanded as the real machine's strata would (`~`, `${STRATA_CACHE}`
  /// where set-up put the engines, models and items).
  public static var expander: PathExpander {
    let environment = ProcessInfo.processInfo.environment
    let home = environment["HOME"] ?? "/root"
    return .standard(
      environment: environment, home: home, cache: environment["STRATA_CACHE"] ?? "\(home)/.cache/strata")
  }

  public static func live(
    under directory: String, environment: [String: String] = ProcessInfo.processInfo.environment,
    wall: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
  ) -> HostContext {
    HostContext(
      roots: .system, environment: environment,
      directories: HostDirectories(
        home: environment["HOME"] ?? directory, cache: "\(directory)/cache", state: "\(directory)/state",
        temporary: "\(directory)/tmp"),
      clock: HostClock(wall: wall, monotonic: { MonotonicClock.seconds() }), hostname: "test-host",
      interactive: false)
  }
}
