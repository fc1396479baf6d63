import Foundation
import Testing

@testable import StrataEval

/// Reference values from SciPy 1.x (`scipy.stats.t`, `ttest_ind(equal_var=False)`).
@Suite("Student's t, Welch's ratio test with between-run noise, Benjamini–Hochberg")
struct RatioTestTests {
  @Test(
    "two-sided tails and critical values match SciPy",
    arguments: [
      (2.0, 5.0, 0.10193947882985835), (3.99725027673484, 4.397728056714703, 0.013398055634869647),
      (2.792815835547, 18.454595993054518, 0.011824618695330321), (0.5, 0.7, 0.73040168668233),
      (40.0, 3.0, 3.4380680789158506e-05), (1.0, 1.0, 0.5),
    ])
  func tails(t: Double, df: Double, expected: Double) {
    let tail = StudentT.twoSidedTail(t, degreesOfFreedom: df)
    #expect(abs(tail - expected) <= 1e-9 * max(1, expected) + 1e-13, "t=\(t) df=\(df): \(tail) vs \(expected)")
    #expect(StudentT.twoSidedTail(-t, degreesOfFreedom: df) == tail)
  }

  @Test("critical values: 4.3027 at 2 df, 2.6802 at 4.4 df, 1.95996 for the normal")
  func criticalValues() {
    #expect(abs(StudentT.criticalValue(twoSidedTail: 0.05, degreesOfFreedom: 2) - 4.302652729749462) < 1e-8)
    #expect(
      abs(StudentT.criticalValue(twoSidedTail: 0.05, degreesOfFreedom: 4.397728056714703) - 2.680165397784696) < 1e-8)
    #expect(abs(StudentT.criticalValue(twoSidedTail: 0.05, degreesOfFreedom: .infinity) - 1.959963984540054) < 1e-8)
  }

  @Test("without noise it is SciPy's Welch test on the logarithms")
  func welch() throws {
    let test = try RatioTest(before: [10, 11, 12], after: [13, 14, 15, 16])
    #expect(abs(test.ratio - 1.317890559578094) < 1e-12)
    #expect(abs(test.pValue - 0.013398055634869647) < 1e-9)
    #expect(abs((test.degreesOfFreedom ?? 0) - 4.397728056714703) < 1e-9)
    #expect(test.lower > 1 && test.upper > test.ratio)
  }

  /// The noise is a known component (GUM's type B, infinite degrees of freedom): it
  /// lowers t and widens the interval, and the effective degrees of freedom grow as the
  /// estimated part's share shrinks, so p need not rise with it.
  @Test("between-run noise adds 2σ² to the variance: t falls, the interval widens, the degrees of freedom grow")
  func noiseWidens() throws {
    let within = try RatioTest(before: [10, 11, 12], after: [13, 14, 15, 16])
    let between = try RatioTest(before: [10, 11, 12], after: [13, 14, 15, 16], betweenRunNoise: 0.05)
    let expectedT = 2.792815835547
    let t = log(between.ratio) / between.standardError
    #expect(abs(t - expectedT) < 1e-9)
    #expect(abs((between.degreesOfFreedom ?? 0) - 18.454595993054518) < 1e-9)
    #expect(abs(between.pValue - 0.011824618695330321) < 1e-9)
    #expect(between.upper - between.lower > within.upper - within.lower)
  }

  @Test("single repetitions test against the noise alone, as a normal test; without noise they cannot")
  func singleRepetitions() throws {
    let test = try RatioTest(before: [100], after: [110], betweenRunNoise: 0.05)
    #expect(test.degreesOfFreedom == nil)
    #expect(abs(test.pValue - 0.17769392922840252) < 1e-12)
    #expect(throws: RatioTestError.noSpread) { try RatioTest(before: [100], after: [110]) }
    #expect(throws: RatioTestError.notPositive) { try RatioTest(before: [0, 1], after: [2, 3]) }
    #expect(throws: RatioTestError.noValues) { try RatioTest(before: [], after: [2, 3]) }
  }

  @Test("identical figures: ratio 1, p 1")
  func identical() throws {
    let test = try RatioTest(before: [50, 51, 52], after: [50, 51, 52], betweenRunNoise: 0.02)
    #expect(test.ratio == 1 && test.pValue == 1)
    #expect(test.lower < 1 && test.upper > 1)
  }

  @Test("Benjamini–Hochberg steps up: a p above its own rank's line is called when a larger rank's is")
  func falseDiscovery() {
    #expect(FalseDiscovery.significant([0.01, 0.02, 0.03, 0.5], q: 0.05) == [true, true, true, false])
    // 0.04 > 0.05·1/4 on its own, but the fourth rank's line is 0.05: all four are called.
    #expect(FalseDiscovery.significant([0.04, 0.04, 0.04, 0.04], q: 0.05) == [true, true, true, true])
    #expect(FalseDiscovery.significant([0.03, 0.5], q: 0.05) == [false, false])
    #expect(FalseDiscovery.significant([0.5, 0.02], q: 0.05) == [false, true])
    #expect(FalseDiscovery.significant([], q: 0.05) == [])
  }
}
