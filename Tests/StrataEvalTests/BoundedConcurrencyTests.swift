import Synchronization
import Testing

@testable import StrataEval

@Suite("Bounded concurrency for task items")
struct BoundedConcurrencyTests {
  @Test(arguments: [1, 3, 8])
  func everyElementOnceAndNeverMoreThanTheLimitInFlight(limit: Int) async throws {
    let inFlight = Mutex(0)
    let peak = Mutex(0)
    var seen: [Int] = []
    try await BoundedConcurrency.forEach(Array(0..<20), limit: limit) { element in
      let now = inFlight.withLock {
        $0 += 1
        return $0
      }
      peak.withLock { $0 = max($0, now) }
      try await Task.sleep(nanoseconds: UInt64(1_000_000 * (element % 4 + 1)))
      inFlight.withLock { $0 -= 1 }
      return element * 10
    } onResult: {
      seen.append($0)
    }
    #expect(seen.sorted() == (0..<20).map { $0 * 10 })
    #expect(peak.withLock { $0 } <= limit)
    if limit == 1 { #expect(seen == (0..<20).map { $0 * 10 }, "one at a time keeps the order") }
    if limit == 3 { #expect(peak.withLock { $0 } == 3, "the limit is used, not just respected") }
  }

  @Test func aFailingItemStopsTheRestAndIsRethrown() async {
    struct Boom: Error {}
    var delivered = 0
    await #expect(throws: Boom.self) {
      try await BoundedConcurrency.forEach(Array(0..<50), limit: 4) { element in
        if element == 5 { throw Boom() }
        return element
      } onResult: { _ in
        delivered += 1
      }
    }
    #expect(delivered < 50)
  }
}
