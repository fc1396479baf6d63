import Foundation
import StrataEngine
import StrataRun
import StrataStore
import StrataTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// strata run as the timer runs it, against the real CPU llama-server: killed
/// and resumed, stopped by its budget and resumed, a second run on a held
/// database, and a server that stops answering mid-cell.
@Suite(
  "The overnight run: resume, budgets, locks, hung servers", .tags(.integration), .serialized,
  RealParts.gate, RealParts.strataGate)
struct OvernightTests {
  /// Two load groups, two cells, 3 repetitions of one scenario and 4 items each.
  static let matrix = """
    repeats: 3
    axes:
      engine: [cpu]
      model: [smollm2-135m]
      args:
        threads: [2]
        flash_attn: [on, off]
    scenarios: [pp64-tg32]
    tasks: [{name: arc_challenge, limit: 4}]
    """

  struct Keys: Equatable {
    var cells: [String]
    var repetitions: [String]
    var answers: [String]
    var methods: [String]
  }

  static func keys(_ db: String) throws -> (run: RunRecord, keys: Keys) {
    let store = try ResultStore(path: db)
    let run = try #require(try store.runs().first)
    return (
      run,
      Keys(
        cells: try store.cells(runId: run.id).map { "\($0.hash) \($0.status.rawValue)" }.sorted(),
        repetitions: try store.perfRepetitions(runId: run.id).map { "\($0.cellHash) \($0.scenario) \($0.repetition)" }
          .sorted(),
        answers: try store.taskResults(runId: run.id).map { "\($0.cellHash) \($0.task) \($0.method) \($0.itemId)" }
          .sorted(),
        methods: try store.taskRuns(runId: run.id).map { "\($0.cellHash) \($0.task) \($0.method)" }.sorted())
    )
  }

  @Test("SIGKILL mid-cell, `strata gc`, `strata run --resume`: the keys of an uninterrupted run, no duplicates")
  func killThenResume() async throws {
    try await ServerTestLock.run {
      let reference = try RealParts.project(matrix: Self.matrix)
      let whole = try await StrataCLI.run(["run"], project: reference)
      #expect(whole.status == 0, "\(whole.output)")
      let expected = try Self.keys("\(reference)/strata.sqlite").keys

      let dir = try RealParts.project(matrix: Self.matrix)
      let first = try StrataCLI(["run"], project: dir)
      defer { first.kill() }
      let store = try ResultStore(path: "\(dir)/strata.sqlite")
      // Mid-cell: the second cell has measured a repetition but is not done.
      let midCell = await waitFor(seconds: 240) {
        guard let run = try? store.runs().first, let cells = try? store.cells(runId: run.id), cells.count == 2,
          let reps = try? store.perfRepetitions(runId: run.id)
        else { return false }
        return cells[0].status == .done && cells[1].status == .running && reps.contains { $0.cellHash == cells[1].hash }
      }
      try #require(midCell, "never saw the second cell mid-way: \(first.output)")
      Glibc.kill(first.process.processIdentifier, SIGKILL)
      await first.exited()

      let gc = try await StrataCLI.run(["gc"], project: dir, withProject: false)
      #expect(gc.status == 0 && gc.output.contains("llama-server"), "gc stops the server strata left: \(gc.output)")
      let resumed = try await StrataCLI.run(["run", "--resume"], project: dir)
      #expect(resumed.status == 0, "\(resumed.output)")
      #expect(resumed.output.contains("took over the database lock"), "\(resumed.output)")
      #expect(resumed.output.contains("resuming run"), "\(resumed.output)")
      let (run, keys) = try Self.keys("\(dir)/strata.sqlite")
      #expect(run.status == .done)
      #expect(keys == expected)
      #expect(try store.integrityCheck() == "ok")
      #expect(try store.runs().count == 1, "resumed in place, not a second run")
    }
  }

