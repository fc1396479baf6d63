import StrataTelemetry

/// The device samplers strata knows, checked against this host.
public struct HostSamplers: Sendable {
  /// Every sampler with its status, in a fixed order.
  public var statuses: [SamplerStatus]
  /// Those that work here, for the sweep.
  public var available: [any DeviceSampler]

  /// Checks each sampler once. nvidia-smi is only asked when NVML itself cannot
  /// be loaded: both read the same driver, and the tool is the slower path.
  public static func detect(sysRoot: String = "/sys") -> HostSamplers {
    var statuses: [SamplerStatus] = []
    var available: [any DeviceSampler] = []
    func consider(_ sampler: any DeviceSampler) -> Bool {
      let status = sampler.status()
      statuses.append(status)
      if status.available { available.append(sampler) }
      return status.available
    }
    _ = consider(AMDGPUSysfsSampler(sysRoot: sysRoot))
    if !consider(NVMLSampler()) {
      _ = consider(NvidiaSMISampler())
    }
    return HostSamplers(statuses: statuses, available: available)
  }
}
