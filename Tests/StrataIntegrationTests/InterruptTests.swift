import Foundation
import StrataEngine
import StrataStore
import StrataTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The `strata` executable built beside the test bundle.
private var strataBinary: String? { StrataExecutable.path }

/// Children of `pid` whose command is llama-server, read from /proc.
private func llamaServerChildren(of pid: pid_t) -> [pid_t] { LlamaServers.children(of: pid) }

@Suite(
  "Ctrl-C leaves no llama-server behind", .tags(.integration),
  RealParts.gate, RealParts.strataGate)
struct InterruptTests {
  @Test("SIGINT mid-sweep stops the server, exits 130 and keeps what was measured")
  func interrupt() async throws {
    try await ServerTestLock.run {
      let binary = try #require(strataBinary)
      let dir = try RealParts.project(
        matrix: RealParts.twoCellMatrix.replacingOccurrences(of: "repeats: 2", with: "repeats: 100"))
      let process = Process()
      process.executableURL = URL(fileURLWithPath: binary)
      process.arguments = ["run", "--project", dir, "--db", "\(dir)/strata.sqlite"]
      process.standardOutput = FileHandle.nullDevice
      let stderrPath = "\(dir)/strata.stderr"
      _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
      process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
      try process.run()
      func strataOutput() -> String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }
      var servers: [pid_t] = []
      // Whatever fails below, nothing this test started may outlive it.
      defer {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        for server in servers { kill(server, SIGKILL) }
      }

      for _ in 0..<600 where servers.isEmpty {
        try await Task.sleep(nanoseconds: 100_000_000)
        servers = llamaServerChildren(of: process.processIdentifier)
      }
      try #require(!servers.isEmpty, "strata never started llama-server: \(strataOutput())")
      // Interrupt once at least one repetition is committed, mid-cell.
      let store = try ResultStore(path: "\(dir)/strata.sqlite")
      var measured = 0
      // Generous: the other integration suites run their servers on the same cores meanwhile.
      for _ in 0..<1200 where measured == 0 {
        try await Task.sleep(nanoseconds: 100_000_000)
        measured = try store.runs().first.map { try store.perfRepetitions(runId: $0.id).count } ?? 0
      }
      try #require(measured > 0, "no repetition was measured within 120 s: \(strataOutput())")
      // The children seen first may have been the short `--version` / `--list-devices`
      // runs that identify the engine: now, mid-cell, the child is the server.
      servers = llamaServerChildren(of: process.processIdentifier)
      try #require(!servers.isEmpty, "no llama-server while a cell runs: \(strataOutput())")
      kill(process.processIdentifier, SIGINT)
      for _ in 0..<300 where process.isRunning { try await Task.sleep(nanoseconds: 100_000_000) }
      #expect(!process.isRunning)
      #expect(process.terminationStatus == 130)
      for server in servers { #expect(kill(server, 0) == -1, "llama-server \(server) survived") }
      let run = try #require(try store.runs().first)
      #expect(run.status == .interrupted)
      let cells = try store.cells(runId: run.id)
      #expect(cells.contains { $0.status == .failed && $0.failure == "interrupted" })
      #expect(!(try store.perfRepetitions(runId: run.id)).isEmpty, "repetitions measured before Ctrl-C are kept")
    }
  }
}

/// A `strata run` child process with its stderr in a file.
private struct StrataRun {
  let process = Process()
  let stderrPath: String

  init(project dir: String, stateDir: String, extra: [String] = []) throws {
    let binary = try #require(strataBinary)
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = ["run", "--project", dir, "--db", "\(dir)/strata.sqlite"] + extra
    var environment = ProcessInfo.processInfo.environment
    environment["STRATA_STATE_DIR"] = stateDir
    process.environment = environment
    process.standardOutput = FileHandle.nullDevice
    stderrPath = "\(dir)/strata-\(UUID().uuidString.prefix(6)).stderr"
    _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
    try process.run()
  }

  var output: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }
  var owner: String? { ProcessIdentity.of(process.processIdentifier, procRoot: "/proc")?.description }
}

/// A project whose one engine is the local podman image.
private func containerProject(repeats: Int) throws -> String {
  let dir = try RealParts.project(
    matrix: """
      repeats: \(repeats)
      axes:
        engine: [cpu-container-local]
        model: [smollm2-135m]
        args: {threads: [2]}
      scenarios: [pp64-tg16]
      """)
  try """
  name: cpu-container-local
  backend: cpu
  mode: container
  image: \(Podman.image)
  runtime: podman
  pull: never
  """.write(toFile: "\(dir)/engines/cpu-container-local.yaml", atomically: true, encoding: .utf8)
  return dir
}

