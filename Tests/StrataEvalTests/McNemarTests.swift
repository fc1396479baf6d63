import Testing

@testable import StrataEval

@Suite("McNemar's exact test for two cells on the same items")
struct McNemarTests {
  /// Reference p-values from scipy 1.17 `scipy.stats.binomtest(min(b, c), b + c, 0.5).pvalue`,
  /// which agree with exact rational arithmetic (Python `math.comb`) to 1e-15.
  /// b = 10, c = 2: 2 · (C(12,0) + C(12,1) + C(12,2)) / 2^12 = 2 · 79 / 4096 = 0.03857421875.
  /// b = 3, c = 12: 2 · (1 + 15 + 105 + 455) / 2^15 = 2 · 576 / 32768 = 0.03515625.
  @Test(
    "p-values match exact references",
    arguments: [
      (10, 2, 0.03857421875),
      (2, 10, 0.03857421875),
      (3, 12, 0.03515625),
      (200, 150, 0.008720036530555949),
      (1000, 1100, 0.030720707864242296),
      (2400, 2600, 0.004883649737517518),
    ])
  func exact(b: Int, c: Int, p: Double) throws {
    let test = try McNemarTest(b: b, c: c)
    #expect(abs(test.pValue - p) <= 1e-12 * p)
    #expect(test.b == b && test.c == c)
  }

  @Test("no difference gives p = 1", arguments: [(0, 0), (5, 5), (1, 0), (1000, 1000)])
  func noEvidence(b: Int, c: Int) throws {
    #expect(try McNemarTest(b: b, c: c).pValue == 1)
  }

  @Test("counts b, c and n from per-item correctness")
  func fromItems() throws {
    // items:   1  2  3  4  5  6
    // first:   ✓  ✓  ✗  ✓  ✗  ✓
    // second:  ✓  ✗  ✓  ✗  ✗  ✗   → b = 3 (items 2, 4, 6), c = 1 (item 3), n = 6
    let test = try McNemarTest(
      first: [true, true, false, true, false, true], second: [true, false, true, false, false, false])
    #expect(test.b == 3 && test.c == 1 && test.itemCount == 6)
    // p = 2 · (C(4,0) + C(4,1)) / 2^4 = 2 · 5 / 16 = 0.625
    #expect(abs(test.pValue - 0.625) < 1e-15)
  }

  @Test("lists of different lengths and impossible counts are errors")
  func errors() {
    #expect(throws: PairingError.unequalItemCounts(first: 2, second: 3)) {
      try McNemarTest(first: [true, false], second: [true, false, true])
    }
    #expect(throws: PairingError.invalidCounts(b: -1, c: 2, itemCount: 1)) { try McNemarTest(b: -1, c: 2) }
    #expect(throws: PairingError.invalidCounts(b: 3, c: 2, itemCount: 4)) {
      try McNemarTest(b: 3, c: 2, itemCount: 4)
    }
  }

  @Test("binomial tails stay finite and exact where 2^-n underflows a naive product")
  func tails() {
    // P(X ≤ 0) for n = 10: 1/1024.
    #expect(Binomial.fairLowerTail(atMost: 0, trials: 10) == 1.0 / 1024)
    // P(X ≤ n/2) for even n = C(n, n/2)/2^(n+1) + 1/2 > 1/2; for n = 4: 11/16.
    #expect(abs(Binomial.fairLowerTail(atMost: 2, trials: 4) - 11.0 / 16) < 1e-15)
    // n = 5000 would overflow C(n, k) and underflow 2^-n in plain doubles; the tail
    // at the median is just over 1/2 (C(5000, 2500)/2^5001 ≈ 0.00564).
    let median = Binomial.fairLowerTail(atMost: 2500, trials: 5000)
    #expect(median > 0.5 && median < 0.51)
    #expect(Binomial.fairLowerTail(atMost: 5, trials: 5) == 1)
    #expect(Binomial.fairLowerTail(atMost: -1, trials: 5) == 0)
  }
}
