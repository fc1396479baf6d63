// C layouts and constants of the NVML API, declared in Swift so that the library can be
// loaded with dlopen and no NVIDIA header or library is needed to build.
//
// Source: NVIDIA/go-nvml @2f9e261f gen/nvml/nvml.h (NVML_API_VERSION 13), summarised in
// shared/reference/gpu-and-llama-cpp-facts.md §4. The structs below contain only fixed-width
// trivial fields in C declaration order, so Swift lays them out with C's natural alignment;
// NVMLLayoutTests checks every size and the offsets that follow padding against `sizeof` and
// `offsetof` as reported by the C stand-in library (Fixtures/nvml-stub/nvml_stub.c).

/// An `nvmlReturn_t` status code as returned by every NVML call.
struct NVMLReturn: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
  /// The raw C enum value.
  var rawValue: Int32
  /// Wraps a raw `nvmlReturn_t`.
  init(rawValue: Int32) { self.rawValue = rawValue }

  /// `NVML_SUCCESS` (0).
  static let success = NVMLReturn(rawValue: 0)
  /// `NVML_ERROR_UNINITIALIZED` (1).
  static let uninitialized = NVMLReturn(rawValue: 1)
  /// `NVML_ERROR_INVALID_ARGUMENT` (2).
  static let invalidArgument = NVMLReturn(rawValue: 2)
  /// `NVML_ERROR_NOT_SUPPORTED` (3).
  static let notSupported = NVMLReturn(rawValue: 3)
  /// `NVML_ERROR_NO_PERMISSION` (4).
  static let noPermission = NVMLReturn(rawValue: 4)
  /// `NVML_ERROR_NOT_FOUND` (6).
  static let notFound = NVMLReturn(rawValue: 6)
  /// `NVML_ERROR_INSUFFICIENT_SIZE` (7): the buffer was too small; the count holds the size needed.
  static let insufficientSize = NVMLReturn(rawValue: 7)
  /// `NVML_ERROR_DRIVER_NOT_LOADED` (9).
  static let driverNotLoaded = NVMLReturn(rawValue: 9)
  /// `NVML_ERROR_LIBRARY_NOT_FOUND` (12).
  static let libraryNotFound = NVMLReturn(rawValue: 12)
  /// `NVML_ERROR_FUNCTION_NOT_FOUND` (13): the driver predates the entry point.
  static let functionNotFound = NVMLReturn(rawValue: 13)
  /// `NVML_ERROR_GPU_IS_LOST` (15): the GPU fell off the bus or stopped responding.
  static let gpuIsLost = NVMLReturn(rawValue: 15)
  /// `NVML_ERROR_ARGUMENT_VERSION_MISMATCH` (25): a versioned struct carried the wrong version.
  static let argumentVersionMismatch = NVMLReturn(rawValue: 25)

  /// The `NVML_…` name where known, else the number.
  var description: String {
    switch rawValue {
    case 0: "NVML_SUCCESS"
    case 1: "NVML_ERROR_UNINITIALIZED"
    case 2: "NVML_ERROR_INVALID_ARGUMENT"
    case 3: "NVML_ERROR_NOT_SUPPORTED"
    case 4: "NVML_ERROR_NO_PERMISSION"
    case 6: "NVML_ERROR_NOT_FOUND"
    case 7: "NVML_ERROR_INSUFFICIENT_SIZE"
    case 9: "NVML_ERROR_DRIVER_NOT_LOADED"
    case 12: "NVML_ERROR_LIBRARY_NOT_FOUND"
    case 13: "NVML_ERROR_FUNCTION_NOT_FOUND"
    case 15: "NVML_ERROR_GPU_IS_LOST"
    case 25: "NVML_ERROR_ARGUMENT_VERSION_MISMATCH"
    default: "nvmlReturn_t \(rawValue)"
    }
  }
}

