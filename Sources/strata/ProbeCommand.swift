import ArgumentParser
import Foundation
import StrataRun
import StrataTelemetry

struct ProbeCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "probe",
    abstract: "Show the host inventory and which telemetry samplers work here, and why not.")

  @Flag(help: "Print JSON (sorted keys) for machines.")
  var json = false

  @Option(
    help:
      "Then run the sampling loop for this many seconds (0.1…86400) on strata itself and report its timing and cost."
  )
  var watch: Double?

  @Option(help: "Samples per second for --watch (0.1…1000).")
  var rate: Double = 10

  @Flag(help: "Also measure host memory bandwidth (STREAM triad over 3 × 128 MiB, one thread per core; ~2 s).")
  var bandwidth = false

  func validate() throws {
    if let watch { try OptionCheck.range(watch, "--watch", 0.1...86_400, "seconds") }
    try OptionCheck.range(rate, "--rate", OptionCheck.telemetryRates, "samples per second")
  }

  /// The sampling loop's own benchmark: how close ticks land to their schedule
  /// and how much CPU the sampling thread uses.
  private func watchSampling(seconds: Double, samplers: [any DeviceSampler], procRoot: String) async throws {
    let recorder = TelemetryRecorder(
      samplers: samplers, processSampler: ProcessSampler(procRoot: procRoot), rateHz: rate)
    recorder.start()
    recorder.attach(pid: getpid())
    try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
    let cpu = SamplingThreadCPU.seconds()
    let run = recorder.stop()
    let errors = run.intervalErrors(periodNanos: recorder.periodNanos).map { abs(Double($0)) / 1e6 }.sorted()
    guard !errors.isEmpty else { return }
    let within5 = Double(errors.filter { $0 <= 5 }.count) / Double(errors.count)
    let p99 = errors[min(errors.count - 1, Int(Double(errors.count) * 0.99))]
    emit("sampling: \(run.points.count) ticks in \(seconds) s at \(rate) Hz")
    emit(
      String(
        format: "  intervals within 5 ms of target: %.2f%%; p99 deviation %.2f ms; max %.2f ms", within5 * 100, p99,
        errors.last ?? 0))
    if let cpu {
      emit(String(format: "  sampling thread CPU: %.3f s = %.3f%% of one core", cpu, cpu / seconds * 100))
    }
  }
  func run() async throws {
    let context = LiveHost.context()
    let host = HostInventory.read(procRoot: context.roots.proc, etcRoot: context.roots.etc)
    let samplers = HostSamplers.detect(
      sysRoot: context.roots.sys, devRoot: context.roots.dev, searchPath: context.searchPath)
    var devices: [DeviceSample] = []
    for sampler in samplers.available {
      devices += (try? sampler.sampleDevices()) ?? []
    }
    let vulkan: [VulkanDevice]
    var vulkanProblem: String?
    switch VulkanDevices.enumerate() {
    case .success(let found): vulkan = found
    case .failure(let error):
      vulkan = []
      vulkanProblem = error.message
    }
    let nvml = samplers.available.lazy.compactMap { $0 as? NVMLSampler }.first.map { sampler in
      NVMLProbe(
        cudaDriverVersion: sampler.cudaDriverVersionCode.map { "\($0 / 1000).\(($0 % 1000) / 10)" },
        processQuery: sampler.processQuery)
    }
    let report = ProbeReport(
      host: host, samplers: samplers.statuses, devices: devices, vulkanDevices: vulkan, vulkanProblem: vulkanProblem,
      drmDevices: DRMDevices.enumerate(), nvml: nvml,
      memoryBandwidth: bandwidth ? try measureBandwidth(threads: host.logicalCores) : nil)
    if json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
      emit(String(decoding: try encoder.encode(report), as: UTF8.self))
    } else {
      printText(report)
    }
    if let seconds = watch {
      try await watchSampling(seconds: seconds, samplers: samplers.available, procRoot: context.roots.proc)
    }
  }

  private func measureBandwidth(threads: Int) throws -> MemoryBandwidth {
    do {
      return try MemoryBandwidth.measure(threads: max(1, threads))
    } catch {
      printError(error.description)
      throw ExitCode(1)
    }
  }

  private func printText(_ report: ProbeReport) {
    let host = report.host
    let devices = report.devices
    emit("host: \(host.hostname)")
    emit("  cpu: \(host.cpuModel), \(host.logicalCores) logical cores")
    emit("  memory: \(host.memoryBytes / 1_048_576) MiB")
    if let measured = report.memoryBandwidth {
      emit(
        String(
          format: "  memory bandwidth: %.1f GB/s (STREAM triad, %d threads, 3 × %d MiB, best of %d)",
          measured.bytesPerSecond / 1e9, measured.threads, measured.arrayBytes / 3 / 1_048_576, measured.passes))
    }
    emit("  os: \(host.os); kernel \(host.kernel)")
    emit("samplers:")
    for status in report.samplers {
      emit("  \(status.sampler): \(status.available ? "works" : "not available — \(status.reason ?? "unknown")")")
    }
    emit("  process (/proc): works")
    if let nvml = report.nvml {
      emit("  nvml: driver supports CUDA \(nvml.cudaDriverVersion ?? "unknown")")
      emit("  nvml process list: \(nvml.processQuery ?? "not exported by this driver")")
    }
    emit(report.drmDevices.isEmpty ? "DRM devices (libdrm): none" : "DRM devices (libdrm):")
    for device in report.drmDevices {
      emit("  \(device.pciSlot ?? "-") \(device.nodes.joined(separator: " "))")
    }
    emit(
      report.vulkanDevices.isEmpty
        ? "Vulkan devices: none (\(report.vulkanProblem ?? "the loader lists none"))" : "Vulkan devices:")
    for (index, device) in report.vulkanDevices.enumerated() {
      let heap =
        device.deviceLocalHeapBytes.first.map { "\($0 / 1_048_576) MiB device-local" } ?? "no device-local heap"
      emit("  \(index): \(device.name) (\(device.type), Vulkan \(device.apiVersion), \(heap))")
      printVulkanDetails(device)
    }
    emit(devices.isEmpty ? "GPU samplers see no devices" : "devices:")
    for device in devices {
      let vram = device.vramTotalBytes.map { "\(($0) / 1_048_576) MiB VRAM" } ?? "VRAM unknown"
      let power = device.powerIncludesCPU == true ? "; power is the SoC's, CPU included (APU)" : ""
      emit("  \(device.device): \(vram)\(power)")
    }
  }
}

