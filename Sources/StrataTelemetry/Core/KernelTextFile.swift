#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Whole-file reads and directory listings for sysfs and procfs trees (real or recorded).
///
/// sysfs and procfs files report a size of 0 or 4096 whatever they hold, so they are read
/// to end of file in small chunks. Every failure — a missing file (`ENOENT`), a refused read
/// (`EPERM`, as amdgpu returns during reset or runtime suspend), a directory where a file was
/// expected (`EISDIR`) — comes back as `nil`: the callers turn that into a nil field.
enum KernelTextFile {
  /// The text of the file at `path`, or nil when it cannot be opened or read.
  /// `limit` bounds the bytes read (fdinfo and sysfs attributes are far below 64 KiB).
  static func read(_ path: String, limit: Int = 1 << 16) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while bytes.count < limit {
      let n = chunk.withUnsafeMutableBytes { buffer in
        #if canImport(Glibc)
          Glibc.read(fd, buffer.baseAddress, buffer.count)
        #else
          Darwin.read(fd, buffer.baseAddress, buffer.count)
        #endif
      }
      if n < 0 && errno == EINTR { continue }
      if n < 0 { return nil }
      if n == 0 { break }
      bytes.append(contentsOf: chunk.prefix(n))
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// The file's text with surrounding whitespace and the trailing newline removed.
  static func value(_ path: String) -> String? {
    guard let text = read(path) else { return nil }
    return text.trimmingKernelWhitespace()
  }

  /// The file's text parsed as a decimal integer (sysfs `%llu` / `%d` attributes), or nil.
  static func integer(_ path: String) -> Int64? {
    value(path).flatMap { Int64($0) }
  }

  /// The file's text parsed as an unsigned decimal integer (sysfs `%llu` attributes), or nil.
  static func unsigned(_ path: String) -> UInt64? {
    value(path).flatMap { UInt64($0) }
  }

  /// Names in the directory at `path` (without "." and ".."), or nil when it cannot be listed.
  static func list(_ path: String) -> [String]? {
    guard let dir = opendir(path) else { return nil }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
      let name = withUnsafePointer(to: &entry.pointee.d_name) { pointer in
        pointer.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: pointer.pointee)) {
          String(cString: $0)
        }
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names
  }

  /// Whether anything exists at `path` (following symbolic links, as sysfs `device` links need).
  static func exists(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0
  }

  /// True when `path` exists and is *not* a character device — used to skip
  /// `/proc/<pid>/fd/<n>` entries that cannot be DRM fds. nil when `path` cannot be stat'ed
  /// (no such file, or a recorded tree that has no `fd/` directory).
  static func isKnownNonCharacterDevice(_ path: String) -> Bool? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return (info.st_mode & S_IFMT) != S_IFCHR
  }
}

extension StringProtocol {
  /// The string without leading and trailing spaces, tabs and newlines.
  func trimmingKernelWhitespace() -> String {
    let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
    guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
      return ""
    }
    return String(self[first...last])
  }
}
