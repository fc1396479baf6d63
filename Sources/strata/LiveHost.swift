import Foundation
import StrataClient
import StrataConfig

#if canImport(Glibc)
  import Glibc
#endif

/// The one place strata reads the machine it runs on; every library gets this value.
enum LiveHost {
  static func context() -> HostContext {
    let environment = ProcessInfo.processInfo.environment
    let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
    return HostContext(
      roots: .system, environment: environment,
      directories: .xdg(home: home, environment: environment, temporary: NSTemporaryDirectory()),
      clock: HostClock(wall: { Date().timeIntervalSince1970 }, monotonic: { MonotonicClock.seconds() }),
      // The kernel's name, as the run's stored host inventory has it (estimates match runs by it).
      hostname: ((try? String(contentsOfFile: "/proc/sys/kernel/hostname", encoding: .utf8)) ?? "unknown")
        .trimmingCharacters(in: .whitespacesAndNewlines),
      interactive: isatty(STDERR_FILENO) == 1)
  }
}
