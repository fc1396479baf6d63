import Testing

@testable import StrataClient

@Suite("GenerationTrace figures and percentile")
struct GenerationTraceTests {
  /// Request at 1 s; tokens at 1.250, 1.300, 1.340, 1.400, 1.450 s.
  static let trace = GenerationTrace(
    requestStartNanos: 1_000_000_000,
    tokenTimesNanos: [1_250_000_000, 1_300_000_000, 1_340_000_000, 1_400_000_000, 1_450_000_000],
    text: "abcde")

  @Test("ttft, gaps and client decode speed from chunk times")
  func figures() throws {
    let trace = Self.trace
    #expect(trace.ttftMs == 250)
    let gaps = trace.interTokenGapsMs
    try #require(gaps.count == 4)
    for (gap, expected) in zip(gaps, [50.0, 40, 60, 50]) { #expect(abs(gap - expected) < 1e-9) }
    // No server timings: n = 5 chunks, 4 steps over 200 ms → 20 t/s.
    let decode = try #require(trace.clientDecodeTokensPerSecond)
    #expect(abs(decode - 20) < 1e-9)
  }

  @Test("server predicted_n takes precedence over the chunk count")
  func usesServerCount() throws {
    var trace = Self.trace
    trace.timings = ServerTimings(
      promptTokens: 32, promptMs: 10, promptPerSecond: 3200, predictedTokens: 9, predictedMs: 200,
      predictedPerSecond: 40)
    // 8 steps over the same 200 ms → 40 t/s (a chunk carried several tokens).
    let decode = try #require(trace.clientDecodeTokensPerSecond)
    #expect(abs(decode - 40) < 1e-9)
  }

  @Test("degenerate traces give nil or empty figures")
  func degenerate() {
    let empty = GenerationTrace(requestStartNanos: 5)
    #expect(empty.ttftMs == nil)
    #expect(empty.clientDecodeTokensPerSecond == nil)
    #expect(empty.interTokenGapsMs.isEmpty)
    let single = GenerationTrace(requestStartNanos: 0, tokenTimesNanos: [2_000_000])
    #expect(single.ttftMs == 2)
    #expect(single.clientDecodeTokensPerSecond == nil)
    #expect(single.interTokenGapsMs.isEmpty)
    // Two tokens in the same nanosecond: no finite speed.
    let same = GenerationTrace(requestStartNanos: 0, tokenTimesNanos: [7, 7])
    #expect(same.clientDecodeTokensPerSecond == nil)
    #expect(same.interTokenGapsMs == [0])
  }

  /// Values 1…10 shuffled: nearest rank ⌈p·N/100⌉.
  static let table: [(p: Double, expected: Double)] = [
    (0, 1), (1, 1), (10, 1), (10.5, 2), (25, 3), (50, 5), (50.1, 6), (90, 9), (95, 10), (99, 10), (100, 10),
    (-5, 1), (150, 10),
  ]

  @Test("nearest-rank percentile table", arguments: table)
  func percentileTable(p: Double, expected: Double) {
    let values: [Double] = [7, 3, 10, 1, 9, 2, 8, 5, 4, 6]
    #expect(percentile(values, p) == expected)
  }

  @Test("percentile edge cases: empty, single, unsorted input untouched, NaN p")
  func percentileEdges() {
    #expect(percentile([], 50) == nil)
    #expect(percentile([4.5], 0) == 4.5)
    #expect(percentile([4.5], 100) == 4.5)
    #expect(percentile([3, 1, 2], .nan) == nil)
    let values: [Double] = [3, 1, 2]
    _ = percentile(values, 50)
    #expect(values == [3, 1, 2])
    #expect(percentile([15, 20, 35, 40, 50], 30) == 20)  // textbook example: rank ⌈1.5⌉ = 2
  }
}
