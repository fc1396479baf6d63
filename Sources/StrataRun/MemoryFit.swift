import Foundation
import StrataConfig
import StrataEngine
import StrataGGUF
import StrataMatrix
import StrataTelemetry

/// Free memory where servers load, read just before each one starts.
public struct FreeMemory: Sendable, Equatable {
  /// `MemAvailable` of /proc/meminfo: what the host can give without swapping.
  public var hostBytes: Int?
  /// Per GPU (by PCI slot where known), VRAM total minus used, from the device samplers.
  public var devices: [(device: String, bytes: Int)]

  public init(hostBytes: Int?, devices: [(device: String, bytes: Int)] = []) {
    self.hostBytes = hostBytes
    self.devices = devices
  }

  public static func == (a: FreeMemory, b: FreeMemory) -> Bool {
    a.hostBytes == b.hostBytes && a.devices.map(\.device) == b.devices.map(\.device)
      && a.devices.map(\.bytes) == b.devices.map(\.bytes)
  }

  /// Reads the host's `MemAvailable` under `procRoot` and the samplers' devices.
  public static func read(procRoot: String, samplers: [any DeviceSampler]) -> FreeMemory {
    let available = HostInventory.meminfoBytes("MemAvailable", procRoot: procRoot)
    var devices: [(String, Int)] = []
    for sampler in samplers {
      for sample in (try? sampler.sampleDevices()) ?? [] {
        guard let total = sample.vramTotalBytes, let used = sample.vramUsedBytes, total > 0,
          !devices.contains(where: { $0.0 == sample.device })
        else { continue }
        devices.append((sample.device, Int(clamping: total - min(used, total))))
      }
    }
    return FreeMemory(hostBytes: available, devices: devices.sorted { $0.0 < $1.0 })
  }
}

/// A load's predicted memory against the memory free for it.
public struct FitVerdict: Sendable, Equatable {
  public enum Outcome: Sendable, Equatable {
    case fits
    case doesNotFit
    /// No free-memory figure for where the load goes, or no prediction (a header
    /// strata cannot read): the load is tried.
    case unknown
  }

  public var outcome: Outcome
  public var estimate: MemoryEstimate?
  /// "needs 1.2 GiB (weights …) : …, 0.8 GiB available on the host".
  public var detail: String
  /// Where the prediction lands as checked: a software device's share counts as host memory.
  public var hostBytes: Int?
  public var deviceBytes: Int?

  public init(
    outcome: Outcome, estimate: MemoryEstimate?, detail: String, hostBytes: Int? = nil, deviceBytes: Int? = nil
  ) {
    self.outcome = outcome
    self.estimate = estimate
    self.detail = detail
    self.hostBytes = hostBytes ?? estimate?.hostBytes
    self.deviceBytes = deviceBytes ?? estimate?.deviceBytes
  }
}

/// The memory-fit check: predicts each load from its GGUF header and the server's
/// arguments, and compares it with free memory before the server starts.
public struct MemoryFit: Sendable {
  /// Reads free memory now; replaced in tests.
  public var free: @Sendable () -> FreeMemory
  /// Memory left over after the load, so the host does not swap and the driver keeps room.
  public var headroomBytes: Int

  /// Whether the host shows a GPU (a DRM device). Without one, a GPU backend runs on a
  /// software device (lavapipe) whose "device" memory is host memory; with one that no
  /// sampler reads, the device share cannot be checked and is not charged to the host.
  public var hostHasGPU: Bool
  /// A load that does not fit is checked once more after this long: memory a stopped
  /// server held can take a moment to come back (the driver, the page cache).
  public var recheckSeconds: Double

  public init(
    free: @escaping @Sendable () -> FreeMemory, headroomBytes: Int = 256 << 20, hostHasGPU: Bool = false,
    recheckSeconds: Double = 0
  ) {
    self.free = free
    self.headroomBytes = headroomBytes
    self.hostHasGPU = hostHasGPU
    self.recheckSeconds = recheckSeconds
  }

  /// The prediction of one server, from its model's header and the arguments it will get.
  public static func predict(_ launch: ServerLaunch) throws(GGUFError) -> MemoryEstimate {
    let shape = try ModelShape.read(path: launch.modelPath)
    return MemoryEstimate.predict(
      shape, settings: LoadSettings.from(arguments: launch.arguments(port: 0)), onDevice: launch.engine.backend != .cpu)
  }

