import Foundation

/// A task executor with a thread of its own, for the few tests that assert how
/// soon something happens (a refused connection, a cancellation, a kill).
///
/// Swift Testing runs every suite in parallel on the cooperative pool, which has
/// one thread per core: two on the CI machine. While the integration suites load
/// models and run python, a continuation waiting for one of those two threads has
/// been seen to wait 10–20 s, which failed "within a second" bounds that the code
/// under test met with room to spare. Work run under this executor's preference
/// (`withTaskExecutorPreference`, `Task(executorPreference:)`) resumes here
/// instead, so a bound measures the code, not the queue for the pool.
public final class DedicatedExecutor: TaskExecutor, @unchecked Sendable {
  // Safe: `jobs` is touched only with `condition` locked.
  private let condition = NSCondition()
  private var jobs: [UnownedJob] = []

  public init(name: String) {
    let thread = Thread { [self] in serve() }
    thread.name = name
    thread.start()
  }

  /// One per test process is enough: the timed tests do little work each.
  public static let timing = DedicatedExecutor(name: "strata-tests-timing")

  public func enqueue(_ job: consuming ExecutorJob) {
    let unowned = UnownedJob(job)
    condition.lock()
    jobs.append(unowned)
    condition.signal()
    condition.unlock()
  }

  private func serve() {
    while true {
      condition.lock()
      while jobs.isEmpty { condition.wait() }
      let job = jobs.removeFirst()
      condition.unlock()
      job.runSynchronously(on: asUnownedTaskExecutor())
    }
  }
}

/// Runs `body` with ``DedicatedExecutor/timing`` as its executor preference; see there why.
public func onTimingExecutor<T: Sendable>(
  _ body: @Sendable () async throws -> T
) async rethrows -> T {
  try await withTaskExecutorPreference(DedicatedExecutor.timing, operation: body)
}
