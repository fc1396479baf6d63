import StrataTelemetry

/// The device samplers strata knows, checked against this host.
public struct HostSamplers: Sendable {
  /// Every sampler with its status, in a fixed order.
  public var statuses: [SamplerStatus]
  /// Those that work here, for the sweep.
  public var available: [any DeviceSampler]

  /// Checks each sampler once. A second source for the same driver is only asked when the
  /// first cannot serve, so no GPU is sampled twice in one sweep:
  /// - libdrm only when amdgpu sysfs is unavailable — both read the same counters of the same
  ///   driver, sysfs needs no open device node (libdrm makes strata a DRM client with its own
  ///   small VM on the GPU) and gives fan speed and memory load, which libdrm has no query for;
  /// - nvidia-smi only when NVML itself cannot be loaded: the tool is the slower path.
  public static func detect(sysRoot: String, devRoot: String, searchPath: String) -> HostSamplers {
    var statuses: [SamplerStatus] = []
    var available: [any DeviceSampler] = []
    func consider(_ sampler: any DeviceSampler) -> Bool {
      let status = sampler.status()
      statuses.append(status)
      if status.available { available.append(sampler) }
      return status.available
    }
    if !consider(AMDGPUSysfsSampler(sysRoot: sysRoot)) {
      _ = consider(AMDGPULibDRMSampler(devRoot: devRoot))
    }
    if !consider(NVMLSampler()) {
      _ = consider(NvidiaSMISampler(searchPath: searchPath))
    }
    return HostSamplers(statuses: statuses, available: available)
  }
}