  @Test("--max-duration stops at a cell boundary with the run partial; --resume completes it with the same keys")
  func budgetThenResume() async throws {
    try await ServerTestLock.run {
      // The estimate comes from an earlier run of the same cells in the same database,
      // whose keys are what the budgeted and resumed run must end with.
      let dir = try RealParts.project(matrix: Self.matrix)
      let earlier = try await StrataCLI.run(["run"], project: dir)
      #expect(earlier.status == 0, "\(earlier.output)")
      let expected = try Self.keys("\(dir)/strata.sqlite").keys
      let plan = try await StrataCLI.run(["plan", "--json"], project: dir, stdoutOnly: true)
      let json = try #require(try JSONSerialization.jsonObject(with: Data(plan.output.utf8)) as? [String: Any])
      let servers = try #require(json["servers"] as? [[String: Any]])
      let cells = try #require(json["cells"] as? [[String: Any]])
      #expect(cells.allSatisfy { $0["basis"] as? String == "measured" }, "\(plan.output)")
      let firstGroup =
        (servers[0]["loadEstimateSeconds"] as? Double ?? 0) + (cells[0]["estimateSeconds"] as? Double ?? 0)
      let store = try ResultStore(path: "\(dir)/strata.sqlite")
      let budget = String(format: "%.1f", firstGroup * 1.5)
      let stopped = try await StrataCLI.run(["run", "--max-duration", budget], project: dir)
      #expect(stopped.status == 3, "partial: \(stopped.output)")
      #expect(stopped.output.contains("--resume"), "\(stopped.output)")
      // The newest run is the budgeted one; the earlier run of the same cells is its reference.
      let run = try #require(try store.runs().first)
      #expect(try store.runs().count == 2)
      #expect(run.status == .partial)
      let planned = try store.cells(runId: run.id).filter { $0.status == .planned }
      #expect(planned.count == 1, "one cell run, one left at the boundary: \(stopped.output)")
      let resumed = try await StrataCLI.run(["run", "--resume", run.id], project: dir)
      #expect(resumed.status == 0, "\(resumed.output)")
      let cellsAfter = try store.cells(runId: run.id).map { "\($0.hash) \($0.status.rawValue)" }.sorted()
      #expect(cellsAfter == expected.cells)
      #expect(
        try store.perfRepetitions(runId: run.id).map { "\($0.cellHash) \($0.scenario) \($0.repetition)" }.sorted()
          == expected.repetitions)
      #expect(
        try store.taskResults(runId: run.id).map { "\($0.cellHash) \($0.task) \($0.method) \($0.itemId)" }.sorted()
          == expected.answers)
      #expect(try store.run(id: run.id)?.status == .done)
      #expect(try store.integrityCheck() == "ok")
    }
  }

  @Test("a second strata run on a held database exits non-zero within a second and names the first")
  func databaseLock() async throws {
    try await ServerTestLock.run {
      let dir = try RealParts.project(
        matrix: Self.matrix.replacingOccurrences(of: "repeats: 3", with: "repeats: 50"))
      let first = try StrataCLI(["run"], project: dir)
      defer { first.kill() }
      let lock = "\(dir)/strata.sqlite.lock"
      // Held and stored: the run row follows the lock by the bandwidth probe's half second.
      let held = await waitFor(seconds: 60) {
        guard let id = FileLock.holder(at: lock)?.runId, FileManager.default.fileExists(atPath: "\(dir)/strata.sqlite"),
          let store = try? ResultStore(path: "\(dir)/strata.sqlite")
        else { return false }
        return (try? store.run(id: id)) != nil
      }
      try #require(held, "the first run never named itself in \(lock): \(first.output)")
      let started = Date()
      let second = try await StrataCLI.run(["run"], project: dir)
      let seconds = Date().timeIntervalSince(started)
      #expect(second.status == 75, "\(second.output)")
      #expect(seconds < 1, "refused after \(seconds) s")
      #expect(second.output.contains("pid \(first.process.processIdentifier)"), "\(second.output)")
      #expect(second.output.contains("run "), "names the holder's run: \(second.output)")
      // A reader never waits on the lock.
      let reader = Date()
      let report = try await StrataCLI.run(
        ["report", "--db", "\(dir)/strata.sqlite", "--list"], project: dir, withProject: false)
      #expect(report.status == 0, "\(report.output)")
      #expect(report.output.contains("running"), "the held run is listed: \(report.output)")
      #expect(Date().timeIntervalSince(reader) < 5)
      Glibc.kill(first.process.processIdentifier, SIGINT)
      await first.exited()
    }
  }

  @Test("SIGSTOP of llama-server mid-cell: that cell fails `timeout` within its bound; the next cell succeeds")
  func stoppedServer() async throws {
    try await ServerTestLock.run {
      // Two cells on one server (two seeds): the second needs a fresh server after the first hangs.
      let dir = try RealParts.project(
        matrix: """
          repeats: 30
          axes:
            engine: [cpu]
            model: [smollm2-135m]
            args: {threads: [2]}
            sampling: {seed: [1, 2]}
          scenarios: [pp64-tg32]
          """)
      let stall = 3.0
      let run = try StrataCLI(["run", "--stall-timeout", "\(Int(stall))"], project: dir)
      defer { run.kill() }
      let store = try ResultStore(path: "\(dir)/strata.sqlite")
      var server: pid_t?
      let measuring = await waitFor(seconds: 120) {
        guard let runRecord = try? store.runs().first, let reps = try? store.perfRepetitions(runId: runRecord.id),
          reps.count >= 2
        else { return false }
        server = LlamaServers.children(of: run.process.processIdentifier).first
        return server != nil
      }
      try #require(measuring, "the first cell never measured: \(run.output)")
      let stoppedAt = Date().timeIntervalSince1970
      Glibc.kill(try #require(server), SIGSTOP)
      await run.exited(timeout: 180)
      #expect(run.process.terminationStatus == 3, "partial: one cell failed \(run.output)")
      let runRecord = try #require(try store.runs().first)
      let cells = try store.cells(runId: runRecord.id)
      let hung = try #require(cells.first { $0.status == .failed }, "\(run.output)")
      #expect(hung.failureKind == .timeout, "\(hung.failure ?? "")")
      // The bound: the stall limit plus the prompt's share (64 tokens at 20 t/s), a second of polling, the kill.
      let bound = stall + 64.0 / 20 + 3
      let took = try #require(hung.finishedAt) - stoppedAt
      #expect(took < bound, "failed \(took) s after SIGSTOP, bound \(bound) s")
      #expect(hung.logTail?.isEmpty == false)
      #expect(cells.filter { $0.status == .done }.count == 1, "the next cell ran on a fresh server")
      // The hung one, its fresh successor, and the noise check's.
      #expect(try store.servers(runId: runRecord.id).count == 3)
      #expect(kill(try #require(server), 0) == -1, "the stopped server was killed")
    }
  }
}

