/// Identity of one NVIDIA GPU as NVML reports it, for `strata probe`.
public struct NVMLDeviceInfo: Sendable, Hashable, Codable {
  /// NVML's device index (0-based, the order of `nvmlDeviceGetHandleByIndex`).
  public var index: Int
  /// PCI slot "0000:03:00.0" (lower case, sysfs form), or "nvml:<index>" when PCI info is unavailable.
  public var device: String
  /// Marketing name, e.g. "NVIDIA H100 80GB HBM3"; nil when NVML refuses.
  public var name: String?
  /// PCI device id << 16 | vendor id (0x10de); nil when PCI info is unavailable.
  public var pciDeviceId: UInt32?

  /// Creates a device identity.
  public init(index: Int, device: String, name: String? = nil, pciDeviceId: UInt32? = nil) {
    self.index = index
    self.device = device
    self.name = name
    self.pciDeviceId = pciDeviceId
  }
}

/// Device-wide readings of NVIDIA GPUs through NVML, loaded with `dlopen` at run time.
///
/// Per device: VRAM used/total (bytes), GPU and memory-controller busy (percent of NVML's
/// last sample period), power (watts; NVML reports mW, averaged over 1 s on Ampere and newer),
/// temperature "gpu" (°C), graphics and memory clocks (MHz). A failed call leaves its field nil;
/// a GPU that fell off the bus (`NVML_ERROR_GPU_IS_LOST`) makes `sampleDevices` throw.
public struct NVMLSampler: DeviceSampler, ProcessGPUSampler {
  /// "nvml".
  public let name = "nvml"
  private let loaded: Result<NVMLLibrary, NVMLUnavailable>

  /// Loads the first of `libraryPaths` that `dlopen` accepts and initialises NVML.
  ///
  /// Never fails: an absent library or a failed `nvmlInit` is reported by `status()`.
  /// - Parameter libraryPaths: tried in order; a bare name goes through the loader's search path.
  public init(libraryPaths: [String] = ["libnvidia-ml.so.1", "libnvidia-ml.so"]) {
    loaded = Result { () throws(NVMLUnavailable) in try NVMLLibrary(paths: libraryPaths) }
  }

  /// Available when the library loaded and `nvmlInit` succeeded; otherwise the reason.
  public func status() -> SamplerStatus {
    switch loaded {
    case .success: SamplerStatus(sampler: name, available: true)
    case .failure(let failure): SamplerStatus(sampler: name, available: false, reason: failure.reason)
    }
  }

  /// Symbols resolved from the loaded library, in load order (empty when unavailable).
  public var resolvedSymbols: [String] {
    (try? loaded.get())?.resolvedSymbols ?? []
  }

  /// One reading of every GPU NVML enumerates.
  ///
  /// - Throws: `SamplerError` when NVML is unavailable, the device count fails, or a GPU is lost.
  public func sampleDevices() throws -> [DeviceSample] {
    let library = try ready()
    return try enumerate(library).map { try sample($0.handle, id: $0.info.device, library) }
  }

  /// Name and PCI identity of every GPU NVML enumerates.
  ///
  /// - Throws: `SamplerError` when NVML is unavailable, the device count fails, or a GPU is lost.
  public func devices() throws -> [NVMLDeviceInfo] {
    try enumerate(try ready()).map(\.info)
  }

  /// Compute processes on every GPU, with the device memory each holds as `residentBytes["vram"]`.
  ///
  /// A process whose `usedGpuMemory` is `NVML_VALUE_NOT_AVAILABLE` is listed with no "vram"
  /// entry. Devices whose query fails are left out; an unavailable NVML gives an empty list.
  public func processes() -> [ProcessGPUSample] {
    guard case .success(let library) = loaded, let devices = try? enumerate(library, skippingLost: true) else {
      return []
    }
    return devices.flatMap { entry in
      NVMLProcessQuery.run(entry.handle, library).map { process in
        var sample = ProcessGPUSample(pid: Int32(bitPattern: process.pid), device: entry.info.device)
        if process.usedBytes != NVMLConstant.valueNotAvailable { sample.residentBytes["vram"] = process.usedBytes }
        return sample
      }
    }
  }

  /// The processes of `pids` in NVML's compute-process lists: the per-process GPU memory
  /// figure on NVIDIA, where DRM fdinfo has nothing. NVML reports host pids, so a server in a
  /// rootful container is found by the host pid its runtime reports.
  public func sample(pids: [Int32]) -> [ProcessGPUSample] {
    let wanted = Set(pids)
    return processes().filter { wanted.contains($0.pid) }
  }

  /// Which process query the library was matched to and the entry size it writes, e.g.
  /// "nvmlDeviceGetComputeRunningProcesses_v3 with 32-byte entries" on R535; nil when unavailable.
  public var processQuery: String? {
    (try? loaded.get())?.getProcesses.map(\.layout.description)
  }

  /// The CUDA version the driver supports, as NVML codes it (1000 × major + 10 × minor:
  /// 12020 is CUDA 12.2, what R535 drivers report); nil when NVML is unavailable or refuses.
  public var cudaDriverVersionCode: Int32? {
    guard case .success(let library) = loaded, let query = library.getCudaDriverVersion else { return nil }
    var code: Int32 = 0
    return query(&code) == NVMLReturn.success.rawValue && code > 0 ? code : nil
  }

  // MARK: - Reading

  private func ready() throws -> NVMLLibrary {
    switch loaded {
    case .success(let library): return library
    case .failure(let failure): throw SamplerError(sampler: name, message: failure.reason)
    }
  }

