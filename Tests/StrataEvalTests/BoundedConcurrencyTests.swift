import Synchronization
import Testing

@testable import StrataEval

/// Counts work in flight and remembers the most there ever was.
final class InFlightCounter: Sendable {
  private let state = Mutex((now: 0, peak: 0))
  func enter() {
    state.withLock {
      $0.now += 1; $0.peak = max($0.peak, $0.now)
    }
  }
  func leave() { state.withLock { $0.now -= 1 } }
  var peak: Int { state.withLock { $0.peak } }
}

@Suite("Bounded concurrency for task items")
struct BoundedConcurrencyTests {
  @Test(arguments: [1, 3, 8])
  func everyElementOnceAndNeverMoreThanTheLimitInFlight(limit: Int) async throws {
    let inFlight = InFlightCounter()
    var seen: [Int] = []
    try await BoundedConcurrency.forEach(Array(0..<20), limit: limit) { element in
      inFlight.enter()
      try await Task.sleep(nanoseconds: UInt64(1_000_000 * (element % 4 + 1)))
      inFlight.leave()
      return element * 10
    } onResult: {
      seen.append($0)
    }
    #expect(seen.sorted() == (0..<20).map { $0 * 10 })
    #expect(inFlight.peak <= limit)
    if limit == 1 { #expect(seen == (0..<20).map { $0 * 10 }, "one at a time keeps the order") }
    if limit == 3 { #expect(inFlight.peak == 3, "the limit is used, not just respected") }
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

@Suite("Two-stage pipeline: replies in flight up to the limit, programs run one at a time beside them")
struct PipelineTests {
  @Test(arguments: [1, 4])
  func everyElementOnceThroughBothStages(limit: Int) async throws {
    let inFlight = InFlightCounter()
    var seen: [Int] = []
    try await BoundedConcurrency.pipeline(Array(0..<20), limit: limit) { element in
      inFlight.enter()
      try await Task.sleep(nanoseconds: UInt64(1_000_000 * (element % 3 + 1)))
      inFlight.leave()
      return element * 10
    } then: { middle in
      await Task.yield()
      return middle + 1
    } onResult: {
      seen.append($0)
    }
    #expect(seen.sorted() == (0..<20).map { $0 * 10 + 1 })
    #expect(inFlight.peak <= limit)
    if limit == 1 { #expect(seen == (0..<20).map { $0 * 10 + 1 }, "one at a time keeps the order") }
  }

  /// Every second stage holds until all elements have entered the first stage.
  /// Were the stages coupled (a slot freed only after its program ran), the two
  /// slots would both wait there with 2 of 12 started, and this would time out.
  @Test func aSlowSecondStageDoesNotHoldBackTheFirst() async throws {
    let started = Mutex(0)
    let count = 12
    var seen: [Int] = []
    try await BoundedConcurrency.pipeline(Array(0..<count), limit: 2) { element in
      started.withLock { $0 += 1 }
      return element
    } then: { _ in
      for _ in 0..<400 where started.withLock({ $0 }) < count {
        try await Task.sleep(nanoseconds: 5_000_000)
      }
      return started.withLock { $0 }
    } onResult: {
      seen.append($0)
    }
    #expect(seen == Array(repeating: count, count: count))
  }

  @Test("cancelling the caller throws, even when the stages had nothing left in flight")
  func cancellationThrows() async {
    let run = Task {
      try await BoundedConcurrency.pipeline(Array(0..<1000), limit: 2) { element in
        try await Task.sleep(nanoseconds: 1_000_000)
        return element
      } then: {
        $0
      } onResult: { _ in
      }
    }
    try? await Task.sleep(nanoseconds: 50_000_000)
    run.cancel()
    await #expect(throws: CancellationError.self) { try await run.value }
  }

  @Test func anErrorInEitherStageOrInOnResultIsRethrown() async {
    struct Boom: Error, Equatable { var stage: Int }
    await #expect(throws: Boom(stage: 1)) {
      try await BoundedConcurrency.pipeline(Array(0..<30), limit: 4) { element in
        if element == 7 { throw Boom(stage: 1) }
        return element
      } then: {
        $0
      } onResult: { _ in
      }
    }
    await #expect(throws: Boom(stage: 2)) {
      try await BoundedConcurrency.pipeline(Array(0..<30), limit: 4) {
        $0
      } then: { element in
        if element == 7 { throw Boom(stage: 2) }
        return element
      } onResult: { _ in
      }
    }
    var delivered = 0
    await #expect(throws: Boom(stage: 3)) {
      try await BoundedConcurrency.pipeline(Array(0..<30), limit: 4) {
        $0
      } then: {
        $0
      } onResult: { _ in
        delivered += 1
        if delivered == 3 { throw Boom(stage: 3) }
      }
    }
    #expect(delivered == 3)
  }
}
