import Foundation
import StrataClient
import StrataConfig

/// Host contexts for tests: the real machine's roots and environment (integration
/// tests that start real servers), with strata's directories kept under the test's own.
public enum TestHost {
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