/// Waits for a child by polling: `waitUntilExit` would block one of the
/// cooperative pool's threads (two on a 2-core machine) and stall every other
/// test for as long as the child runs.
private func exited(_ process: Process) async {
  while process.isRunning { try? await Task.sleep(nanoseconds: 50_000_000) }
}

@Suite(
  "Crash safety with containers and processes", .tags(.integration), .serialized,
  RealParts.gate, RealParts.strataGate, Podman.gate)
struct ContainerCrashTests {
  @Test("Ctrl-C mid container cell: exit 130, no strata-labelled container and no llama-server left")
  func interruptContainerCell() async throws {
    try await ServerTestLock.run {
      let dir = try containerProject(repeats: 100)
      let state = "\(dir)/state"
      let run = try StrataRun(project: dir, stateDir: state)
      defer { if run.process.isRunning { kill(run.process.processIdentifier, SIGKILL) } }
      let owner = try #require(run.owner)
      let store = try ResultStore(path: "\(dir)/strata.sqlite")
      let measuring = try await waitFor(seconds: 180) {
        try store.runs().first.map { try store.perfRepetitions(runId: $0.id).count > 0 } ?? false
      }
      try #require(measuring, "no repetition measured in a container within 180 s: \(run.output)")
      let containers = await Podman.containers(label: "strata.owner=\(owner)")
      try #require(containers.count == 1, "one server container while the cell runs: \(containers)")
      let inspect = await Podman.run(["inspect", "--format", "{{.State.Pid}}", containers[0]])
      let serverPID = try #require(inspect.flatMap { pid_t($0.lastLine) })
      kill(run.process.processIdentifier, SIGINT)
      _ = await waitFor(seconds: 60) { !run.process.isRunning }
      #expect(!run.process.isRunning)
      #expect(run.process.terminationStatus == 130, "\(run.output)")
      #expect(await Podman.containers(label: "strata.owner=\(owner)").isEmpty, "the container was removed")
      #expect(kill(serverPID, 0) == -1, "llama-server \(serverPID) from the container survived")
      let record = try #require(try store.runs().first)
      #expect(record.status == .interrupted)
    }
  }

  @Test("after SIGKILL of strata, `strata gc` removes the container and stops the process it left, and says so")
  func gcAfterCrash() async throws {
    try await ServerTestLock.run {
      let binary = try #require(strataBinary)
      let containerDir = try containerProject(repeats: 100)
      let state = "\(containerDir)/state"
      // First a strata running a container cell, killed outright.
      let first = try StrataRun(project: containerDir, stateDir: state)
      let firstOwner = try #require(first.owner)
      var leftContainer: [String] = []
      _ = await waitFor(seconds: 120) {
        leftContainer = await Podman.containers(label: "strata.owner=\(firstOwner)")
        return !leftContainer.isEmpty
      }
      try #require(leftContainer.count == 1, "no container started: \(first.output)")
      kill(first.process.processIdentifier, SIGKILL)
      await exited(first.process)
      // Then a strata running a process cell, killed outright too.
      let processDir = try RealParts.project(
        matrix: RealParts.twoCellMatrix.replacingOccurrences(of: "repeats: 2", with: "repeats: 100"))
      let second = try StrataRun(project: processDir, stateDir: state)
      // The server is the one with a lease: strata's other llama-server children
      // (`--version`, `--list-devices`) are short and leave none.
      var servers: [pid_t] = []
      defer { servers.forEach { kill($0, SIGKILL) } }
      _ = await waitFor(seconds: 120) {
        servers = LeaseBook(directory: "\(state)/leases").all().map(\.lease.server.pid)
        return !servers.isEmpty
      }
      try #require(servers.count == 1, "no lease was written for the server: \(second.output)")
      kill(second.process.processIdentifier, SIGKILL)
      await exited(second.process)
      #expect(await Podman.containers(label: "strata.owner=\(firstOwner)") == leftContainer, "SIGKILL left it behind")
      #expect(kill(servers[0], 0) == 0, "SIGKILL left the server process behind")

      // A new run warns about them before it measures anything (and --strict then stops it:
      // its only engine cannot run).
      try "name: rocm\nbackend: rocm\nbinary: \(processDir)/missing/llama-server\n".write(
        toFile: "\(processDir)/engines/rocm.yaml", atomically: true, encoding: .utf8)
      try "axes: {engine: [rocm], model: [smollm2-135m]}\nscenarios: [pp16-tg4]\n".write(
        toFile: "\(processDir)/strict.yaml", atomically: true, encoding: .utf8)
      let warned = try StrataRun(
        project: processDir, stateDir: state, extra: ["\(processDir)/strict.yaml", "--strict"])
      await exited(warned.process)
      #expect(warned.process.terminationStatus == 2)
      #expect(warned.output.contains("server(s) left by a crashed strata are still running"), "\(warned.output)")
      #expect(warned.output.contains("llama-server pid \(servers[0])"), "\(warned.output)")

      func gc() async throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["gc"]
        var environment = ProcessInfo.processInfo.environment
        environment["STRATA_STATE_DIR"] = state
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        await exited(process)
        // gc prints a line per leftover: far below a pipe's buffer, so waiting first cannot deadlock.
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
      }
      let cleaned = try await gc()
      #expect(cleaned.status == 0, "\(cleaned.output)")
      #expect(cleaned.output.contains("removed podman container \(leftContainer[0])"), "\(cleaned.output)")
      #expect(cleaned.output.contains("removed llama-server pid \(servers[0]) (engine cpu"), "\(cleaned.output)")
      #expect(await Podman.containers(label: "strata.owner=\(firstOwner)").isEmpty)
      #expect(await waitFor(seconds: 10) { kill(servers[0], 0) == -1 }, "the leftover server was stopped")
      let again = try await gc()
      #expect(
        !again.output.contains(leftContainer[0]) && !again.output.contains("pid \(servers[0])"), "\(again.output)")
    }
  }
}

