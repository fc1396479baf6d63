import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// The child processes alive right now, so that an emergency exit can kill them.
///
/// The orderly path stops every server through its `withServer` scope; this list
/// exists for the path where that cannot happen in time (a second Ctrl-C).
public final class ProcessRegistry: Sendable {
  private let children = Mutex<[pid_t: ChildProcess]>([:])

  public init() {}

  public func insert(_ child: ChildProcess) { children.withLock { $0[child.pid] = child } }
  public func remove(_ child: ChildProcess) { children.withLock { _ = $0.removeValue(forKey: child.pid) } }
  public var live: [ChildProcess] { children.withLock { Array($0.values) } }

  /// SIGKILLs and reaps every registered child. Synchronous: safe to call just before `exit`.
  public func killAll() {
    for child in children.withLock({ Array($0.values) }) {
      // Only a child we have not reaped yet is still ours: a reaped pid may
      // already belong to another process.
      guard child.pollExit() == nil else { continue }
      child.send(SIGKILL)
      var status: Int32 = 0
      _ = waitpid(child.pid, &status, 0)
    }
    children.withLock { $0.removeAll() }
  }
}
