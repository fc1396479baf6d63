import Foundation

/// Student's t distribution, for Welch's test with few repetitions: three
/// repetitions give about four degrees of freedom, where the normal
/// approximation would call differences significant twice as often as it should.
public enum StudentT {
  /// Two-sided tail P(|T| ≥ |t|) with `degreesOfFreedom` (infinite: the normal).
  ///
  /// P(|T| ≥ t) = I_x(ν/2, 1/2) with x = ν / (ν + t²), the regularized incomplete
  /// beta function (Abramowitz & Stegun 26.7.1).
  public static func twoSidedTail(_ t: Double, degreesOfFreedom nu: Double) -> Double {
    guard t.isFinite else { return t.isNaN ? .nan : 0 }
    guard nu > 0 else { return .nan }
    if !nu.isFinite || nu > 1e7 { return erfc(abs(t) / 2.0.squareRoot()) }
    let x = nu / (nu + t * t)
    return min(1, max(0, IncompleteBeta.regularized(x: x, a: nu / 2, b: 0.5)))
  }

  /// The t with two-sided tail `tail` (0.05 → the 97.5% quantile), by bisection
  /// on the tail, which falls monotonically in t.
  public static func criticalValue(twoSidedTail tail: Double, degreesOfFreedom nu: Double) -> Double {
    precondition(tail > 0 && tail < 1, "a two-sided tail lies strictly between 0 and 1")
    var low = 0.0
    var high = 1.0
    while twoSidedTail(high, degreesOfFreedom: nu) > tail { high *= 2 }
    for _ in 0..<200 {
      let middle = (low + high) / 2
      if twoSidedTail(middle, degreesOfFreedom: nu) > tail { low = middle } else { high = middle }
      if high - low <= 1e-12 * high { break }
    }
    return (low + high) / 2
  }
}

/// The regularized incomplete beta function I_x(a, b), by the continued fraction
/// of Numerical Recipes (§6.4, modified Lentz), on the side where it converges fast.
enum IncompleteBeta {
  static func regularized(x: Double, a: Double, b: Double) -> Double {
    if x <= 0 { return 0 }
    if x >= 1 { return 1 }
    let logFront = LogGamma.of(a + b) - LogGamma.of(a) - LogGamma.of(b) + a * log(x) + b * log1p(-x)
    let front = exp(logFront)
    if x < (a + 1) / (a + b + 2) { return front * continuedFraction(x: x, a: a, b: b) / a }
    return 1 - front * continuedFraction(x: 1 - x, a: b, b: a) / b
  }

  private static func continuedFraction(x: Double, a: Double, b: Double) -> Double {
    let tiny = 1e-300
    var c = 1.0
    var d = 1 - (a + b) * x / (a + 1)
    if abs(d) < tiny { d = tiny }
    d = 1 / d
    var result = d
    for m in 1...10_000 {
      let m = Double(m)
      let even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
      d = 1 + even * d
      if abs(d) < tiny { d = tiny }
      c = 1 + even / c
      if abs(c) < tiny { c = tiny }
      d = 1 / d
      result *= d * c
      let odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
      d = 1 + odd * d
      if abs(d) < tiny { d = tiny }
      c = 1 + odd / c
      if abs(c) < tiny { c = tiny }
      d = 1 / d
      let step = d * c
      result *= step
      if abs(step - 1) < 1e-15 { break }
    }
    return result
  }
}

/// log Γ(x) for x > 0 by Lanczos' approximation (g = 7, nine terms; relative error
/// about 1e-15). Not glibc's `lgamma`, which writes the global `signgam`.
enum LogGamma {
  private static let coefficients: [Double] = [
    0.999_999_999_999_809_93, 676.520_368_121_885_1, -1_259.139_216_722_402_8, 771.323_428_777_653_13,
    -176.615_029_162_140_59, 12.507_343_278_686_905, -0.138_571_095_265_720_12, 9.984_369_578_019_571_6e-6,
    1.505_632_735_149_311_6e-7,
  ]

  static func of(_ x: Double) -> Double {
    if x < 0.5 {
      // Reflection: Γ(x) Γ(1 − x) = π / sin(πx).
      return log(Double.pi / abs(sin(Double.pi * x))) - of(1 - x)
    }
    let z = x - 1
    var sum = coefficients[0]
    for (index, coefficient) in coefficients.enumerated().dropFirst() { sum += coefficient / (z + Double(index)) }
    let t = z + 7.5
    return 0.5 * log(2 * Double.pi) + (z + 0.5) * log(t) - t + log(sum)
  }
}
