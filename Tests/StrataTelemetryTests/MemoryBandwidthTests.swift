import Testing

@testable import StrataTelemetry

@Suite("Memory bandwidth probe (STREAM triad, on this machine's real memory)")
struct MemoryBandwidthTests {
  @Test("arrays that fit in cache stream faster than arrays that do not: the probe measures memory")
  func measuresMemoryNotArithmetic() throws {
    // Measured in one run, so the shared machine's noise hits both alike; the ratio was
    // about 2 (38 against 18 GB/s on one core) on the 2-core development machine.
    var cached: [Double] = []
    var memory: [Double] = []
    for _ in 0..<2 {
      cached.append(try MemoryBandwidth.measure(threads: 1, arrayBytes: 3 << 18, passes: 20).bytesPerSecond)
      memory.append(try MemoryBandwidth.measure(threads: 1, arrayBytes: 3 << 25, passes: 3).bytesPerSecond)
    }
    let best = (cached.max() ?? 0, memory.max() ?? 0)
    #expect(best.1 > 1e9 && best.1 < 1e13, "\(best.1 / 1e9) GB/s is no memory's bandwidth")
    #expect(best.0 / best.1 > 1.3, "cache \(best.0 / 1e9) GB/s against memory \(best.1 / 1e9) GB/s")
  }

  @Test("the figure describes what was measured; nonsense settings are typed errors")
  func settings() throws {
    let measured = try MemoryBandwidth.measure(threads: 2, arrayBytes: 3 << 22, passes: 2)
    #expect(measured.threads == 2 && measured.passes == 2 && measured.arrayBytes == 3 << 22)
    #expect(throws: MemoryBandwidthError.invalidSettings(threads: 0, arrayBytes: 3 << 22, passes: 2)) {
      try MemoryBandwidth.measure(threads: 0, arrayBytes: 3 << 22, passes: 2)
    }
    #expect(throws: MemoryBandwidthError.invalidSettings(threads: 1, arrayBytes: 8, passes: 1)) {
      try MemoryBandwidth.measure(threads: 1, arrayBytes: 8, passes: 1)
    }
  }
}