extension ProbeCommand {
  /// Driver, PCI bus and the VK_EXT_memory_budget estimate of one Vulkan device, each said
  /// to be missing where the driver does not offer it.
  fileprivate func printVulkanDetails(_ device: VulkanDevice) {
    let driver = device.driverName.map { name in [name, device.driverInfo].compactMap { $0 }.joined(separator: ", ") }
    emit("     driver: \(driver ?? "not reported (no Vulkan 1.2 or VK_KHR_driver_properties)")")
    emit("     PCI: \(device.pciSlot ?? "not reported (no VK_EXT_pci_bus_info)")")
    guard let budgets = device.deviceLocalHeapBudgets else {
      emit("     memory budget: not offered (no VK_EXT_memory_budget)")
      return
    }
    for heap in budgets {
      emit(
        "     heap \(heap.heapIndex): \(heap.sizeBytes / 1_048_576) MiB, budget \(heap.budgetBytes / 1_048_576) MiB"
          + " -> estimated in use on the device: \(heap.estimatedDeviceUsedBytes / 1_048_576) MiB"
          + " (estimate = size - budget; Vulkan cannot see other processes' memory)")
    }
  }
}

/// What `strata probe --json` prints.
struct ProbeReport: Codable {
  var host: HostInventory
  var samplers: [SamplerStatus]
  var devices: [DeviceSample]
  var vulkanDevices: [VulkanDevice]
  var vulkanProblem: String?
  var drmDevices: [DRMDevice]
  /// Where NVML works: the driver's CUDA version and the process query strata matched to it.
  var nvml: NVMLProbe?
  /// With --bandwidth: the host memory's measured bandwidth.
  var memoryBandwidth: MemoryBandwidth?
}

struct NVMLProbe: Codable {
  var cudaDriverVersion: String?
  var processQuery: String?
}

/// CPU time of the sampling thread, from /proc/self/task/*/stat.
enum SamplingThreadCPU {
  static func seconds() -> Double? {
    let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
    for task in tasks {
      let comm = (try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8)) ?? ""
      guard comm.trimmingCharacters(in: .whitespacesAndNewlines) == TelemetryRecorder.threadName,
        let sample = ProcessSampler(procRoot: "/proc/self/task").sample(pid: Int32(task) ?? 0)
      else { continue }
      return sample.cpuSeconds
    }
    return nil
  }
}