/// The strata executable as a child process, with its own state directory.
struct StrataCLI {
  let process = Process()
  let outputPath: String

  init(
    _ arguments: [String], project dir: String, stdoutOnly: Bool = false, withProject: Bool = true,
    environment extra: [String: String] = [:]
  ) throws {
    process.executableURL = URL(fileURLWithPath: try #require(StrataExecutable.path))
    process.arguments = arguments + (withProject ? ["--project", dir, "--db", "\(dir)/strata.sqlite"] : [])
    var environment = ProcessInfo.processInfo.environment
    environment["STRATA_STATE_DIR"] = "\(dir)/state"
    environment.merge(extra) { _, new in new }
    process.environment = environment
    outputPath = "\(dir)/strata-\(UUID().uuidString.prefix(6)).out"
    _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
    let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
    process.standardOutput = output
    process.standardError = stdoutOnly ? FileHandle.nullDevice : output
    try process.run()
  }

  /// Runs to the end; polling, so no cooperative thread blocks on the child.
  static func run(
    _ arguments: [String], project dir: String, stdoutOnly: Bool = false, withProject: Bool = true,
    environment: [String: String] = [:]
  ) async throws -> (status: Int32, output: String) {
    let cli = try StrataCLI(
      arguments, project: dir, stdoutOnly: stdoutOnly, withProject: withProject, environment: environment)
    await cli.exited(timeout: 600)
    return (cli.process.terminationStatus, cli.output)
  }

  var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

  func exited(timeout: Double = 120) async {
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { try? await Task.sleep(nanoseconds: 50_000_000) }
    if process.isRunning { kill() }
    while process.isRunning { try? await Task.sleep(nanoseconds: 50_000_000) }
  }

  func kill() {
    if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
  }
}

enum LlamaServers {
  /// Children of `pid` whose command is llama-server, read from /proc.
  static func children(of pid: pid_t) -> [pid_t] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { Int32($0) }.filter { child in
      guard let stat = try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
      else { return false }
      let fields = stat[stat.index(after: close)...].split(separator: " ")
      let comm = stat[stat.index(after: stat.firstIndex(of: "(") ?? stat.startIndex)..<close]
      return fields.count > 2 && Int32(fields[1]) == pid && comm == "llama-server"
    }
  }
}

/// Polls `condition` every 100 ms until it holds or `seconds` pass.
func waitFor(seconds: Double, _ condition: () async throws -> Bool) async rethrows -> Bool {
  let deadline = Date().addingTimeInterval(seconds)
  while Date() < deadline {
    if try await condition() { return true }
    try? await Task.sleep(nanoseconds: 100_000_000)
  }
  return try await condition()
}
