import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// The few file operations the cache needs, with errors that name the path.
enum FileSystem {
  /// The size of the file `path` names (following links); nil when there is none.
  static func size(of path: String) -> Int? {
    var info = stat()
    guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
    return Int(info.st_size)
  }

  static func createDirectory(_ path: String) throws(HubError) {
    do {
      try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
      throw .io(path: path, message: "cannot create the directory: \(error.localizedDescription)")
    }
  }

  /// Writes `text` to `path` through a temporary file and a rename, so a reader never sees half.
  static func writeAtomically(_ text: String, to path: String) throws(HubError) {
    do {
      try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
      throw .io(path: path, message: "cannot write it: \(error.localizedDescription)")
    }
  }

  static func remove(_ path: String) {
    unlink(path)
  }

  static func rename(_ from: String, to: String) throws(HubError) {
    guard Glibc.rename(from, to) == 0 else {
      throw .io(path: to, message: "cannot move \(from) here: \(String(cString: strerror(errno)))")
    }
  }

  /// Makes `path` a symbolic link to `target`, replacing whatever was there in one
  /// rename, so a server opening the path meanwhile sees the old link or the new, never none.
  static func link(_ path: String, to target: String) throws(HubError) {
    let temporary = "\(path).strata-\(getpid())"
    unlink(temporary)
    guard symlink(target, temporary) == 0 else {
      throw .io(path: path, message: "cannot create a link to \(target): \(String(cString: strerror(errno)))")
    }
    try rename(temporary, to: path)
  }

  /// Every regular file under `directory` (links followed), as paths relative to it, sorted.
  static func files(under directory: String) -> [String] {
    guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return [] }
    var result: [String] = []
    while let relative = enumerator.nextObject() as? String {
      if size(of: directory + "/" + relative) != nil { result.append(relative) }
    }
    return result.sorted()
  }
}
