import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Builds the stand-in NVML library (Fixtures/nvml-stub/nvml_stub.c, not NVIDIA's code) with the
/// host's C compiler, one private copy per test so tests running in parallel share no state.
enum NVMLStandIn {
  /// Compile-time variants of the stand-in (see the header of nvml_stub.c).
  enum Variant: String {
    case current = ""
    case legacyOnly = "-DSTUB_LEGACY_ONLY"
    case initFails = "-DSTUB_INIT_FAILS"
    case gpuLost = "-DSTUB_GPU_LOST"
    case r535 = "-DSTUB_R535"
  }

  struct BuildFailure: Error, CustomStringConvertible {
    var description: String
  }

  /// Path of `cc` in `PATH`, or nil (then the stand-in tests are skipped with that reason).
  static let compiler: String? = {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return path.split(separator: ":").map { "\($0)/cc" }.first { access($0, X_OK) == 0 }
  }()

  /// The stand-in's C source inside the test bundle's copied Fixtures.
  static func sourceURL() throws -> URL {
    guard let fixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
      throw BuildFailure(description: "Fixtures missing from the test bundle")
    }
    return fixtures.appendingPathComponent("nvml-stub/nvml_stub.c")
  }

  /// Compiles `variant` to `<fresh temp dir>/libnvidia-ml.so.1`, runs `body` with its path,
  /// then removes the directory.
  static func withLibrary<T>(_ variant: Variant = .current, _ body: (String) throws -> T) throws -> T {
    guard let compiler else { throw BuildFailure(description: "cc not found in PATH") }
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("strata-nvml-stand-in-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let library = directory.appendingPathComponent("libnvidia-ml.so.1").path
    var arguments = ["-shared", "-fPIC", "-O1", "-Wall", "-Werror", "-o", library, try sourceURL().path]
    if !variant.rawValue.isEmpty { arguments.insert(variant.rawValue, at: 0) }
    let compile = Process()
    compile.executableURL = URL(fileURLWithPath: compiler)
    compile.arguments = arguments
    let errors = Pipe()
    compile.standardError = errors
    try compile.run()
    let message = errors.fileHandleForReading.readDataToEndOfFile()
    compile.waitUntilExit()
    guard compile.terminationStatus == 0 else {
      throw BuildFailure(
        description: "cc \(arguments.joined(separator: " ")) failed: \(String(decoding: message, as: UTF8.self))")
    }
    return try body(library)
  }

  /// Calls a `size_t f(void)` / `unsigned f(void)` / `int f(unsigned)` helper the stand-in exports.
  struct Probe {
    let handle: UnsafeMutableRawPointer

    init(path: String) throws {
      guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
        throw BuildFailure(description: "dlopen \(path): \(String(cString: dlerror()))")
      }
      self.handle = handle
    }

    func close() { dlclose(handle) }

    func size(_ symbol: String) throws -> Int {
      typealias Function = @convention(c) () -> Int
      return unsafeBitCast(try address(symbol), to: Function.self)()
    }

    func unsigned(_ symbol: String) throws -> UInt32 {
      typealias Function = @convention(c) () -> UInt32
      return unsafeBitCast(try address(symbol), to: Function.self)()
    }

    func call(_ symbol: String, _ argument: UInt32) throws -> Int32 {
      typealias Function = @convention(c) (UInt32) -> Int32
      return unsafeBitCast(try address(symbol), to: Function.self)(argument)
    }

    private func address(_ symbol: String) throws -> UnsafeMutableRawPointer {
      guard let address = dlsym(handle, symbol) else { throw BuildFailure(description: "stand-in lacks \(symbol)") }
      return address
    }
  }
}
