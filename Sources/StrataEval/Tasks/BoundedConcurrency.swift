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
