import Foundation
import StrataEval
import StrataStore

/// A speed figure `strata diff` compares.
public enum DiffMetric: String, Sendable, Hashable, Codable, CaseIterable, CodingKeyRepresentable {
  case decodeTPS = "decode_tps"
  case promptTPS = "prompt_tps"
  case ttftMs = "ttft_ms"

  public var label: String {
    switch self {
    case .decodeTPS: "decode t/s"
    case .promptTPS: "prompt t/s"
    case .ttftMs: "TTFT ms"
    }
  }

  /// A time is better when it falls, a speed when it rises.
  public var higherIsBetter: Bool { self != .ttftMs }

  func value(_ repetition: PerfRepetitionRecord) -> Double {
    switch self {
    case .decodeTPS: repetition.serverDecodeTPS
    case .promptTPS: repetition.serverPromptTPS
    case .ttftMs: repetition.ttftMs
    }
  }

  func value(_ check: NoiseCheckRecord) -> Double {
    switch self {
    case .decodeTPS: check.serverDecodeTPS
    case .promptTPS: check.serverPromptTPS
    case .ttftMs: check.ttftMs
    }
  }
}

/// How far one run's mean of a figure moves from another's when nothing changed:
/// σ, in log units (0.05 ≈ 5%), per figure.
///
/// Each run's noise check measures its first cell again on a fresh server after its
/// last cell. With d the log ratio of the two means and w the part of d² that the
/// repetitions' own spread explains (s²/n of each side), E[d²] = 2σ² + w, so
/// σ² = mean(d² − w) / 2 over every noise check of the hosts involved. σ never goes
/// below `floor`: two or three checks can happen to agree closely, and a diff must
/// not then call every wobble a change. With no noise check at all (older runs,
/// `--no-noise-check`) σ is `assumed`; `--noise` sets it outright.
public struct BetweenRunNoise: Sendable, Hashable, Codable {
  public enum Source: String, Sendable, Hashable, Codable {
    /// From the runs' noise checks.
    case measured
    /// No noise check: the default σ, or the cells' spread where enough cells matched.
    case assumed
    /// `--noise`.
    case given
  }

  /// σ each test uses, in log units.
  public var sigma: [DiffMetric: Double]
  /// σ the noise checks gave, before the floor; empty unless measured.
  public var measured: [DiffMetric: Double] = [:]
  public var source: Source
  /// How many noise checks went in, and from which hosts.
  public var checks: Int = 0
  public var hosts: [String] = []
  /// σ from the spread of the matched cells' changes around their median (``widened(acrossCells:)``);
  /// empty with fewer than `minimumCells` cells.
  public var acrossCells: [DiffMetric: Double] = [:]
  public var cellsCompared: Int = 0
  public var floor: Double = BetweenRunNoise.floor

  public static let floor = 0.02
  public static let assumed = 0.10
  /// Cells below which their spread says too little to use.
  public static let minimumCells = 4

  public init(
    sigma: [DiffMetric: Double], measured: [DiffMetric: Double] = [:], source: Source, checks: Int = 0,
    hosts: [String] = []
  ) {
    self.sigma = sigma
    self.measured = measured
    self.source = source
    self.checks = checks
    self.hosts = hosts
  }

  public static func given(_ sigma: Double) -> BetweenRunNoise {
    BetweenRunNoise(sigma: Dictionary(uniqueKeysWithValues: DiffMetric.allCases.map { ($0, sigma) }), source: .given)
  }

  /// One noise check's distance for every figure: (d², w).
  public struct Sample: Sendable, Hashable {
    public var squaredDrift: [DiffMetric: Double]
    public var explained: [DiffMetric: Double]
    public var host: String
  }

