import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The throwaway directory of one run, made fresh and removed afterwards.
///
/// The program's working directory (and HOME, and TMPDIR) is `work/` inside it;
/// the program file and the captured output sit beside it, so the program cannot
/// clobber them by writing where it stands.
struct SandboxWorkspace {
  let root: String
  var work: String { root + "/work" }
  var program: String { root + "/main.py" }
  var stdoutPath: String { root + "/stdout" }
  var stderrPath: String { root + "/stderr" }

  /// Makes `<scratch>/strata-sandbox-XXXXXX/` (mkdtemp: a fresh name, mode 0700)
  /// with the program in it. With an `owner`, only `work/` becomes theirs and
  /// the rest stays strata's, readable but not writable by them.
  static func create(under scratch: String, source: String, owner: SandboxUser?) throws(SandboxError)
    -> SandboxWorkspace
  {
    // Standardized, so the program sees the same path strata reports (no "//").
    let base = URL(fileURLWithPath: scratch).standardizedFileURL.path
    // The host context names the temporary directory; it need not exist yet.
    try? FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
    var template = Array((base + "/strata-sandbox-XXXXXX").utf8CString)
    let made = template.withUnsafeMutableBufferPointer { $0.baseAddress.flatMap { mkdtemp($0) } }
    guard let made else { throw .workspaceFailed(path: scratch, errno: errno) }
    let workspace = SandboxWorkspace(root: String(cString: made))
    do {
      guard mkdir(workspace.work, 0o700) == 0 else {
        throw SandboxError.workspaceFailed(path: workspace.work, errno: errno)
      }
      do {
        try Data(source.utf8).write(to: URL(fileURLWithPath: workspace.program))
      } catch {
        throw SandboxError.workspaceFailed(path: workspace.program, errno: EIO)
      }
      if let owner {
        guard chown(workspace.work, owner.uid, owner.gid) == 0, chmod(workspace.root, 0o711) == 0,
          chmod(workspace.program, 0o644) == 0
        else { throw SandboxError.workspaceFailed(path: workspace.root, errno: errno) }
      }
    } catch let error as SandboxError {
      workspace.remove()
      throw error
    } catch {
      workspace.remove()
      throw .workspaceFailed(path: workspace.root, errno: EIO)
    }
    return workspace
  }

  /// Removes the whole tree. A program may have left directories without write
  /// or search permission, which would stop a non-root removal, so a failed first
  /// try opens every directory up and tries again.
  func remove() {
    let files = FileManager.default
    if (try? files.removeItem(atPath: root)) != nil { return }
    chmod(root, 0o700)
    if let walker = files.enumerator(atPath: root) {
      for case let relative as String in walker {
        var info = stat()
        let path = root + "/" + relative
        if lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR { chmod(path, 0o700) }
      }
    }
    try? files.removeItem(atPath: root)
  }
}