/// NVML constants strata passes or compares against.
enum NVMLConstant {
  /// `NVML_CLOCK_GRAPHICS` of `nvmlClockType_t`.
  static let clockGraphics: UInt32 = 0
  /// `NVML_CLOCK_MEM` of `nvmlClockType_t` (`NVML_CLOCK_SM` is 1).
  static let clockMemory: UInt32 = 2
  /// `NVML_TEMPERATURE_GPU` of `nvmlTemperatureSensors_t`.
  static let temperatureGPU: UInt32 = 0
  /// `NVML_DEVICE_NAME_V2_BUFFER_SIZE`, bytes including the terminating NUL.
  static let deviceNameBufferSize = 96
  /// `NVML_VALUE_NOT_AVAILABLE` as an `unsigned long long` (-1): e.g. `usedGpuMemory` under WDDM.
  static let valueNotAvailable = UInt64.max
  /// `nvmlMemory_v2` = `sizeof(nvmlMemory_v2_t) | (2 << 24)`.
  static let memoryV2Version = UInt32(MemoryLayout<NVMLMemoryV2>.size) | (2 << 24)
  /// `nvmlTemperature_v1` = `sizeof(nvmlTemperature_v1_t) | (1 << 24)`.
  static let temperatureV1Version = UInt32(MemoryLayout<NVMLTemperatureV1>.size) | (1 << 24)
}

/// `nvmlMemory_t`: device memory in bytes; `used` includes memory reserved by the driver.
struct NVMLMemoryV1 {
  var total: UInt64 = 0
  var free: UInt64 = 0
  var used: UInt64 = 0
}

/// `nvmlMemory_v2_t`: device memory in bytes; `used` excludes `reserved` (driver/firmware).
struct NVMLMemoryV2 {
  var version: UInt32 = 0
  var total: UInt64 = 0
  var reserved: UInt64 = 0
  var free: UInt64 = 0
  var used: UInt64 = 0
}

/// `nvmlUtilization_t`: percent of the past sample period the GPU / memory controller was busy.
struct NVMLUtilization {
  var gpu: UInt32 = 0
  var memory: UInt32 = 0
}

/// `nvmlTemperature_v1_t`: degrees Celsius of one sensor.
struct NVMLTemperatureV1 {
  var version: UInt32 = 0
  var sensorType: UInt32 = 0
  var temperature: Int32 = 0
}

/// `nvmlPciInfo_t` as filled by `nvmlDeviceGetPciInfo_v3` and `_v2`; `busId` is "%08X:%02X:%02X.0".
struct NVMLPciInfo {
  typealias Bytes16 = (
    CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar,
    CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar
  )
  var busIdLegacy: Bytes16 = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
  var domain: UInt32 = 0
  var bus: UInt32 = 0
  var device: UInt32 = 0
  /// Device id << 16 | vendor id.
  var pciDeviceId: UInt32 = 0
  var pciSubSystemId: UInt32 = 0
  var busId: (Bytes16, Bytes16) = (
    (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
  )

  /// `busId` as a Swift string, up to its first NUL (32 bytes at most).
  var busIdString: String {
    withUnsafeBytes(of: busId) { raw in
      let bytes = raw.prefix { $0 != 0 }
      return String(decoding: bytes, as: UTF8.self)
    }
  }
}

/// `nvmlProcessInfo_v2_t` (= `nvmlProcessInfo_t`), filled by the `_v3` and `_v2` process queries.
struct NVMLProcessInfoV2 {
  var pid: UInt32 = 0
  /// Bytes, or `NVML_VALUE_NOT_AVAILABLE`.
  var usedGpuMemory: UInt64 = 0
  /// 0xFFFFFFFF when MIG is off.
  var gpuInstanceId: UInt32 = 0
  var computeInstanceId: UInt32 = 0
}

/// `nvmlProcessInfo_t` of the R535 branch (CUDA 12.2's nvml.h), filled by its `_v3` process query:
/// `usedGpuCcProtectedMemory` was appended without a version bump, so entries are 32 bytes, not 24.
/// R550 and later write ``NVMLProcessInfoV2`` through `_v3` again.
struct NVMLProcessInfoR535 {
  var pid: UInt32 = 0
  /// Bytes, or `NVML_VALUE_NOT_AVAILABLE`.
  var usedGpuMemory: UInt64 = 0
  var gpuInstanceId: UInt32 = 0
  var computeInstanceId: UInt32 = 0
  /// Confidential-computing protected memory, bytes.
  var usedGpuCcProtectedMemory: UInt64 = 0
}

/// The entry a process query writes, chosen from what the loaded library exports
/// (``NVMLProcessLayout/choose(exported:)``).
enum NVMLProcessLayout: String, Sendable, Hashable, CustomStringConvertible {
  /// `_v3` writing 32-byte ``NVMLProcessInfoR535`` entries (R535).
  case v3R535
  /// `_v3` writing 24-byte ``NVMLProcessInfoV2`` entries (before R535, and R550 on).
  case v3
  /// `_v2` writing ``NVMLProcessInfoV2``.
  case v2
  /// The unversioned call writing 16-byte ``NVMLProcessInfoV1`` entries.
  case v1

