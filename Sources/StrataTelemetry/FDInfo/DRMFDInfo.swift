/// Memory one DRM client holds in one region, in bytes, per the kernel's
/// Documentation/gpu/drm-usage-stats.rst ("drm-<category>-<region>: <uint> [KiB|MiB]").
///
/// The kernel prints these through `drm_fdinfo_print_size` (drivers/gpu/drm/drm_file.c),
/// which divides by 1024 only while the value is non-zero and 1 KiB-aligned, up to MiB:
/// a value arrives with no suffix (bytes), ` KiB` or ` MiB`. Every field here is bytes.
/// A category the driver does not print stays nil.
public struct DRMRegionMemory: Sendable, Hashable, Codable {
  /// `drm-total-<region>`: private plus shared objects, resident or not.
  public var total: UInt64?
  /// `drm-shared-<region>`: objects shared with another file (dma-buf, flink).
  public var shared: UInt64?
  /// `drm-resident-<region>`: objects physically backed in the region.
  public var resident: UInt64?
  /// `drm-purgeable-<region>`: resident objects userspace marked purgeable.
  public var purgeable: UInt64?
  /// `drm-active-<region>`: objects busy on an engine.
  public var active: UInt64?

  /// A region with the given categories, each in bytes.
  public init(
    total: UInt64? = nil, shared: UInt64? = nil, resident: UInt64? = nil, purgeable: UInt64? = nil,
    active: UInt64? = nil
  ) {
    self.total = total
    self.shared = shared
    self.resident = resident
    self.purgeable = purgeable
    self.active = active
  }

  /// Category-wise sum with `other`; a category absent from both stays nil.
  public func adding(_ other: DRMRegionMemory) -> DRMRegionMemory {
    func sum(_ a: UInt64?, _ b: UInt64?) -> UInt64? {
      guard a != nil || b != nil else { return nil }
      return (a ?? 0) &+ (b ?? 0)
    }
    return DRMRegionMemory(
      total: sum(total, other.total), shared: sum(shared, other.shared), resident: sum(resident, other.resident),
      purgeable: sum(purgeable, other.purgeable), active: sum(active, other.active))
  }
}

/// One parsed `/proc/<pid>/fdinfo/<fd>` of a DRM file descriptor.
///
/// Keys per Documentation/gpu/drm-usage-stats.rst: the common ones come from
/// `drm_show_fdinfo` (drivers/gpu/drm/drm_file.c), the rest from the driver's `show_fdinfo`
/// (amdgpu_fdinfo.c, i915_drm_client.c, xe_drm_client.c, …).
public struct DRMFDInfoRecord: Sendable, Hashable, Codable {
  /// `drm-driver`: the driver name ("amdgpu", "i915", "xe"); mandatory, so its presence marks a DRM fd.
  public var driver: String
  /// `drm-pdev`: PCI slot "dddd:bb:dd.f" (printed `%04x:%02x:%02x.%d`), equal to sysfs `PCI_SLOT_NAME`.
  public var pdev: String?
  /// `drm-client-id`: unique per open DRM file (struct drm_file); the key for not double counting.
  public var clientId: UInt64?
  /// `drm-client-name`, set by userspace through DRM_IOCTL_SET_CLIENT_NAME.
  public var clientName: String?
  /// `pasid` (amdgpu only): the process address space id of the client's GPU VM.
  public var pasid: UInt64?
  /// Region ("vram", "gtt", "cpu", "system", "vram0", "local0", …) → bytes per category.
  public var memory: [String: DRMRegionMemory]
  /// Deprecated `drm-memory-<region>` (amdgpu only; an alias of `drm-resident-<region>`), bytes.
  public var legacyMemoryBytes: [String: UInt64]
  /// `drm-engine-<engine>: <uint> ns` — cumulative busy time, nanoseconds. amdgpu prints only non-zero engines.
  public var engineBusyNanos: [String: UInt64]
  /// `drm-cycles-<engine>` — cumulative busy GPU cycles (xe, panthor).
  public var engineCycles: [String: UInt64]
  /// `drm-total-cycles-<engine>` — the GPU timestamp in the same cycles; utilisation = Δcycles / Δtotal.
  public var engineTotalCycles: [String: UInt64]
  /// `drm-engine-capacity-<engine>` — number of identical engines behind the name; absent means 1.
  public var engineCapacity: [String: UInt64]
  /// `drm-maxfreq-<engine>: <uint> [Hz|KHz|MHz]`, converted to Hz.
  public var engineMaxFrequencyHz: [String: UInt64]
  /// Other keys as printed (driver-prefixed ones such as `amd-evicted-vram`), value text trimmed.
  public var otherKeys: [String: String]

  /// A record for `driver` with every other field empty.
  public init(driver: String) {
    self.driver = driver
    memory = [:]
    legacyMemoryBytes = [:]
    engineBusyNanos = [:]
    engineCycles = [:]
    engineTotalCycles = [:]
    engineCapacity = [:]
    engineMaxFrequencyHz = [:]
    otherKeys = [:]
  }

  /// Bytes resident per region: `drm-resident-<region>`, else the legacy amdgpu
  /// `drm-memory-<region>` alias, else `drm-total-<region>` for drivers that print no
  /// resident category (an upper bound). Never counts a region twice.
  public var residentBytes: [String: UInt64] {
    var result = legacyMemoryBytes
    for (region, amounts) in memory {
      if let resident = amounts.resident {
        result[region] = resident
      } else if result[region] == nil, let total = amounts.total {
        result[region] = total
      }
    }
    return result
  }
}