  public static func estimate(_ samples: [Sample]) -> BetweenRunNoise {
    guard !samples.isEmpty else {
      return BetweenRunNoise(
        sigma: Dictionary(uniqueKeysWithValues: DiffMetric.allCases.map { ($0, assumed) }), source: .assumed)
    }
    var measured: [DiffMetric: Double] = [:]
    for metric in DiffMetric.allCases {
      let excess = samples.compactMap { sample -> Double? in
        guard let d2 = sample.squaredDrift[metric], let w = sample.explained[metric] else { return nil }
        return d2 - w
      }
      guard !excess.isEmpty else { continue }
      measured[metric] = (max(0, excess.reduce(0, +) / Double(excess.count)) / 2).squareRoot()
    }
    let sigma = Dictionary(
      uniqueKeysWithValues: DiffMetric.allCases.map { ($0, max(floor, measured[$0] ?? assumed)) })
    return BetweenRunNoise(
      sigma: sigma, measured: measured, source: .measured, checks: samples.count,
      hosts: Array(Set(samples.map(\.host))).sorted())
  }

  /// σ raised to what the diff's own cells show. A noise check measures one cell twice,
  /// so it misses a burst of load that slows one cell of one run; across the matched
  /// cells such bursts show as spread. With r the cells' log ratios and w their
  /// repetitions' share (as in a noise check), σ² = (MAD(r)² − median(w)) / 2, MAD
  /// the median absolute deviation from the median ratio scaled by 1.4826 (the normal's
  /// σ), so that a change every cell shares (threads 2 → 1) adds nothing, and up to
  /// half the cells may have changed without raising it. σ only rises: a quiet diff
  /// does not make the noise checks' figure smaller.
  public func widened(acrossCells figures: [DiffMetric: [([Double], [Double])]]) -> BetweenRunNoise {
    var result = self
    for (metric, pairs) in figures {
      let logs = pairs.compactMap { pair -> (r: Double, w: Double)? in
        guard let a = LogSample(pair.0.map { log($0) }), let b = LogSample(pair.1.map { log($0) }) else { return nil }
        return (b.mean - a.mean, a.varianceOfMean + b.varianceOfMean)
      }
      guard logs.count >= Self.minimumCells else { continue }
      result.cellsCompared = max(result.cellsCompared, logs.count)
      let centre = Self.median(logs.map(\.r))
      let mad = 1.4826 * Self.median(logs.map { abs($0.r - centre) })
      let sigma = (max(0, mad * mad - Self.median(logs.map(\.w))) / 2).squareRoot()
      result.acrossCells[metric] = sigma
      if source == .assumed {
        // No noise check: the cells' spread is the only measurement, floored.
        result.sigma[metric] = max(Self.floor, sigma)
      } else {
        result.sigma[metric] = max(sigma, result.sigma[metric] ?? Self.floor)
      }
    }
    return result
  }

  static func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
  }

  /// The noise checks of one run: each checked cell's repetitions against its check's.
  public static func samples(store: ResultStore, run: RunSource) throws(StoreError) -> [Sample] {
    let checks = try store.noiseChecks(runId: run.id)
    guard !checks.isEmpty else { return [] }
    let repetitions = try store.perfRepetitions(runId: run.id)
    let checked = Dictionary(grouping: checks) { "\($0.cellHash)\u{1F}\($0.scenario)" }
    return checked.values.compactMap { end in
      let start = repetitions.filter { $0.cellHash == end[0].cellHash && $0.scenario == end[0].scenario }
      guard !start.isEmpty else { return nil }
      var drift: [DiffMetric: Double] = [:]
      var explained: [DiffMetric: Double] = [:]
      for metric in DiffMetric.allCases {
        let before = start.map(metric.value).filter { $0 > 0 && $0.isFinite }.map { log($0) }
        let after = end.map(metric.value).filter { $0 > 0 && $0.isFinite }.map { log($0) }
        guard let a = LogSample(before), let b = LogSample(after) else { continue }
        drift[metric] = (b.mean - a.mean) * (b.mean - a.mean)
        explained[metric] = a.varianceOfMean + b.varianceOfMean
      }
      return Sample(squaredDrift: drift, explained: explained, host: run.host.hostname)
    }
  }
}

/// Mean of log values and the variance of that mean (0 for one value).
struct LogSample {
  var mean: Double
  var varianceOfMean: Double

  init?(_ values: [Double]) {
    guard !values.isEmpty else { return nil }
    let n = Double(values.count)
    mean = values.reduce(0, +) / n
    let m = mean
    varianceOfMean =
      values.count > 1 ? values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / (n - 1) / n : 0
  }
}