@Suite(
  "Engines that cannot run here", .tags(.integration), RealParts.gate, RealParts.strataGate)
struct UnavailableEngineTests {
  @Test("their cells are skipped with the reason recorded; --strict stops before anything runs")
  func skippedOrStrict() async throws {
    try await ServerTestLock.run {
      let dir = try RealParts.project(
        matrix: """
          repeats: 1
          axes:
            engine: [cpu, rocm]
            model: [smollm2-135m]
            args: {threads: [2]}
          scenarios: [pp16-tg4]
          tasks: [{name: arc_challenge, limit: 4}]
          """)
      try "name: rocm\nbackend: rocm\nbinary: \(dir)/missing/llama-server\n".write(
        toFile: "\(dir)/engines/rocm.yaml", atomically: true, encoding: .utf8)
      let reason =
        "binary \(dir)/missing/llama-server not found: build it with `scripts/build-engines rocm` or fix `binary:`"

      let strict = try StrataRun(project: dir, stateDir: "\(dir)/state", extra: ["--strict"])
      await exited(strict.process)
      #expect(strict.process.terminationStatus == 2)
      #expect(strict.output.contains("engine rocm unavailable: \(reason)"), "\(strict.output)")
      if FileManager.default.fileExists(atPath: "\(dir)/strata.sqlite") {
        #expect(try ResultStore(path: "\(dir)/strata.sqlite").runs().isEmpty, "--strict starts no run")
      }

      let lenient = try StrataRun(project: dir, stateDir: "\(dir)/state", extra: ["--limit", "2"])
      await exited(lenient.process)
      #expect(lenient.process.terminationStatus == 0, "\(lenient.output)")
      let store = try ResultStore(path: "\(dir)/strata.sqlite")
      let run = try #require(try store.runs().first)
      let cells = try store.cells(runId: run.id)
      #expect(cells.filter { $0.engine == "cpu" }.map(\.status.rawValue) == ["done"])
      #expect(cells.filter { $0.engine == "rocm" }.map(\.status.rawValue) == ["skipped"])
      #expect(cells.first { $0.engine == "rocm" }?.failure == "engine rocm unavailable: \(reason)")
      #expect(try store.taskResults(runId: run.id).count == 2, "--limit 2 wins over the matrix's limit of 4")
      // The run records every engine's identity, the unavailable one with its reason.
      let engines = try JSONSerialization.jsonObject(with: Data(run.enginesJSON.utf8)) as? [String: [String: Any]]
      #expect(engines?["rocm"]?["available"] as? Bool == false)
      #expect(engines?["rocm"]?["reason"] as? String == reason)
      #expect(engines?["cpu"]?["build"] as? Int == 11434)
    }
  }
}
