import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// A container strata started and has not removed yet.
public struct LiveContainer: Sendable, Hashable {
  public var name: String
  /// The command that force-removes it (`podman rm --force --time 0 <name>`).
  public var removeCommand: [String]

  public init(name: String, removeCommand: [String]) {
    self.name = name
    self.removeCommand = removeCommand
  }
}

/// The servers alive right now, so that an emergency exit can end them.
///
/// The orderly path stops every server through its `withServer` scope; this list
/// exists for the path where that cannot happen in time (a second Ctrl-C).
public final class ProcessRegistry: Sendable {
  private let children = Mutex<[pid_t: ChildProcess]>([:])
  private let containers = Mutex<[String: LiveContainer]>([:])
  /// The environment the runtime CLI needs (CONTAINERS_CONF, DOCKER_HOST, PATH).
  private let environment: [String: String]

  public init(environment: [String: String] = [:]) {
    self.environment = environment
  }

  public func insert(_ child: ChildProcess) { children.withLock { $0[child.pid] = child } }
  public func remove(_ child: ChildProcess) { children.withLock { _ = $0.removeValue(forKey: child.pid) } }
  public var live: [ChildProcess] { children.withLock { Array($0.values) } }

  public func insert(_ container: LiveContainer) { containers.withLock { $0[container.name] = container } }
  public func remove(container name: String) { containers.withLock { _ = $0.removeValue(forKey: name) } }
  public var liveContainers: [LiveContainer] { containers.withLock { Array($0.values) } }

  /// Force-removes every registered container, then SIGKILLs and reaps every
  /// registered child. Synchronous: safe to call just before `exit`.
  public func killAll() {
    let runner = CommandRunner(environment: environment)
    for container in containers.withLock({ Array($0.values) }) {
      _ = runner.runBlocking(container.removeCommand, timeoutSeconds: 20)
    }
    containers.withLock { $0.removeAll() }
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
