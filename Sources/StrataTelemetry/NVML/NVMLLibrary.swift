#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Why NVML cannot be used on this host: the library is absent, lacks an entry point, or
/// `nvmlInit` failed. `reason` is the sentence `strata probe` shows.
struct NVMLUnavailable: Error, Sendable, Hashable {
  var reason: String
}

/// One `dlopen`ed NVML library, its resolved entry points and an initialised NVML session.
///
/// `nvmlInit` runs in `init`; `nvmlShutdown` and `dlclose` run in `deinit` (NVML counts
/// init/shutdown pairs, so several instances may coexist).
///
/// `@unchecked Sendable` is safe: every stored property is a `let` set in `init` and never
/// mutated (the handle and C function pointers are plain values), and NVIDIA's NVML API
/// Reference states that "NVML is thread-safe so it is safe to make simultaneous NVML calls
/// from multiple threads". The caller's buffers are local to each call.
final class NVMLLibrary: @unchecked Sendable {
  /// The path that `dlopen` accepted.
  let path: String
  /// Names of the symbols that were resolved, in load order (for tests and `strata probe`).
  let resolvedSymbols: [String]

  private let handle: UnsafeMutableRawPointer
  private let shutdown: NVMLFunction.Shutdown?
  let errorString: NVMLFunction.ErrorString?
  let getCount: NVMLFunction.GetCount
  let getHandleByIndex: NVMLFunction.GetHandleByIndex
  let getName: NVMLFunction.GetName?
  let getPciInfo: NVMLFunction.GetPciInfo?
  let getMemoryV2: NVMLFunction.GetMemoryV2?
  let getMemoryV1: NVMLFunction.GetMemoryV1?
  let getUtilization: NVMLFunction.GetUtilization?
  let getPowerUsage: NVMLFunction.GetUInt32?
  let getTemperatureV: NVMLFunction.GetTemperatureV?
  let getTemperatureLegacy: NVMLFunction.GetTemperatureLegacy?
  let getClockInfo: NVMLFunction.GetClockInfo?
  /// `nvmlSystemGetCudaDriverVersion_v2`, else the unversioned call: the CUDA version the driver supports.
  let getCudaDriverVersion: NVMLFunction.GetInt32?
  /// The compute-process query and the entry layout it writes on this driver; nil when none is exported.
  let getProcesses: (function: NVMLFunction.GetProcesses, layout: NVMLProcessLayout)?

