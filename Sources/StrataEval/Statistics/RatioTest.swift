import Foundation

/// Did a speed change between two runs? Welch's t-test on the logarithms of the
/// repetitions, so the change and its interval are ratios ("+12% [+3, +22]") and a
/// figure's spread counts relative to its size, with the variance of the difference
/// widened by the noise between runs: repetitions within one server's life scatter
/// much less than two runs of the same configuration do, and a test on them alone
/// calls that drift a change.
///
/// With d = mean(log after) − mean(log before), the variance of d is
/// s²_before/n_before + s²_after/n_after + 2σ², σ the between-run noise (log units) of
/// one run's mean. The degrees of freedom are the Welch–Satterthwaite effective ones,
/// with σ a known component (the GUM's type B, infinite degrees of freedom: it comes
/// with a floor), so it adds variance but no uncertainty of its own.
public struct RatioTest: Sendable, Hashable, Codable {
  /// after ÷ before, of the geometric means.
  public var ratio: Double
  /// The interval of the ratio at `confidenceLevel`.
  public var lower: Double
  public var upper: Double
  public var pValue: Double
  /// Welch–Satterthwaite's; nil when infinite (single repetitions: the noise alone, a normal test).
  public var degreesOfFreedom: Double?
  /// Standard error of log(ratio), between-run noise included.
  public var standardError: Double
  public var confidenceLevel: Double

  public init(
    before: [Double], after: [Double], betweenRunNoise sigma: Double = 0, confidenceLevel: Double = 0.95
  ) throws(RatioTestError) {
    guard !before.isEmpty, !after.isEmpty else { throw .noValues }
    guard (before + after).allSatisfy({ $0 > 0 && $0.isFinite }) else { throw .notPositive }
    guard sigma >= 0, sigma.isFinite else { throw .badNoise(sigma) }
    let a = before.map { log($0) }
    let b = after.map { log($0) }
    func meanAndTerm(_ x: [Double]) -> (mean: Double, term: Double, df: Double) {
      let n = Double(x.count)
      let mean = x.reduce(0, +) / n
      guard x.count > 1 else { return (mean, 0, .infinity) }
      let variance = x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / (n - 1)
      return (mean, variance / n, n - 1)
    }
    let (meanA, termA, dfA) = meanAndTerm(a)
    let (meanB, termB, dfB) = meanAndTerm(b)
    let difference = meanB - meanA
    let variance = termA + termB + 2 * sigma * sigma
    let sampling = termA * termA / dfA + termB * termB / dfB
    let df = sampling > 0 ? variance * variance / sampling : Double.infinity
    degreesOfFreedom = df.isFinite ? df : nil
    standardError = variance.squareRoot()
    self.confidenceLevel = confidenceLevel
    ratio = exp(difference)
    guard variance > 0 else {
      // Single repetitions and no noise given: nothing to measure the difference against.
      throw .noSpread
    }
    pValue = StudentT.twoSidedTail(difference / standardError, degreesOfFreedom: df)
    let critical = StudentT.criticalValue(twoSidedTail: 1 - confidenceLevel, degreesOfFreedom: df)
    lower = exp(difference - critical * standardError)
    upper = exp(difference + critical * standardError)
  }
}

public enum RatioTestError: Error, Sendable, Hashable, CustomStringConvertible {
  case noValues
  case notPositive
  case badNoise(Double)
  case noSpread

  public var description: String {
    switch self {
    case .noValues: "a ratio test needs at least one value on each side"
    case .notPositive: "a ratio test compares positive, finite figures (speeds, times)"
    case .badNoise(let sigma): "between-run noise must be a finite, non-negative number, not \(sigma)"
    case .noSpread:
      "one repetition on each side and no between-run noise: nothing to test the difference against; run with more repeats"
    }
  }
}

/// Benjamini and Hochberg's step-up procedure: which of many tests to call
/// significant so that the expected share of false calls among them stays at most
/// q. A diff tests several figures of every cell; at 0.05 each, a ten-cell diff of
/// two identical runs would call about two of its forty figures changed.
public enum FalseDiscovery {
  public static func significant(_ pValues: [Double], q: Double) -> [Bool] {
    let order = pValues.indices.sorted { pValues[$0] < pValues[$1] }
    let m = Double(pValues.count)
    var cut = -1
    for (rank, index) in order.enumerated() where pValues[index] <= q * Double(rank + 1) / m {
      cut = rank
    }
    var result = [Bool](repeating: false, count: pValues.count)
    if cut >= 0 { for index in order[...cut] { result[index] = true } }
    return result
  }
}
