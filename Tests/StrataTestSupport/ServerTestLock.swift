import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// One llama-server-starting test at a time, across suites and test targets.
///
/// llama.cpp's worker threads spin while they wait for each other: two servers
/// with `-t 2` on a 2-core machine starve each other's spinning threads and
/// decode at under 1 token/s instead of ~100. A `flock` on a shared file (each
/// call opens its own descriptor, so calls in one process exclude each other)
/// keeps test servers from overlapping; waiting polls, so no cooperative thread
/// is blocked.
public enum ServerTestLock {
  public static let path = FileManager.default.temporaryDirectory.appendingPathComponent("strata-server-tests.lock")
    .path

  public static func run<T>(_ body: () async throws -> T) async throws -> T {
    try await FileTestLock.run(path: path, body)
  }
}

/// Sandboxed programs that fork many processes, one at a time: as root every sandbox
/// runs as `nobody`, whose RLIMIT_NPROC count they share, so a fork bomb in one test
/// makes another's ordinary `fork()` fail with EAGAIN.
public enum ForkTestLock {
  public static let path = FileManager.default.temporaryDirectory.appendingPathComponent("strata-fork-tests.lock").path

  public static func run<T>(_ body: () async throws -> T) async throws -> T {
    try await FileTestLock.run(path: path, body)
  }
}

/// A `flock` on a shared file, polled so no cooperative thread blocks.
enum FileTestLock {
  static func run<T>(path: String, _ body: () async throws -> T) async throws -> T {
    let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
    guard fd >= 0 else { return try await body() }
    defer { close(fd) }
    while flock(fd, LOCK_EX | LOCK_NB) != 0 {
      try await Task.sleep(nanoseconds: 50_000_000)
    }
    return try await body()
  }
}
