#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Monotonic nanoseconds (CLOCK_MONOTONIC), the one clock every figure in strata uses.
///
/// The origin is arbitrary (usually boot); only differences between two readings mean
/// anything. Unlike wall-clock time it never jumps when NTP adjusts the system clock.
public enum MonotonicClock {
  /// Current CLOCK_MONOTONIC reading, in nanoseconds.
  public static func nanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
  }

  /// Milliseconds from `start` to `end`, both in nanoseconds from ``nanoseconds()``;
  /// negative when `end` precedes `start` (computed in integers, so no precision is lost
  /// on large clock readings).
  /// Current CLOCK_MONOTONIC reading, in seconds, for deadlines and durations.
  public static func seconds() -> Double { Double(nanoseconds()) / 1e9 }

  public static func milliseconds(from start: UInt64, to end: UInt64) -> Double {
    end >= start ? Double(end - start) / 1e6 : -Double(start - end) / 1e6
  }
}
