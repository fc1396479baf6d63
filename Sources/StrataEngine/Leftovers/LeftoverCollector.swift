import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A server a strata process started and never cleaned up, because that strata
/// process is gone (killed, crashed, lost its machine's power).
public struct Leftover: Sendable, Hashable, CustomStringConvertible {
  public enum Kind: Sendable, Hashable {
    /// A labelled container: runtime and container name.
    case container(runtime: ContainerRuntime, name: String, state: String)
    /// A llama-server process with a lease file.
    case process(ProcessIdentity, leasePath: String)
  }

  public var kind: Kind
  public var runId: String
  public var engine: String
  /// The strata process that started it, when known.
  public var owner: ProcessIdentity?

  public var description: String {
    let ownerText = owner.map { "strata pid \($0.pid) is gone" } ?? "no owner recorded"
    let context = "engine \(engine), run \(runId.prefix(8)), \(ownerText)"
    switch kind {
    case .container(let runtime, let name, let state):
      return "\(runtime.kind.rawValue) container \(name) (\(state); \(context))"
    case .process(let server, _):
      return "llama-server pid \(server.pid) (\(context))"
    }
  }
}

/// Finds and removes what crashed strata runs left behind: containers labelled
/// `strata` whose owner no longer runs, and server processes whose lease
/// outlived their owner. Servers of a strata that still runs are never touched.
public struct LeftoverCollector: Sendable {
  public var environment: [String: String]
  public var leases: LeaseBook
  public var procRoot: String

  public init(environment: [String: String], leases: LeaseBook, procRoot: String) {
    self.environment = environment
    self.leases = leases
    self.procRoot = procRoot
  }

  /// Leftovers, plus problems met while looking (a runtime that did not answer).
  public func find() async -> (leftovers: [Leftover], problems: [String]) {
    var leftovers: [Leftover] = []
    var problems: [String] = []
    let runner = CommandRunner(environment: environment)
    for kind in ContainerRuntime.Kind.allCases {
      guard let runtime = ContainerRuntime.resolve(kind == .podman ? .podman : .docker, path: environment["PATH"])
      else { continue }
      let listed = await runner.run(ContainerCommand(runtime: runtime).listLabelled(), timeoutSeconds: 60)
      guard let listed, listed.succeeded else {
        // docker without a daemon has no containers to leave behind; say so once.
        problems.append("\(kind.rawValue): could not list containers (\(listed?.lastLine ?? "timed out"))")
        continue
      }
      for container in LabelledContainer.parse(listed.output, kind: kind) {
        let owner = container.labels[ContainerLabel.owner].flatMap(ProcessIdentity.init)
        if let owner, owner.isAlive(procRoot: procRoot) { continue }
        leftovers.append(
          Leftover(
            kind: .container(runtime: runtime, name: container.name, state: container.state),
            runId: container.labels[ContainerLabel.run] ?? "?", engine: container.labels[ContainerLabel.engine] ?? "?",
            owner: owner))
      }
    }
    for (path, lease) in leases.all() where !lease.owner.isAlive(procRoot: procRoot) {
      if lease.server.isAlive(procRoot: procRoot) {
        leftovers.append(
          Leftover(
            kind: .process(lease.server, leasePath: path), runId: lease.runId, engine: lease.engine,
            owner: lease.owner))
      } else {
        // The server ended on its own; only the note is left.
        unlink(path)
      }
    }
    return (leftovers, problems)
  }

  /// Removes one leftover; nil on success, else why not.
  public func remove(_ leftover: Leftover) async -> String? {
    switch leftover.kind {
    case .container(let runtime, let name, _):
      let runner = CommandRunner(environment: environment)
      let result = await runner.run(ContainerCommand(runtime: runtime).remove(name), timeoutSeconds: 60)
      return result?.succeeded == true ? nil : (result?.lastLine ?? "timed out")
    case .process(let server, let leasePath):
      // Servers run in their own process group: end the whole group, checking
      // identity first so a recycled pid is never hit.
      guard server.isAlive(procRoot: procRoot) else {
        unlink(leasePath)
        return nil
      }
      kill(-server.pid, SIGTERM)
      for _ in 0..<100 where server.isAlive(procRoot: procRoot) {
        try? await Task.sleep(nanoseconds: 50_000_000)
      }
      if server.isAlive(procRoot: procRoot) { kill(-server.pid, SIGKILL) }
      for _ in 0..<40 where server.isAlive(procRoot: procRoot) {
        try? await Task.sleep(nanoseconds: 50_000_000)
      }
      guard !server.isAlive(procRoot: procRoot) else { return "pid \(server.pid) did not exit after SIGKILL" }
      unlink(leasePath)
      return nil
    }
  }
}

/// One entry of `ps --all --filter label=strata`, from podman's JSON array or
/// docker's one-JSON-object-per-line output.
struct LabelledContainer: Sendable, Hashable {
  var name: String
  var state: String
  var labels: [String: String]

  static func parse(_ output: String, kind: ContainerRuntime.Kind) -> [LabelledContainer] {
    switch kind {
    case .podman:
      guard let start = output.firstIndex(of: "["),
        let array = try? JSONSerialization.jsonObject(with: Data(output[start...].utf8)) as? [[String: Any]]
      else { return [] }
      return array.compactMap { object in
        guard let name = (object["Names"] as? [String])?.first ?? object["Names"] as? String else { return nil }
        return LabelledContainer(
          name: name, state: object["State"] as? String ?? "unknown",
          labels: object["Labels"] as? [String: String] ?? [:])
      }
    case .docker:
      return output.split(separator: "\n").compactMap { line in
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
          let name = object["Names"] as? String
        else { return nil }
        var labels: [String: String] = [:]
        for pair in (object["Labels"] as? String ?? "").split(separator: ",") {
          let parts = pair.split(separator: "=", maxSplits: 1)
          labels[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return LabelledContainer(name: name, state: object["State"] as? String ?? "unknown", labels: labels)
      }
    }
  }
}