  /// True on success, false for a per-call failure (the field stays nil); throws for a lost GPU.
  private func succeeded(_ status: Int32, _ call: String, _ device: String, _ library: NVMLLibrary) throws -> Bool {
    if status == NVMLReturn.success.rawValue { return true }
    if status == NVMLReturn.gpuIsLost.rawValue {
      throw SamplerError(sampler: name, message: "GPU \(device) is lost (\(call): \(library.message(for: status)))")
    }
    return false
  }

  /// Handles and identities of the GPUs; a lost GPU throws unless `skippingLost`, then it is left out.
  private func enumerate(
    _ library: NVMLLibrary, skippingLost: Bool = false
  ) throws -> [(handle: OpaquePointer, info: NVMLDeviceInfo)] {
    var count: UInt32 = 0
    let status = library.getCount(&count)
    guard status == NVMLReturn.success.rawValue else {
      throw SamplerError(sampler: name, message: "nvmlDeviceGetCount failed: \(library.message(for: status))")
    }
    var devices: [(handle: OpaquePointer, info: NVMLDeviceInfo)] = []
    for index in 0..<count {
      do {
        var handle: OpaquePointer?
        let found = library.getHandleByIndex(index, &handle)
        // A device NVML may not open (e.g. NO_PERMISSION) is skipped; the others are still read.
        guard try succeeded(found, "nvmlDeviceGetHandleByIndex", "nvml:\(index)", library), let handle else { continue }
        devices.append((handle, try info(handle, index: Int(index), library)))
      } catch {
        if skippingLost { continue }
        throw error
      }
    }
    return devices
  }

  private func info(_ handle: OpaquePointer, index: Int, _ library: NVMLLibrary) throws -> NVMLDeviceInfo {
    var info = NVMLDeviceInfo(index: index, device: "nvml:\(index)")
    if let getPciInfo = library.getPciInfo {
      var pci = NVMLPciInfo()
      if try succeeded(getPciInfo(handle, &pci), "nvmlDeviceGetPciInfo", info.device, library) {
        info.device =
          NvidiaBusID.normalize(pci.busIdString)
          ?? NvidiaBusID.format(domain: pci.domain, bus: pci.bus, device: pci.device)
        info.pciDeviceId = pci.pciDeviceId
      }
    }
    if let getName = library.getName {
      var buffer = [CChar](repeating: 0, count: NVMLConstant.deviceNameBufferSize)
      let status = getName(handle, &buffer, UInt32(buffer.count))
      if try succeeded(status, "nvmlDeviceGetName", info.device, library) {
        info.name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
      }
    }
    return info
  }

  private func sample(_ handle: OpaquePointer, id: String, _ library: NVMLLibrary) throws -> DeviceSample {
    var sample = DeviceSample(device: id)
    // nvmlMemory_v2_t.used excludes driver-reserved memory; the v1 struct's used includes it.
    var memoryRead = false
    if let getMemoryV2 = library.getMemoryV2 {
      var memory = NVMLMemoryV2(version: NVMLConstant.memoryV2Version)
      if try succeeded(getMemoryV2(handle, &memory), "nvmlDeviceGetMemoryInfo_v2", id, library) {
        (sample.vramUsedBytes, sample.vramTotalBytes, memoryRead) = (memory.used, memory.total, true)
      }
    }
    if !memoryRead, let getMemoryV1 = library.getMemoryV1 {
      var memory = NVMLMemoryV1()
      if try succeeded(getMemoryV1(handle, &memory), "nvmlDeviceGetMemoryInfo", id, library) {
        (sample.vramUsedBytes, sample.vramTotalBytes) = (memory.used, memory.total)
      }
    }
    if let getUtilization = library.getUtilization {
      var rates = NVMLUtilization()
      if try succeeded(getUtilization(handle, &rates), "nvmlDeviceGetUtilizationRates", id, library) {
        (sample.busyPercent, sample.memoryBusyPercent) = (Double(rates.gpu), Double(rates.memory))
      }
    }
    if let getPowerUsage = library.getPowerUsage {
      var milliwatts: UInt32 = 0
      if try succeeded(getPowerUsage(handle, &milliwatts), "nvmlDeviceGetPowerUsage", id, library) {
        sample.powerWatts = Double(milliwatts) / 1000
      }
    }
    if let celsius = try temperature(handle, id, library) { sample.temperaturesCelsius["gpu"] = celsius }
    if let getClockInfo = library.getClockInfo {
      func megahertz(_ type: UInt32) throws -> Double? {
        var value: UInt32 = 0
        return try succeeded(getClockInfo(handle, type, &value), "nvmlDeviceGetClockInfo", id, library)
          ? Double(value) : nil
      }
      sample.coreClockMHz = try megahertz(NVMLConstant.clockGraphics)
      sample.memoryClockMHz = try megahertz(NVMLConstant.clockMemory)
    }
    return sample
  }

  /// °C from `nvmlDeviceGetTemperatureV` (NVML 13), else the deprecated `nvmlDeviceGetTemperature`.
  private func temperature(_ handle: OpaquePointer, _ id: String, _ library: NVMLLibrary) throws -> Double? {
    if let getTemperatureV = library.getTemperatureV {
      var reading = NVMLTemperatureV1(
        version: NVMLConstant.temperatureV1Version, sensorType: NVMLConstant.temperatureGPU)
      if try succeeded(getTemperatureV(handle, &reading), "nvmlDeviceGetTemperatureV", id, library) {
        return Double(reading.temperature)
      }
    }
    if let getTemperature = library.getTemperatureLegacy {
      var celsius: UInt32 = 0
      if try succeeded(
        getTemperature(handle, NVMLConstant.temperatureGPU, &celsius), "nvmlDeviceGetTemperature", id, library)
      {
        return Double(celsius)
      }
    }
    return nil
  }
}