  /// The symbol the query goes through.
  var symbol: String {
    switch self {
    case .v3R535, .v3: "nvmlDeviceGetComputeRunningProcesses_v3"
    case .v2: "nvmlDeviceGetComputeRunningProcesses_v2"
    case .v1: "nvmlDeviceGetComputeRunningProcesses"
    }
  }

  /// Bytes per entry the driver writes.
  var entrySize: Int {
    switch self {
    case .v3R535: MemoryLayout<NVMLProcessInfoR535>.stride
    case .v3, .v2: MemoryLayout<NVMLProcessInfoV2>.stride
    case .v1: MemoryLayout<NVMLProcessInfoV1>.stride
    }
  }

  var description: String { "\(symbol) with \(entrySize)-byte entries" }

  /// The layout for a library exporting `exported`, decided the way nvitop does (PR #79):
  /// only R535 both has the confidential-computing query `nvmlDeviceGetConfComputeMemSizeInfo`
  /// (new in R535) and lacks `nvmlDeviceGetRunningProcessDetailList` (new in R550, which
  /// went back to 24-byte entries). The driver branch is not otherwise visible through NVML
  /// without a call that older drivers lack. nil when no process query is exported.
  static func choose(exported: (String) -> Bool) -> NVMLProcessLayout? {
    if exported("nvmlDeviceGetComputeRunningProcesses_v3") {
      let r535 =
        exported("nvmlDeviceGetConfComputeMemSizeInfo") && !exported("nvmlDeviceGetRunningProcessDetailList")
      return r535 ? .v3R535 : .v3
    }
    if exported("nvmlDeviceGetComputeRunningProcesses_v2") { return .v2 }
    if exported("nvmlDeviceGetComputeRunningProcesses") { return .v1 }
    return nil
  }
}

/// `nvmlProcessInfo_v1_t`, filled by the unversioned `nvmlDeviceGetComputeRunningProcesses`.
struct NVMLProcessInfoV1 {
  var pid: UInt32 = 0
  var usedGpuMemory: UInt64 = 0
}

/// C function types of the NVML entry points strata loads (`nvmlDevice_t` is an opaque pointer).
///
/// Struct arguments are raw pointers because Swift structs cannot appear in `@convention(c)`
/// types; callers pass `&value` of the matching struct above.
enum NVMLFunction {
  typealias Init = @convention(c) () -> Int32
  typealias Shutdown = @convention(c) () -> Int32
  typealias ErrorString = @convention(c) (Int32) -> UnsafePointer<CChar>?
  typealias GetInt32 = @convention(c) (UnsafeMutablePointer<Int32>?) -> Int32
  typealias GetCount = @convention(c) (UnsafeMutablePointer<UInt32>?) -> Int32
  typealias GetHandleByIndex = @convention(c) (UInt32, UnsafeMutablePointer<OpaquePointer?>?) -> Int32
  typealias GetName = @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>?, UInt32) -> Int32
  typealias GetPciInfo = @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Int32
  typealias GetMemoryV1 = @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Int32
  typealias GetMemoryV2 = @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Int32
  typealias GetUtilization = @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Int32
  typealias GetUInt32 = @convention(c) (OpaquePointer?, UnsafeMutablePointer<UInt32>?) -> Int32
  typealias GetTemperatureLegacy = @convention(c) (OpaquePointer?, UInt32, UnsafeMutablePointer<UInt32>?) -> Int32
  typealias GetTemperatureV = @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Int32
  typealias GetClockInfo = @convention(c) (OpaquePointer?, UInt32, UnsafeMutablePointer<UInt32>?) -> Int32
  /// Every process query (`_v3`, `_v2`, unversioned): the entry type depends on ``NVMLProcessLayout``.
  typealias GetProcesses =
    @convention(c) (
      OpaquePointer?, UnsafeMutablePointer<UInt32>?, UnsafeMutableRawPointer?
    ) -> Int32
}
