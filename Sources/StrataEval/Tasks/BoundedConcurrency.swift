/// Runs work for a list of elements with at most `limit` in flight: task items
/// sent to a server with that many slots (`-np`). With a limit of 1 it is a
/// plain loop, so single-slot runs behave exactly as before.
public enum BoundedConcurrency {
  /// `onResult` runs on the calling task, once per element, in completion order.
  public static func forEach<Element: Sendable, Output: Sendable>(
    _ elements: [Element], limit: Int, work: @escaping @Sendable (Element) async throws -> Output,
    onResult: (Output) throws -> Void
  ) async throws {
    guard limit > 1, elements.count > 1 else {
      for element in elements {
        try Task.checkCancellation()
        try onResult(try await work(element))
      }
      return
    }
    try await withThrowingTaskGroup(of: Output.self) { group in
      var pending = elements.makeIterator()
      for _ in 0..<limit {
        guard let element = pending.next() else { break }
        group.addTask { try await work(element) }
      }
      while let output = try await group.next() {
        try onResult(output)
        if let element = pending.next() {
          try Task.checkCancellation()
          group.addTask { try await work(element) }
        }
      }
    }
  }
}

extension BoundedConcurrency {
  /// Two stages: `first` for up to `limit` elements at once, and `then` one at a
  /// time beside it, fed in the order `first` finishes. Code items use it so a
  /// server slot is given its next item as soon as a reply is in, instead of
  /// waiting while the previous reply's program runs in the sandbox: on a 2-core
  /// host, with 4 slots, that wait left each slot idle about half a second per item.
  ///
  /// `onResult` runs on the calling task, once per element. The first error from
  /// either stage or from `onResult` cancels the rest and is rethrown.
  public static func pipeline<Element: Sendable, Middle: Sendable, Output: Sendable>(
    _ elements: [Element], limit: Int, first: @escaping @Sendable (Element) async throws -> Middle,
    then: @escaping @Sendable (Middle) async throws -> Output, onResult: (Output) throws -> Void
  ) async throws {
    let (middles, middleSink) = AsyncThrowingStream<Middle, any Error>.makeStream()
    let (outputs, outputSink) = AsyncThrowingStream<Output, any Error>.makeStream()
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask {
        do {
          try await forEach(elements, limit: limit, work: first) { middleSink.yield($0) }
          middleSink.finish()
        } catch {
          // Straight to the caller too: the programs still queued for the second
          // stage must not run (and be stored) after the first stage has failed.
          middleSink.finish(throwing: error)
          outputSink.finish(throwing: error)
          throw error
        }
      }
      group.addTask {
        do {
          for try await middle in middles {
            try Task.checkCancellation()
            outputSink.yield(try await then(middle))
          }
          try Task.checkCancellation()
          outputSink.finish()
        } catch {
          outputSink.finish(throwing: error)
          throw error
        }
      }
      for try await output in outputs { try onResult(output) }
      // A cancelled caller ends the loop above as if the stream were done.
      try Task.checkCancellation()
      try await group.waitForAll()
    }
  }
}
