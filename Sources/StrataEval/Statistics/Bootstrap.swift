/// A point estimate with a bootstrap percentile interval.
public struct BootstrapInterval: Sendable, Hashable, Codable {
  public var estimate: Double
  public var lower: Double
  public var upper: Double
  public var resamples: Int
  public var confidenceLevel: Double
  public var seed: UInt64
}

/// Percentile bootstrap (Efron & Tibshirani, 1993, ch. 13), seeded.
public enum Bootstrap {
  /// Resamples `items` with replacement `resamples` times, computes `statistic`
  /// on each, and takes the (1 − level)/2 and (1 + level)/2 quantiles of the results
  /// (linear interpolation between order statistics, numpy's default "linear").
  public static func percentileInterval<Item>(
    _ items: [Item], estimate: Double, resamples: Int = 1000, confidenceLevel: Double = 0.95, seed: UInt64,
    statistic: ([Item]) -> Double
  ) throws(CalibrationError) -> BootstrapInterval {
    guard !items.isEmpty else { throw .noItems }
    guard resamples > 0, confidenceLevel > 0, confidenceLevel < 1 else {
      throw .invalidResampling(resamples: resamples, confidenceLevel: confidenceLevel)
    }
    var generator = SplitMix64(seed: seed)
    var values: [Double] = []
    values.reserveCapacity(resamples)
    var sample = items
    for _ in 0..<resamples {
      for slot in sample.indices { sample[slot] = items[uniformIndex(below: items.count, using: &generator)] }
      values.append(statistic(sample))
    }
    values.sort()
    let tail = (1 - confidenceLevel) / 2
    return BootstrapInterval(
      estimate: estimate, lower: quantile(values, tail), upper: quantile(values, 1 - tail), resamples: resamples,
      confidenceLevel: confidenceLevel, seed: seed)
  }

  /// An index in 0..<bound from one 64-bit draw by multiply-high (Lemire, 2019).
  /// Written out rather than `Int.random(in:using:)`, whose algorithm the standard
  /// library may change, so a seed resamples the same items in every release.
  static func uniformIndex(below bound: Int, using generator: inout SplitMix64) -> Int {
    Int(UInt64(bound).multipliedFullWidth(by: generator.next()).high)
  }

  /// The q-quantile of sorted values, interpolating linearly between neighbours.
  static func quantile(_ sorted: [Double], _ q: Double) -> Double {
    let position = q * Double(sorted.count - 1)
    let below = Int(position.rounded(.down))
    let above = min(below + 1, sorted.count - 1)
    return sorted[below] + (position - Double(below)) * (sorted[above] - sorted[below])
  }
}
