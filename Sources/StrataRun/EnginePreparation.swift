import StrataConfig
import StrataEngine
import StrataTelemetry

/// Before a sweep: checks every engine the plan uses and pulls the images that
/// need it, so an engine that cannot run here is skipped (with its reason
/// recorded) instead of failing every cell one by one.
public struct EnginePreparation: Sendable {
  public var inspector: EngineInspector
  public var puller: ImagePuller

  public init(host: HostContext) {
    inspector = EngineInspector.onThisHost(host)
    puller = ImagePuller(environment: host.environment)
  }

  public init(inspector: EngineInspector, puller: ImagePuller) {
    self.inspector = inspector
    self.puller = puller
  }

  /// Engine name → report, for the engines in `names` that the project defines.
  public func prepare(
    _ names: [String], project: Project, progress: @Sendable (String) -> Void
  ) async -> [String: EngineReport] {
    var reports: [String: EngineReport] = [:]
    for name in names {
      guard let engine = project.engines[name] else { continue }
      var report = await inspector.inspect(engine)
      if report.available, let spec = engine.container,
        spec.pull == .always || (spec.pull == .missing && report.imageID == nil)
      {
        progress("engine \(name): pulling \(spec.image)")
        if let failure = await puller.pull(engine, progress: { progress("engine \(name): \($0)") }) {
          report.available = false
          report.reason = "pulling \(spec.image) failed: \(failure)"
        } else {
          report = await inspector.inspect(engine)
        }
      }
      reports[name] = report
    }
    return reports
  }
}

extension EngineInspector {
  /// An inspector that knows this host's NVIDIA driver: the CUDA version NVML reports, so a
  /// CUDA image the driver is too old for is refused before it is pulled or run.
  /// CDI specs live under `/etc/cdi` (the roots' `etc`) and `/var/run/cdi` (generated at boot).
  public static func onThisHost(_ host: HostContext) -> EngineInspector {
    EngineInspector(
      environment: host.environment, devRoot: host.roots.dev,
      cdiDirectories: ["\(host.roots.etc)/cdi", "/var/run/cdi"],
      hostGroups: HostGroups.read(etcRoot: host.roots.etc),
      cudaDriverVersion: NVMLSampler().cudaDriverVersionCode.flatMap(CUDAVersion.init(nvmlCode:)))
  }
}