  /// Opens the first of `paths` that `dlopen` accepts, resolves the entry points and calls `nvmlInit`.
  ///
  /// - Throws: `NVMLUnavailable` when no path loads ("libnvidia-ml.so.1 not found: no NVIDIA
  ///   driver on this host"), a required symbol is missing, or `nvmlInit` fails (NVML's own message).
  init(paths: [String]) throws(NVMLUnavailable) {
    let (opened, openedPath) = try Self.open(paths)
    var resolver = SymbolResolver(handle: opened)
    guard let initialize = resolver.find(["nvmlInit_v2", "nvmlInit"], as: NVMLFunction.Init.self),
      let getCount = resolver.find(["nvmlDeviceGetCount_v2", "nvmlDeviceGetCount"], as: NVMLFunction.GetCount.self),
      let getHandle = resolver.find(
        ["nvmlDeviceGetHandleByIndex_v2", "nvmlDeviceGetHandleByIndex"], as: NVMLFunction.GetHandleByIndex.self)
    else {
      dlclose(opened)
      throw NVMLUnavailable(
        reason: "\(openedPath) lacks nvmlInit, nvmlDeviceGetCount or nvmlDeviceGetHandleByIndex: not an NVML library")
    }
    let errorString = resolver.find(["nvmlErrorString"], as: NVMLFunction.ErrorString.self)
    let status = initialize()
    guard status == NVMLReturn.success.rawValue else {
      let message = Self.message(for: status, errorString: errorString)
      dlclose(opened)
      throw NVMLUnavailable(reason: "nvmlInit failed in \(openedPath): \(message)")
    }
    path = openedPath
    handle = opened
    self.errorString = errorString
    self.getCount = getCount
    getHandleByIndex = getHandle
    shutdown = resolver.find(["nvmlShutdown"], as: NVMLFunction.Shutdown.self)
    getName = resolver.find(["nvmlDeviceGetName"], as: NVMLFunction.GetName.self)
    getPciInfo = resolver.find(
      ["nvmlDeviceGetPciInfo_v3", "nvmlDeviceGetPciInfo_v2"], as: NVMLFunction.GetPciInfo.self)
    getMemoryV2 = resolver.find(["nvmlDeviceGetMemoryInfo_v2"], as: NVMLFunction.GetMemoryV2.self)
    getMemoryV1 = resolver.find(["nvmlDeviceGetMemoryInfo"], as: NVMLFunction.GetMemoryV1.self)
    getUtilization = resolver.find(["nvmlDeviceGetUtilizationRates"], as: NVMLFunction.GetUtilization.self)
    getPowerUsage = resolver.find(["nvmlDeviceGetPowerUsage"], as: NVMLFunction.GetUInt32.self)
    getTemperatureV = resolver.find(["nvmlDeviceGetTemperatureV"], as: NVMLFunction.GetTemperatureV.self)
    getTemperatureLegacy = resolver.find(["nvmlDeviceGetTemperature"], as: NVMLFunction.GetTemperatureLegacy.self)
    getClockInfo = resolver.find(["nvmlDeviceGetClockInfo"], as: NVMLFunction.GetClockInfo.self)
    getCudaDriverVersion = resolver.find(
      ["nvmlSystemGetCudaDriverVersion_v2", "nvmlSystemGetCudaDriverVersion"], as: NVMLFunction.GetInt32.self)
    if let layout = NVMLProcessLayout.choose(exported: { dlsym(opened, $0) != nil }),
      let function = resolver.find([layout.symbol], as: NVMLFunction.GetProcesses.self)
    {
      getProcesses = (function, layout)
    } else {
      getProcesses = nil
    }
    resolvedSymbols = resolver.resolved
  }

  deinit {
    _ = shutdown?()
    dlclose(handle)
  }

  /// NVML's text for a status (`nvmlErrorString`), with the code's name in brackets.
  func message(for status: Int32) -> String {
    Self.message(for: status, errorString: errorString)
  }

  private static func message(for status: Int32, errorString: NVMLFunction.ErrorString?) -> String {
    let name = NVMLReturn(rawValue: status).description
    guard let text = errorString?(status) else { return name }
    return "\(String(cString: text)) (\(name))"
  }

  private static func open(_ paths: [String]) throws(NVMLUnavailable) -> (UnsafeMutableRawPointer, String) {
    guard let first = paths.first else { throw NVMLUnavailable(reason: "no NVML library path given") }
    var otherFailures: [String] = []
    for path in paths {
      if let opened = dlopen(path, RTLD_NOW | RTLD_LOCAL) { return (opened, path) }
      let error = dlerror().map { String(cString: $0) } ?? "dlopen failed"
      if !error.contains("No such file or directory") { otherFailures.append(error) }
    }
    if otherFailures.isEmpty {
      throw NVMLUnavailable(reason: "\(first) not found: no NVIDIA driver on this host")
    }
    throw NVMLUnavailable(reason: "could not load NVML: \(otherFailures.joined(separator: "; "))")
  }
}

/// Resolves the first present name of each fallback list with `dlsym`, recording which one it used.
private struct SymbolResolver {
  let handle: UnsafeMutableRawPointer
  var resolved: [String] = []

  mutating func find<Function>(_ names: [String], as type: Function.Type) -> Function? {
    for name in names {
      if let address = dlsym(handle, name) {
        resolved.append(name)
        return unsafeBitCast(address, to: type)
      }
    }
    return nil
  }
}
