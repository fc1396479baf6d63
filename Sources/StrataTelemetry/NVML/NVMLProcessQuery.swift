/// The compute-process query with NVML's size negotiation.
///
/// Protocol (nvml.h): call with `*infoCount = 0`; `NVML_SUCCESS` means no processes,
/// `NVML_ERROR_INSUFFICIENT_SIZE` sets `*infoCount` to the number needed. Allocate that plus
/// headroom (processes may start between the calls) and call again; retry a few times if the
/// list grew past the headroom.
enum NVMLProcessQuery {
  /// One process on one device: pid and device memory in bytes (or `NVML_VALUE_NOT_AVAILABLE`).
  struct Entry: Equatable {
    var pid: UInt32
    var usedBytes: UInt64
  }

  /// Entries added to the count NVML asks for, in case processes start between the calls.
  static let headroom: UInt32 = 8
  /// Attempts with a sized buffer before giving up on a device whose process list keeps growing.
  static let attempts = 3

  /// The compute processes on `device`, through the query and entry layout the library was
  /// matched to (``NVMLProcessLayout``); empty on error or when no query is exported.
  static func run(_ device: OpaquePointer, _ library: NVMLLibrary) -> [Entry] {
    guard let (query, layout) = library.getProcesses else { return [] }
    func call<Info>(_ count: UnsafeMutablePointer<UInt32>, _ buffer: UnsafeMutablePointer<Info>?) -> Int32 {
      query(device, count, UnsafeMutableRawPointer(buffer))
    }
    switch layout {
    case .v3R535:
      let found: [NVMLProcessInfoR535] = negotiate(call)
      return found.map { Entry(pid: $0.pid, usedBytes: $0.usedGpuMemory) }
    case .v3, .v2:
      let found: [NVMLProcessInfoV2] = negotiate(call)
      return found.map { Entry(pid: $0.pid, usedBytes: $0.usedGpuMemory) }
    case .v1:
      let found: [NVMLProcessInfoV1] = negotiate(call)
      return found.map { Entry(pid: $0.pid, usedBytes: $0.usedGpuMemory) }
    }
  }

  /// Runs the size negotiation for any process-info struct `Info`.
  static func negotiate<Info: NVMLZeroInitializable>(
    _ call: (UnsafeMutablePointer<UInt32>, UnsafeMutablePointer<Info>?) -> Int32
  ) -> [Info] {
    var count: UInt32 = 0
    var status = call(&count, nil)
    if status == NVMLReturn.success.rawValue { return [] }
    for _ in 0..<attempts {
      guard status == NVMLReturn.insufficientSize.rawValue else { return [] }
      let requested = Int(count + headroom)
      // Room for 32-byte entries whatever `Info` is: should a driver write R535's larger
      // entries into a buffer laid out for 24-byte ones (a misdetected layout), it reads
      // garbage but writes nothing past the buffer.
      let slack = requested * MemoryLayout<NVMLProcessInfoR535>.stride / MemoryLayout<Info>.stride + 1
      var buffer = [Info](repeating: Info(), count: max(requested, slack))
      count = UInt32(requested)
      status = buffer.withUnsafeMutableBufferPointer { call(&count, $0.baseAddress) }
      if status == NVMLReturn.success.rawValue { return Array(buffer.prefix(Int(min(count, UInt32(requested))))) }
    }
    return []
  }
}

/// A C struct whose all-zero value is a valid empty buffer entry.
protocol NVMLZeroInitializable { init() }
extension NVMLProcessInfoV2: NVMLZeroInitializable {}
extension NVMLProcessInfoV1: NVMLZeroInitializable {}
extension NVMLProcessInfoR535: NVMLZeroInitializable {}
