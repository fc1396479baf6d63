import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// An exclusive `flock` on a file under the cache's `.locks/`, so two pulls (two strata,
/// or a timer and an operator) never write the same blob at once. The kernel drops it
/// when the holder dies, so a killed pull never leaves the file locked.
final class DownloadLock: Sendable {
  private let fd: Int32

  private init(fd: Int32) { self.fd = fd }

  /// Takes the lock, polling every half second while another process holds it.
  static func acquire(_ path: String, onWait: @Sendable () -> Void) async throws(HubError) -> DownloadLock {
    try FileSystem.createDirectory((path as NSString).deletingLastPathComponent)
    let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw .io(path: path, message: "cannot open the lock: \(String(cString: strerror(errno)))") }
    var told = false
    while flock(fd, LOCK_EX | LOCK_NB) != 0 {
      guard errno == EWOULDBLOCK else {
        let message = String(cString: strerror(errno))
        close(fd)
        throw .io(path: path, message: "cannot lock it: \(message)")
      }
      if !told {
        onWait()
        told = true
      }
      do {
        try await Task.sleep(nanoseconds: 500_000_000)
      } catch {
        close(fd)
        throw .io(path: path, message: "cancelled while waiting for the lock")
      }
    }
    return DownloadLock(fd: fd)
  }

  func release() {
    flock(fd, LOCK_UN)
    close(fd)
  }
}
