/// A proportion with its Wilson score interval.
public struct Proportion: Sendable, Hashable, Codable {
  public var successes: Int
  public var trials: Int
  public var value: Double
  public var lower: Double
  public var upper: Double

  /// Wilson score interval at confidence z (1.96 → 95%). Unlike the normal
  /// approximation it stays inside [0, 1] and behaves at 0/n and n/n, which
  /// matters for the small item counts of a quick sweep.
  public init(successes: Int, trials: Int, z: Double = 1.96) {
    self.successes = successes
    self.trials = trials
    guard trials > 0 else {
      value = 0
      lower = 0
      upper = 1
      return
    }
    let n = Double(trials)
    let p = Double(successes) / n
    let z2 = z * z
    let denominator = 1 + z2 / n
    let centre = (p + z2 / (2 * n)) / denominator
    let half = z * ((p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()) / denominator
    value = p
    lower = max(0, centre - half)
    upper = min(1, centre + half)
  }

  /// Half the interval's width, for "a ± b" displays.
  public var halfWidth: Double { (upper - lower) / 2 }
}

/// Mean and sample standard deviation of repeated measurements.
public struct Summary: Sendable, Hashable, Codable {
  public var count: Int
  public var mean: Double
  /// Sample (n − 1) standard deviation; 0 for a single value.
  public var standardDeviation: Double
  public var minimum: Double
  public var maximum: Double

  /// nil for an empty list.
  public init?(_ values: [Double]) {
    guard !values.isEmpty else { return nil }
    count = values.count
    mean = values.reduce(0, +) / Double(values.count)
    let m = mean
    standardDeviation =
      values.count > 1
      ? (values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(values.count - 1)).squareRoot() : 0
    minimum = values.min() ?? 0
    maximum = values.max() ?? 0
  }
}

/// SplitMix64: a tiny, fast, well-mixed generator with a fixed algorithm, so a
/// seed selects the same items and prompt tokens on every platform and release
/// (Swift's `SystemRandomNumberGenerator` cannot be seeded).
public struct SplitMix64: RandomNumberGenerator, Sendable {
  private var state: UInt64
  public init(seed: UInt64) { state = seed }
  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
