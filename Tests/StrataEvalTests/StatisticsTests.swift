import Testing

@testable import StrataEval

@Suite("Accuracy intervals and repetition summaries")
struct StatisticsTests {
  /// Reference values computed by hand from the Wilson formula
  /// (centre = (p + z²/2n)/(1 + z²/n), half = z·sqrt(p(1−p)/n + z²/4n²)/(1 + z²/n), z = 1.96).
  @Test(
    "Wilson 95% interval matches hand-computed values",
    arguments: [
      (7, 20, 0.35, 0.18119, 0.56715),
      (0, 10, 0.0, 0.0, 0.27754),
      (10, 10, 1.0, 0.72246, 1.0),
      (50, 100, 0.5, 0.40383, 0.59617),
    ])
  func wilson(successes: Int, trials: Int, value: Double, lower: Double, upper: Double) {
    let p = Proportion(successes: successes, trials: trials)
    #expect(abs(p.value - value) < 1e-9)
    #expect(abs(p.lower - lower) < 1e-4)
    #expect(abs(p.upper - upper) < 1e-4)
  }

  @Test("no trials gives the whole unit interval")
  func empty() {
    let p = Proportion(successes: 0, trials: 0)
    #expect(p.lower == 0 && p.upper == 1)
  }

  @Test("mean and sample standard deviation")
  func summary() throws {
    let s = try #require(Summary([2, 4, 4, 4, 5, 5, 7, 9]))
    #expect(s.mean == 5)
    #expect(abs(s.standardDeviation - 2.13809) < 1e-5)
    #expect(s.minimum == 2 && s.maximum == 9)
    #expect(Summary([3])?.standardDeviation == 0)
    #expect(Summary([]) == nil)
  }

  @Test("SplitMix64 is deterministic for a seed and differs across seeds")
  func generator() {
    var a = SplitMix64(seed: 7)
    var b = SplitMix64(seed: 7)
    var c = SplitMix64(seed: 8)
    let first = (0..<4).map { _ in a.next() }
    #expect(first == (0..<4).map { _ in b.next() })
    #expect(first != (0..<4).map { _ in c.next() })
    // Reference output of SplitMix64 for seed 0 (Vigna's splitmix64.c).
    var zero = SplitMix64(seed: 0)
    #expect(zero.next() == 0xE220_A839_7B1D_CDAF)
  }
}
