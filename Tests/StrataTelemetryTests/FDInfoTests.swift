import Foundation
import Testing

@testable import StrataTelemetry

/// Path of a file or tree under Tests/StrataTelemetryTests/Fixtures.
private func fdFixture(_ path: String) -> String {
  Bundle.module.bundleURL.appendingPathComponent("Fixtures/\(path)").path
}

private func fdFixtureText(_ path: String) throws -> String {
  try String(contentsOfFile: fdFixture(path), encoding: .utf8)
}

private let MiB: UInt64 = 1 << 20
private let KiB: UInt64 = 1 << 10

@Suite("DRM fdinfo parsing and per-process sampling")
struct FDInfoTests {
  @Test func parsesAnAmdgpuClient() throws {
    let r = try #require(DRMFDInfo.parse(try fdFixtureText("amd-7900xtx/proc/4242/fdinfo/5")))
    #expect(r.driver == "amdgpu" && r.pdev == "0000:03:00.0" && r.clientId == 17 && r.pasid == 32771)
    // "drm-total-vram: 5302 MiB", "drm-resident-vram: 5302 MiB", shared and purgeable "0".
    #expect(r.memory["vram"] == DRMRegionMemory(total: 5302 * MiB, shared: 0, resident: 5302 * MiB, purgeable: 0))
    #expect(r.memory["gtt"]?.resident == 18436 * KiB)  // "drm-resident-gtt: 18436 KiB"
    // Legacy "drm-memory-vram: 5429248 KiB" = 5302 MiB; "drm-memory-gtt: \t18436 KiB" (space before the tab).
    #expect(r.legacyMemoryBytes == ["vram": 5_429_248 * KiB, "gtt": 18436 * KiB, "cpu": 0])
    #expect(r.residentBytes["vram"] == 5_559_549_952)  // 5302 × 1048576, counted once
    #expect(r.residentBytes["doorbell"] == 8 * KiB)
    #expect(r.engineBusyNanos == ["gfx": 48_211_093, "compute": 91_355_310_871, "dma": 1_530_882_011])
    #expect(r.otherKeys["amd-requested-vram"] == "5429248 KiB")
    #expect(r.engineCycles.isEmpty && r.engineCapacity.isEmpty)
  }

