import Foundation
import StrataClient

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The host programs the sandbox is built from: bubblewrap for the namespaces
/// and mounts, util-linux's prlimit and setpriv for the process limit and the
/// identity switch. All three are Debian packages (bubblewrap; util-linux is
/// essential), installed by `scripts/install-deps`.
public struct SandboxTools: Sendable, Hashable, Codable {
  public var bwrap: String
  public var prlimit: String
  public var setpriv: String

  /// Finds each tool in `searchPath` (a PATH value); the first missing one is the error.
  public static func find(searchPath: String) throws(SandboxError) -> SandboxTools {
    func locate(_ name: String, package: String) throws(SandboxError) -> String {
      guard let path = which(name, searchPath: searchPath) else {
        throw .toolNotFound(name: name, package: package, searchPath: searchPath)
      }
      return path
    }
    return SandboxTools(
      bwrap: try locate("bwrap", package: "bubblewrap"), prlimit: try locate("prlimit", package: "util-linux"),
      setpriv: try locate("setpriv", package: "util-linux"))
  }

  /// The first executable regular file named `name` in `searchPath`.
  static func which(_ name: String, searchPath: String) -> String? {
    for directory in searchPath.split(separator: ":") where !directory.isEmpty {
      let candidate = "\(directory)/\(name)"
      if isExecutableFile(candidate) { return candidate }
    }
    return nil
  }

  static func isExecutableFile(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG && access(path, X_OK) == 0
  }
}

/// The host's top-level system entries as the sandbox must reproduce them.
enum SandboxHostLayout {
  static let topLevelNames = ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"]

  /// Links stay links (merged /usr); real directories are bound read-only;
  /// absent ones are left out.
  static func topLevel(root: String = "") -> [SandboxTopLevelEntry] {
    topLevelNames.compactMap { path in
      var info = stat()
      guard lstat(root + path, &info) == 0 else { return nil }
      switch info.st_mode & S_IFMT {
      case S_IFLNK:
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: root + path) else { return nil }
        return .link(path: path, target: target)
      case S_IFDIR:
        return .directory(path: path)
      default:
        return nil
      }
    }
  }
}

/// The interpreter as the sandbox runs it: the real binary (not a version
/// manager's shim) and the prefixes it loads its standard library from.
public struct SandboxInterpreter: Sendable, Hashable, Codable {
  /// `sys.executable`, an absolute path.
  public var executable: String
  /// `sys.base_prefix` and `sys.base_exec_prefix` (and the executable's own
  /// directory) where they are not under `/usr`, which is bound anyway.
  public var prefixesOutsideUsr: [String]

  public init(executable: String, prefixesOutsideUsr: [String]) {
    self.executable = executable
    self.prefixesOutsideUsr = prefixesOutsideUsr
  }

  /// Asks the interpreter, outside the sandbox, where it lives. This runs the
  /// host's own python with a fixed one-line program, never model code; the
  /// host environment is kept so that a pyenv or asdf shim can find its version.
  static func discover(
    python: String, environment: [String: String], timeoutSeconds: Double = 30
  ) throws(SandboxError) -> SandboxInterpreter {
    let script =
      "import json, sys; print(json.dumps([sys.executable, sys.base_prefix, sys.base_exec_prefix]))"
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = ["-I", "-c", script]
    process.environment = environment
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    process.standardInput = FileHandle.nullDevice
    do { try process.run() } catch { throw .interpreterFailed(path: python, detail: "\(error)") }
    // The answer is one short line and the errors a few; both pipes are read
    // concurrently so neither can fill while the other is waited on.
    let readOutput = BoundedPipeRead(output, limit: 64 << 10)
    let readErrors = BoundedPipeRead(errors, limit: 64 << 10)
    let deadline = MonotonicClock.seconds() + timeoutSeconds
    while process.isRunning && MonotonicClock.seconds() < deadline { usleep(10_000) }
    if process.isRunning {
      process.terminate()
      process.waitUntilExit()
      throw .interpreterFailed(path: python, detail: "no answer within \(Int(timeoutSeconds)) s")
    }
    process.waitUntilExit()
    let text = String(decoding: readOutput.finish(), as: UTF8.self)
    let stderr = String(decoding: readErrors.finish(), as: UTF8.self)
    guard process.terminationStatus == 0,
      let values = try? JSONDecoder().decode([String].self, from: Data(text.utf8)), values.count == 3,
      values.allSatisfy({ $0.hasPrefix("/") })
    else {
      throw .interpreterFailed(
        path: python,
        detail: "exit status \(process.terminationStatus): \(stderr.suffix(300))\(text.prefix(200))")
    }
    let executable = values[0]
    let binDirectory = (executable as NSString).deletingLastPathComponent
    var prefixes: [String] = []
    for path in [values[1], values[2], binDirectory] {
      let standard = URL(fileURLWithPath: path).standardizedFileURL.path
      guard standard != "/usr", !standard.hasPrefix("/usr/"), standard != "/" else { continue }
      // A prefix inside another one is bound with it.
      if prefixes.contains(where: { standard == $0 || standard.hasPrefix($0 + "/") }) { continue }
      prefixes.removeAll { $0.hasPrefix(standard + "/") }
      prefixes.append(standard)
    }
    return SandboxInterpreter(executable: executable, prefixesOutsideUsr: prefixes.sorted())
  }
}

/// Reads a pipe to its end on its own thread, keeping at most `limit` bytes.
final class BoundedPipeRead: @unchecked Sendable {
  // Safe: `data` is written only by the reading thread before it signals `done`,
  // and read only by `finish()` after waiting on `done`.
  private var data = Data()
  private let done = DispatchSemaphore(value: 0)

  init(_ pipe: Pipe, limit: Int) {
    let handle = pipe.fileHandleForReading
    Thread.detachNewThread { [self] in
      while true {
        let chunk = handle.availableData
        if chunk.isEmpty { break }
        if data.count < limit { data.append(chunk.prefix(limit - data.count)) }
      }
      done.signal()
    }
  }

  func finish() -> Data {
    done.wait()
    return data
  }
}