  /// The verdict on one server start, with free memory read now.
  public func verdict(_ launch: ServerLaunch) -> FitVerdict {
    do {
      return verdict(try Self.predict(launch), engine: launch.engine)
    } catch {
      return FitVerdict(outcome: .unknown, estimate: nil, detail: "no memory prediction: \(error)")
    }
  }

  /// The verdict on a load group of `project` (for `strata plan`); nil when it cannot start at all.
  public func verdict(_ group: LoadGroup, project: Project) -> FitVerdict? {
    guard let (engine, path) = try? project.server(for: group.key) else { return nil }
    return verdict(
      ServerLaunch(
        engine: engine, modelPath: path, flagArguments: group.cells.first?.cell.flagArguments ?? [], logPath: ""))
  }

  public func verdict(_ estimate: MemoryEstimate, engine: EngineSpec) -> FitVerdict {
    let memory = free()
    let needs = "needs \(Self.text(estimate))"
    var problems: [String] = []
    var checked: [String] = []
    var hostNeed = estimate.hostBytes
    var deviceNeed = estimate.deviceBytes
    var deviceUnchecked = false
    if estimate.deviceBytes > 0 {
      let devices = Self.devices(of: engine, in: memory.devices)
      if devices.isEmpty && !hostHasGPU {
        // A software device (lavapipe) allocates its "device" memory on the host.
        hostNeed += estimate.deviceBytes
        deviceNeed = 0
      } else if devices.isEmpty {
        deviceUnchecked = true
      } else {
        let free = devices.reduce(0) { $0 + $1.bytes }
        let names = devices.map(\.device).joined(separator: ", ")
        let line = "\(ByteCount.text(free)) free on \(names)"
        if estimate.deviceBytes + headroomBytes > free {
          problems.append("\(ByteCount.text(estimate.deviceBytes)) on the device, \(line)")
        } else {
          checked.append(line)
        }
      }
    }
    if let host = memory.hostBytes {
      let line = "\(ByteCount.text(host)) available on the host"
      if hostNeed + headroomBytes > host {
        problems.append("\(ByteCount.text(hostNeed)) in host memory, \(line)")
      } else {
        checked.append(line)
      }
    }
    var verdict = FitVerdict(
      outcome: .fits, estimate: estimate, detail: "\(needs); \(checked.joined(separator: ", "))",
      hostBytes: hostNeed, deviceBytes: deviceNeed)
    if !problems.isEmpty {
      verdict.outcome = .doesNotFit
      verdict.detail =
        "\(needs): \(problems.joined(separator: "; ")) (with \(ByteCount.text(headroomBytes)) headroom)"
    } else if deviceUnchecked {
      // The host fits its share; the GPU's cannot be checked, so the load is tried.
      verdict.outcome = .unknown
      verdict.detail =
        "\(needs); device memory not checked (no sampler reads this GPU's VRAM)"
        + (checked.isEmpty ? "" : ", \(checked.joined(separator: ", "))")
    } else if checked.isEmpty {
      verdict.outcome = .unknown
      verdict.detail = "\(needs); free memory unknown here"
    }
    return verdict
  }

  /// The GPUs an engine's `gpus:` select, numbered in PCI order as strata makes
  /// CUDA and ROCm number them; all of them when it selects none.
  static func devices(of engine: EngineSpec, in free: [(device: String, bytes: Int)]) -> [(device: String, bytes: Int)]
  {
    let chosen = engine.gpus.compactMap { Int($0) }.filter { $0 >= 0 && $0 < free.count }
    return chosen.isEmpty ? free : chosen.map { free[$0] }
  }

  public static func text(_ estimate: MemoryEstimate) -> String {
    "\(ByteCount.text(estimate.totalBytes)) (weights \(ByteCount.text(estimate.weightBytes)) + KV \(ByteCount.text(estimate.kvBytes)) for \(estimate.contextCells) cells + compute \(ByteCount.text(estimate.computeBytes)) + llama-server \(ByteCount.text(estimate.runtimeBytes)))"
  }
}