  @Test func parsesAnXeClient() throws {
    let r = try #require(DRMFDInfo.parse(try fdFixtureText("intel-arc-xe/proc/7310/fdinfo/9")))
    #expect(r.driver == "xe" && r.clientId == 4 && r.pdev == "0000:03:00.0")
    #expect(r.memory["vram0"]?.total == 7190 * MiB)  // "drm-total-vram0: 7190 MiB"
    #expect(
      r.memory["system"]
        == DRMRegionMemory(total: 23992 * KiB, shared: 0, resident: 23992 * KiB, purgeable: 0, active: 0))
    #expect(r.memory["gtt"]?.resident == 192 * KiB)
    #expect(r.engineCycles == ["rcs": 28_257_900, "bcs": 10_200_000, "vcs": 0, "vecs": 0, "ccs": 4_511_250_000])
    #expect(r.engineTotalCycles["rcs"] == 7_655_183_225 && r.engineTotalCycles.count == 5)
    #expect(r.engineCapacity == ["vcs": 2, "vecs": 2])  // printed only when > 1
    #expect(r.engineBusyNanos.isEmpty)
  }

  @Test(arguments: ["0", "1", "2", "3", "4", "5", "6"])
  func nonDRMEntriesAreNotRecords(fd: String) throws {
    // no-gpu/proc/3131/fdinfo: tty, eventfd, epoll, socket and regular-file fdinfo, no drm-driver.
    #expect(DRMFDInfo.parse(try fdFixtureText("no-gpu/proc/3131/fdinfo/\(fd)")) == nil)
  }

  @Test(arguments: [
    ("4095", UInt64?(4095)), ("0", 0), ("4 KiB", 4096), ("3 MiB", 3_145_728), ("2 GiB", 2_147_483_648),
    ("7 kB", nil), ("x KiB", nil),
  ])
  func sizeUnits(value: String, bytes: UInt64?) {
    let record = DRMFDInfo.parse("drm-driver:\ttest\ndrm-resident-vram:\t\(value)\n")
    #expect(record?.memory["vram"]?.resident == bytes)
  }

  @Test func engineKeysAreNotMistakenForEachOther() throws {
    let r = try #require(
      DRMFDInfo.parse(
        "drm-driver: i915\ndrm-engine-video-enhance: 12 ns\ndrm-engine-capacity-video: 2\ndrm-engine-video: 30\n"
          + "drm-maxfreq-rcs: 1200 MHz\ndrm-total-local0: 2 MiB\n"))
    #expect(r.engineBusyNanos == ["video-enhance": 12, "video": 30])
    #expect(r.engineCapacity == ["video": 2])
    #expect(r.engineMaxFrequencyHz == ["rcs": 1_200_000_000])
    #expect(r.residentBytes == ["local0": 2 * MiB])  // no resident category: total stands in
  }

  @Test func sumsDistinctClientsOfOneProcess() throws {
    let usage = DRMFDInfoSampler(procRoot: fdFixture("amd-7900xtx/proc")).sweep(pids: [4242])
    #expect(usage.count == 1)
    let u = try #require(usage.first)
    // fds 5 and 6 are the same client 17 (counted once), fd 7 is client 18.
    #expect(u.clientIds == [17, 18] && u.device == "0000:03:00.0" && u.driver == "amdgpu")
    let s = u.processSample
    #expect(s.residentBytes["vram"] == 5_561_647_104)  // 5302 MiB + 2 MiB = 5304 × 1048576
    #expect(s.residentBytes["gtt"] == 18_890_752)  // 18436 KiB + 12 KiB = 18448 × 1024
    #expect(s.residentBytes["doorbell"] == 8192 && s.residentBytes["cpu"] == 0)
    // gfx 48211093 + 1204500; compute and dma only from client 17.
    #expect(s.engineBusyNanos == ["gfx": 49_415_593, "compute": 91_355_310_871, "dma": 1_530_882_011])
    #expect(DRMFDInfoSampler(procRoot: fdFixture("amd-7900xtx/proc")).sample(pids: [4242]) == [s])
  }

  @Test func aClientSharedAcrossProcessesCountsOnceForTheFirstPid() throws {
    let sampler = DRMFDInfoSampler(procRoot: fdFixture("amd-7900xtx/proc"))
    // pid 5151 inherited fd 5 (client 17) from 4242.
    let forward = sampler.sweep(pids: [4242, 5151])
    #expect(forward.map(\.pid) == [4242])
    let backward = sampler.sweep(pids: [5151, 4242])
    #expect(backward.map(\.pid) == [5151, 4242])
    #expect(backward.map { $0.residentBytes["vram"] } == [5302 * MiB, 2 * MiB])
    // Only requested pids are walked: gnome-shell (1337, client 3) shows up only when asked for.
    let shell = sampler.sample(pids: [1337])
    #expect(shell.map { $0.residentBytes["vram"] } == [312 * MiB])
    #expect(shell.map { $0.residentBytes["gtt"] } == [26628 * KiB])  // "drm-resident-gtt: 26628 KiB"
    #expect(sampler.sample(pids: [99999]).isEmpty)  // no such process
  }

  @Test func noGPUAndRealProcHaveNoDRMClients() {
    #expect(DRMFDInfoSampler(procRoot: fdFixture("no-gpu/proc")).sample(pids: [3131]).isEmpty)
    #expect(DRMFDInfoSampler(procRoot: "/proc").sample(pids: [getpid()]).isEmpty)
  }

  @Test func xeCyclesGiveUtilization() throws {
    let before = try #require(DRMFDInfoSampler(procRoot: fdFixture("intel-arc-xe/proc")).sweep(pids: [7310]).first)
    let after = try #require(DRMFDInfoSampler(procRoot: fdFixture("intel-arc-xe/proc-t1")).sweep(pids: [7310]).first)
    // vram0: 7190 MiB (client 4) + 16 MiB (client 5).
    #expect(before.residentBytes["vram0"] == 7206 * MiB)
    // total-cycles is one GPU clock: the larger reading (client 5, 7655191003), not a sum.
    #expect(before.engineTotalCycles["ccs"] == 7_655_191_003)
    #expect(before.processSample.engineBusyNanos.isEmpty)
    let percent = EngineUtilization.percent(previous: before, current: after, elapsedNanos: 1_000_000_000)
    // Δtotal = 7674391003 − 7655191003 = 19200000; ccs Δ 14400000 → 75 %; rcs Δ 960000 → 5 %.
    #expect(percent == ["ccs": 75, "rcs": 5, "bcs": 0, "vcs": 0, "vecs": 0])
  }

  /// amd-7900xtx-seq/t0…t4: llama-server's client 17, snapshots 100 ms apart (monotonic_ns).
  @Test func sequenceUtilizationPeaksAndTheNonMonotonicRule() throws {
    let sweeps = try (0...4).map { t -> (UInt64, DRMProcessUsage) in
      let time = try #require(
        UInt64(try fdFixtureText("amd-7900xtx-seq/t\(t)/monotonic_ns").trimmingKernelWhitespace()))
      let sampler = DRMFDInfoSampler(procRoot: fdFixture("amd-7900xtx-seq/t\(t)/proc"))
      return (time, try #require(sampler.sweep(pids: [4242]).first))
    }
    // drm-resident-vram 1200, 5302, 4814, 4814, 4814 MiB: the peak is t1.
    #expect(sweeps.compactMap { $0.1.residentBytes["vram"] }.max() == 5302 * MiB)
    #expect(sweeps.last?.1.residentBytes["vram"] == 4814 * MiB)
    var previous = sweeps[0]
    var compute: [Double?] = []
    var dma: [Double?] = []
    for current in sweeps.dropFirst() {
      let elapsed = current.0 - previous.0  // 100000000 ns each
      let percent = EngineUtilization.percent(previous: previous.1, current: current.1, elapsedNanos: elapsed)
      compute.append(percent["compute"])
      dma.append(percent["dma"])
      #expect(percent["gfx"] == 0)  // 48211093 ns throughout
      previous = (current.0, EngineUtilization.baseline(previous: previous.1, current: current.1))
    }
    // compute ns 90000000000 → 90072500000 → 90171600000 → 90160000000 (backwards) → 90251600000:
    // 72.5 %, 99.1 %, 0 for the backwards interval, then (90251600000 − 90171600000) / 1e8 = 80 %
    // against the kept larger value (not 91.6 % against t3's lower one).
    #expect(compute == [72.5, 99.1, 0, 80])
    // dma ns 1400000000 → 1430000000 → 1560000000: 30 %, then 130 % clamped to 100, then idle.
    #expect(dma == [30, 100, 0, 0])
  }

  @Test(arguments: [
    (UInt64.max - 5, UInt64(10), UInt64(1), 0.0),  // wrapped or went back: 0 for the interval
    (0, 150, 2, 75),  // 150 ns of 2 engines × 100 ns
    (0, 250, 2, 100),  // 125 % clamped
    (100, 100, 1, 0),
  ])
  func busyNanosEdgeCases(before: UInt64, now: UInt64, capacity: UInt64, percent: Double) {
    let result = EngineUtilization.fromBusyNanos(
      previous: ["e": before], current: ["e": now], elapsedNanos: 100, capacity: ["e": capacity])
    #expect(result == ["e": percent])
  }

  @Test func utilizationWithoutABaseline() {
    // amdgpu omits zero engines: an engine new in `current` counts from 0.
    #expect(EngineUtilization.fromBusyNanos(previous: [:], current: ["gfx": 50], elapsedNanos: 100) == ["gfx": 50])
    #expect(EngineUtilization.fromBusyNanos(previous: [:], current: ["gfx": 50], elapsedNanos: 0).isEmpty)
    // A GPU timestamp that went back gives 0; one that did not move gives nothing.
    let back = EngineUtilization.fromCycles(
      previousCycles: ["rcs": 10], currentCycles: ["rcs": 20], previousTotalCycles: ["rcs": 500],
      currentTotalCycles: ["rcs": 400])
    #expect(back == ["rcs": 0])
    let still = EngineUtilization.fromCycles(
      previousCycles: ["rcs": 10], currentCycles: ["rcs": 20], previousTotalCycles: ["rcs": 500],
      currentTotalCycles: ["rcs": 500])
    #expect(still.isEmpty)
    #expect(
      EngineUtilization.baseline(previous: ["a": 9, "b": 1], current: ["a": 5, "c": 2]) == ["a": 9, "b": 1, "c": 2])
  }
}
