import StrataTestSupport
import Testing

@testable import StrataTelemetry

/// The Swift mirrors of NVML's C structs against `sizeof`/`offsetof` as the C compiler lays them
/// out in the stand-in library.
@Suite(
  "NVML struct layouts against the stand-in's C compiler",
  RealPartGate.needs("cc in PATH, to build the NVML stand-in library") { NVMLStandIn.compiler != nil })
struct NVMLLayoutTests {
  @Test("Swift struct sizes and offsets match the C compiler's for the stand-in's nvml.h layouts")
  func layoutsMatchC() throws {
    try NVMLStandIn.withLibrary { (path) throws in
      let c = try NVMLStandIn.Probe(path: path)
      defer { c.close() }
      #expect(MemoryLayout<NVMLMemoryV1>.size == (try c.size("stub_sizeof_nvmlMemory_t")))
      #expect(MemoryLayout<NVMLMemoryV2>.size == (try c.size("stub_sizeof_nvmlMemory_v2_t")))
      #expect(MemoryLayout<NVMLMemoryV2>.offset(of: \.total) == (try c.size("stub_offsetof_nvmlMemory_v2_t_total")))
      #expect(MemoryLayout<NVMLUtilization>.size == (try c.size("stub_sizeof_nvmlUtilization_t")))
      #expect(MemoryLayout<NVMLTemperatureV1>.size == (try c.size("stub_sizeof_nvmlTemperature_v1_t")))
      #expect(MemoryLayout<NVMLPciInfo>.size == (try c.size("stub_sizeof_nvmlPciInfo_t")))
      #expect(MemoryLayout<NVMLPciInfo>.offset(of: \.busId) == (try c.size("stub_offsetof_nvmlPciInfo_t_busId")))
      #expect(
        MemoryLayout<NVMLPciInfo>.offset(of: \.pciDeviceId) == (try c.size("stub_offsetof_nvmlPciInfo_t_pciDeviceId")))
      #expect(MemoryLayout<NVMLProcessInfoV2>.stride == (try c.size("stub_sizeof_nvmlProcessInfo_v2_t")))
      #expect(
        MemoryLayout<NVMLProcessInfoV2>.offset(of: \.usedGpuMemory)
          == (try c.size("stub_offsetof_nvmlProcessInfo_v2_t_usedGpuMemory")))
      #expect(
        MemoryLayout<NVMLProcessInfoV2>.offset(of: \.computeInstanceId)
          == (try c.size("stub_offsetof_nvmlProcessInfo_v2_t_computeInstanceId")))
      #expect(MemoryLayout<NVMLProcessInfoV1>.stride == (try c.size("stub_sizeof_nvmlProcessInfo_v1_t")))
    }
  }

  @Test("R535's 32-byte process entry matches the C layout of CUDA 12.2's nvmlProcessInfo_t")
  func r535Layout() throws {
    try NVMLStandIn.withLibrary(.r535) { (path) throws in
      let c = try NVMLStandIn.Probe(path: path)
      defer { c.close() }
      #expect(MemoryLayout<NVMLProcessInfoR535>.stride == 32)
      #expect(MemoryLayout<NVMLProcessInfoR535>.stride == (try c.size("stub_sizeof_nvmlProcessInfo_r535_t")))
      #expect(
        MemoryLayout<NVMLProcessInfoR535>.offset(of: \.usedGpuCcProtectedMemory)
          == (try c.size("stub_offsetof_nvmlProcessInfo_r535_t_usedGpuCcProtectedMemory")))
      #expect(MemoryLayout<NVMLProcessInfoV2>.stride == 24)
    }
  }

  @Test(
    "the process layout follows the exported symbols, as nvitop decides it",
    arguments: [
      (["_v3", "ConfComputeMemSizeInfo"], NVMLProcessLayout.v3R535),  // R535
      (["_v3", "ConfComputeMemSizeInfo", "RunningProcessDetailList"], .v3),  // R550 and later
      (["_v3", "_v2"], .v3),  // R470–R530: _v3 before confidential computing
      (["_v2"], .v2),
      (["v1"], .v1),
    ])
  func layoutChoice(exported: [String], expected: NVMLProcessLayout) {
    let names = Set(
      exported.map {
        switch $0 {
        case "_v3", "_v2": "nvmlDeviceGetComputeRunningProcesses\($0)"
        case "v1": "nvmlDeviceGetComputeRunningProcesses"
        default: "nvmlDeviceGet\($0)"
        }
      })
    #expect(NVMLProcessLayout.choose(exported: names.contains) == expected)
  }

  @Test("no process query exported: no layout")
  func noProcessQuery() {
    #expect(NVMLProcessLayout.choose(exported: { _ in false }) == nil)
  }

  @Test("versioned struct constants equal the C macros (nvmlMemory_v2 = 40 | 2<<24)")
  func versionConstants() throws {
    #expect(NVMLConstant.memoryV2Version == 40 | (2 << 24))
    #expect(NVMLConstant.temperatureV1Version == 12 | (1 << 24))
    try NVMLStandIn.withLibrary { (path) throws in
      let c = try NVMLStandIn.Probe(path: path)
      defer { c.close() }
      #expect(NVMLConstant.memoryV2Version == (try c.unsigned("stub_nvmlMemory_v2_version")))
      #expect(NVMLConstant.temperatureV1Version == (try c.unsigned("stub_nvmlTemperature_v1_version")))
    }
  }

  @Test("the stand-in rejects a wrong nvmlMemory_v2 version with ARGUMENT_VERSION_MISMATCH (25)")
  func standInChecksVersion() throws {
    try NVMLStandIn.withLibrary { (path) throws in
      let sampler = NVMLSampler(libraryPaths: [path])  // keeps NVML initialised in the stand-in
      #expect(sampler.status().available)
      let c = try NVMLStandIn.Probe(path: path)
      defer { c.close() }
      #expect(try c.call("stub_memory_v2_with_version", NVMLConstant.memoryV2Version) == 0)
      #expect(try c.call("stub_memory_v2_with_version", NVMLConstant.memoryV2Version - 1) == 25)
      #expect(try c.call("stub_memory_v2_with_version", 40 | (1 << 24)) == 25)
    }
  }

}