/// Parser for the text of one `/proc/<pid>/fdinfo/<fd>` (Documentation/gpu/drm-usage-stats.rst).
public enum DRMFDInfo {
  /// Parses fdinfo text; nil when it has no `drm-driver:` key (not a DRM fd — a pipe,
  /// socket, eventfd, regular file, or a DRM driver that prints no usage stats).
  ///
  /// One `key: value` per line, whitespace after the colon ignored (amdgpu prints
  /// `drm-memory-gtt: \t…`). Sizes accept no suffix (bytes), `KiB` and `MiB` (also `GiB`);
  /// engine times accept an optional ` ns`. Lines that do not parse are skipped.
  public static func parse(_ text: String) -> DRMFDInfoRecord? {
    var pairs: [(key: Substring, value: Substring)] = []
    var driver: String?
    for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
      guard let colon = line.firstIndex(of: ":") else { continue }
      let key = line[..<colon]
      let value = Substring(line[line.index(after: colon)...].trimmingKernelWhitespace())
      if key == "drm-driver" { driver = String(value) }
      pairs.append((key, value))
    }
    guard let driver, !driver.isEmpty else { return nil }
    var record = DRMFDInfoRecord(driver: driver)
    for (key, value) in pairs { apply(key: key, value: value, to: &record) }
    return record
  }

  /// The memory categories of the document, key prefix → field.
  private static var categories: [(prefix: String, keyPath: WritableKeyPath<DRMRegionMemory, UInt64?>)] {
    [
      ("drm-total-", \.total), ("drm-shared-", \.shared), ("drm-resident-", \.resident),
      ("drm-purgeable-", \.purgeable), ("drm-active-", \.active),
    ]
  }

  private static func apply(key: Substring, value: Substring, to record: inout DRMFDInfoRecord) {
    switch key {
    case "drm-driver": return
    case "drm-pdev": record.pdev = String(value)
    case "drm-client-id": record.clientId = UInt64(value)
    case "drm-client-name": record.clientName = String(value)
    case "pasid": record.pasid = UInt64(value)
    default:
      // Order matters: "drm-engine-capacity-" before "drm-engine-", "drm-total-cycles-" before "drm-total-".
      if let engine = suffix(key, after: "drm-engine-capacity-") {
        if let n = UInt64(value) { record.engineCapacity[engine] = n }
      } else if let engine = suffix(key, after: "drm-engine-") {
        if let n = nanoseconds(value) { record.engineBusyNanos[engine] = n }
      } else if let engine = suffix(key, after: "drm-total-cycles-") {
        if let n = UInt64(value) { record.engineTotalCycles[engine] = n }
      } else if let engine = suffix(key, after: "drm-cycles-") {
        if let n = UInt64(value) { record.engineCycles[engine] = n }
      } else if let engine = suffix(key, after: "drm-maxfreq-") {
        if let hz = hertz(value) { record.engineMaxFrequencyHz[engine] = hz }
      } else if let region = suffix(key, after: "drm-memory-") {
        if let bytes = bytes(value) { record.legacyMemoryBytes[region] = bytes }
      } else if let (region, path) = memoryCategory(key) {
        if let bytes = bytes(value) { record.memory[region, default: DRMRegionMemory()][keyPath: path] = bytes }
      } else {
        record.otherKeys[String(key)] = String(value)
      }
    }
  }

  private static func memoryCategory(_ key: Substring) -> (String, WritableKeyPath<DRMRegionMemory, UInt64?>)? {
    for (prefix, path) in categories {
      if let region = suffix(key, after: prefix) { return (region, path) }
    }
    return nil
  }

  private static func suffix(_ key: Substring, after prefix: String) -> String? {
    guard key.hasPrefix(prefix), key.count > prefix.count else { return nil }
    return String(key.dropFirst(prefix.count))
  }

  /// "<uint>", "<uint> KiB", "<uint> MiB" (drm_fdinfo_print_size), "<uint> GiB" → bytes.
  static func bytes(_ value: Substring) -> UInt64? {
    let parts = value.split(whereSeparator: { $0 == " " || $0 == "\t" })
    guard let first = parts.first, let number = UInt64(first), parts.count <= 2 else { return nil }
    let shift: UInt64
    switch parts.count == 2 ? parts[1] : "" {
    case "": shift = 0
    case "KiB": shift = 10
    case "MiB": shift = 20
    case "GiB": shift = 30
    default: return nil
    }
    let (result, overflow) = number.multipliedReportingOverflow(by: 1 << shift)
    return overflow ? nil : result
  }

  /// "<uint> ns" or "<uint>" → nanoseconds.
  static func nanoseconds(_ value: Substring) -> UInt64? {
    let parts = value.split(whereSeparator: { $0 == " " || $0 == "\t" })
    guard let first = parts.first, let number = UInt64(first) else { return nil }
    guard parts.count == 1 || (parts.count == 2 && parts[1] == "ns") else { return nil }
    return number
  }

  /// "<uint> Hz|KHz|MHz" (drm-maxfreq) → Hz.
  static func hertz(_ value: Substring) -> UInt64? {
    let parts = value.split(whereSeparator: { $0 == " " || $0 == "\t" })
    guard let first = parts.first, let number = UInt64(first), parts.count <= 2 else { return nil }
    switch parts.count == 2 ? parts[1] : "Hz" {
    case "Hz": return number
    case "KHz", "kHz": return number.multipliedReportingOverflow(by: 1_000).overflow ? nil : number * 1_000
    case "MHz": return number.multipliedReportingOverflow(by: 1_000_000).overflow ? nil : number * 1_000_000
    default: return nil
    }
  }
}
