#if canImport(Glibc)
  import Glibc
#endif

/// What one process holds on one DRM device, summed over its distinct DRM clients in one sweep.
///
/// Built from `/proc/<pid>/fdinfo/<fd>` records (Documentation/gpu/drm-usage-stats.rst):
/// memory and busy counters of every client are summed; a client reachable through several
/// fds or processes is counted once (see ``DRMFDInfoSampler``).
public struct DRMProcessUsage: Sendable, Hashable, Codable {
  /// The process id.
  public var pid: Int32
  /// The device: `drm-pdev` (PCI slot, as sysfs `PCI_SLOT_NAME`), or "drm:<driver>" for a non-PCI device.
  public var device: String
  /// `drm-driver` of the device's clients.
  public var driver: String
  /// The `drm-client-id`s summed here, ascending (empty ids are not listed).
  public var clientIds: [UInt64]
  /// Region → bytes per category (`drm-total-`, `drm-shared-`, `drm-resident-`, …), summed over clients.
  public var memory: [String: DRMRegionMemory]
  /// Region → resident bytes, summed over clients (see ``DRMFDInfoRecord/residentBytes``).
  public var residentBytes: [String: UInt64]
  /// Engine → cumulative busy nanoseconds (`drm-engine-<e>`), summed over clients.
  public var engineBusyNanos: [String: UInt64]
  /// Engine → cumulative busy cycles (`drm-cycles-<e>`), summed over clients.
  public var engineCycles: [String: UInt64]
  /// Engine → GPU timestamp in cycles (`drm-total-cycles-<e>`). One clock for all clients,
  /// so the largest reading is kept, not a sum.
  public var engineTotalCycles: [String: UInt64]
  /// Engine → number of identical engines (`drm-engine-capacity-<e>`, absent = 1); the largest seen.
  public var engineCapacity: [String: UInt64]

  /// An empty usage of `device` by `pid`.
  public init(pid: Int32, device: String, driver: String) {
    self.pid = pid
    self.device = device
    self.driver = driver
    clientIds = []
    memory = [:]
    residentBytes = [:]
    engineBusyNanos = [:]
    engineCycles = [:]
    engineTotalCycles = [:]
    engineCapacity = [:]
  }

  /// Adds one client's record to the sums.
  public mutating func add(_ record: DRMFDInfoRecord) {
    if let id = record.clientId {
      clientIds.append(id)
      clientIds.sort()
    }
    for (region, amounts) in record.memory { memory[region] = (memory[region] ?? DRMRegionMemory()).adding(amounts) }
    for (region, bytes) in record.residentBytes { residentBytes[region, default: 0] &+= bytes }
    for (engine, ns) in record.engineBusyNanos { engineBusyNanos[engine, default: 0] &+= ns }
    for (engine, cycles) in record.engineCycles { engineCycles[engine, default: 0] &+= cycles }
    for (engine, total) in record.engineTotalCycles {
      engineTotalCycles[engine] = max(engineTotalCycles[engine] ?? 0, total)
    }
    for (engine, n) in record.engineCapacity { engineCapacity[engine] = max(engineCapacity[engine] ?? 1, n) }
  }

  /// The shared telemetry shape: resident bytes per region and busy nanoseconds per engine.
  public var processSample: ProcessGPUSample {
    ProcessGPUSample(pid: pid, device: device, residentBytes: residentBytes, engineBusyNanos: engineBusyNanos)
  }
}

/// Per-process GPU memory and engine time from DRM fdinfo (`<procRoot>/<pid>/fdinfo/<fd>`,
/// Documentation/gpu/drm-usage-stats.rst), for amdgpu, i915, xe and any driver that follows it.
///
/// Which fds are DRM: on a live system DRM fds are character devices of major 226
/// (`/dev/dri/card*`, `/dev/dri/renderD*`). Recorded fixture trees hold no real fds, so an
/// entry is recognised by the mandatory `drm-driver:` key in its fdinfo. As a cheap filter on a
/// live system, an fd whose `<procRoot>/<pid>/fd/<n>` stats as something other than a character
/// device is skipped without reading its fdinfo; where `fd/` cannot be stat'ed, fdinfo decides.
///
/// Double counting: one open DRM file (one `drm-client-id`) may be reachable through several fds
/// (dup, fork, SCM_RIGHTS) in one or several processes. Within one sweep each (`drm-pdev`,
/// `drm-client-id`) is counted once, for the first pid (in the order given) and the first fd
/// (ascending) that shows it — as amdgpu_top does with its per-sweep client-id set.
public struct DRMFDInfoSampler: ProcessGPUSampler {
  /// Root of the proc filesystem, "/proc" on a live system, a recorded tree in tests.
  public let procRoot: String

  /// A sampler reading `<procRoot>/<pid>/fdinfo`.
  public init(procRoot: String) {
    self.procRoot = procRoot
  }

  /// One sweep over `pids`: per (pid, device), resident bytes per region and cumulative busy
  /// nanoseconds per engine. A pid that is gone, unreadable, or holds no DRM client yields
  /// nothing; this never throws.
  public func sample(pids: [Int32]) -> [ProcessGPUSample] {
    sweep(pids: pids).map(\.processSample)
  }

  /// Every live process has a `fdinfo` directory, so one that cannot be listed while the
  /// process still exists is unreadable to strata: a server in a rootful container runs as
  /// root, and a non-root strata may not read its descriptors.
  public func problem(pid: Int32) -> String? {
    let base = "\(procRoot)/\(pid)"
    guard KernelTextFile.exists(base), KernelTextFile.list("\(base)/fdinfo") == nil, KernelTextFile.exists(base)
    else { return nil }
    return "\(base)/fdinfo is not readable by strata (uid \(getuid())), so the server's own GPU memory and "
      + "engine time are not measured: a server in a rootful container runs as root; run strata as root, "
      + "or use a rootless runtime"
  }

  /// One sweep over `pids` with every summed figure, cycles included (xe reports cycles, not ns).
  /// Results are ordered by the given pid order, then by device.
  public func sweep(pids: [Int32]) -> [DRMProcessUsage] {
    var seenClients = Set<String>()
    var results: [DRMProcessUsage] = []
    for pid in pids {
      var perDevice: [String: DRMProcessUsage] = [:]
      for record in records(pid: pid) {
        let device = record.pdev ?? "drm:\(record.driver)"
        if let id = record.clientId {
          guard seenClients.insert("\(device)#\(id)").inserted else { continue }
        }
        perDevice[device, default: DRMProcessUsage(pid: pid, device: device, driver: record.driver)].add(record)
      }
      results += perDevice.keys.sorted().compactMap { perDevice[$0] }
    }
    return results
  }

  /// Parsed DRM records of every fd of `pid`, ascending by fd number; no de-duplication.
  public func records(pid: Int32) -> [DRMFDInfoRecord] {
    let base = "\(procRoot)/\(pid)"
    guard let names = KernelTextFile.list("\(base)/fdinfo") else { return [] }
    let fds = names.compactMap { Int32($0) }.sorted()
    return fds.compactMap { fd -> DRMFDInfoRecord? in
      if KernelTextFile.isKnownNonCharacterDevice("\(base)/fd/\(fd)") == true { return nil }
      guard let text = KernelTextFile.read("\(base)/fdinfo/\(fd)") else { return nil }
      return DRMFDInfo.parse(text)
    }
  }
}