/// `NVMLProcessQuery.negotiate` driven by closures standing in for the NVML call.
@Suite("NVML process-list size negotiation")
struct NVMLProcessQueryTests {
  @Test("process negotiation: no processes → SUCCESS on the first call, no second call")
  func negotiationEmpty() {
    var calls = 0
    let found: [NVMLProcessInfoV2] = NVMLProcessQuery.negotiate { count, _ in
      calls += 1
      count.pointee = 0
      return 0
    }
    #expect(found.isEmpty)
    #expect(calls == 1)
  }

  @Test("process negotiation: a list that grows past the headroom is retried with the new count")
  func negotiationGrowingList() {
    var live: UInt32 = 3
    var calls = 0
    let found: [NVMLProcessInfoV2] = NVMLProcessQuery.negotiate { count, buffer in
      calls += 1
      if calls == 2 { live = 3 + NVMLProcessQuery.headroom + 1 }  // processes started between calls
      guard let buffer, count.pointee >= live else {
        count.pointee = live
        return NVMLReturn.insufficientSize.rawValue
      }
      for index in 0..<Int(live) { buffer[index] = NVMLProcessInfoV2(pid: UInt32(100 + index), usedGpuMemory: 1) }
      count.pointee = live
      return 0
    }
    #expect(calls == 3)
    #expect(found.map(\.pid) == (0..<Int(live)).map { UInt32(100 + $0) })
  }

  @Test("process negotiation: any other error gives an empty list")
  func negotiationError() {
    let found: [NVMLProcessInfoV1] = NVMLProcessQuery.negotiate { _, _ in NVMLReturn.noPermission.rawValue }
    #expect(found.isEmpty)
  }
}
