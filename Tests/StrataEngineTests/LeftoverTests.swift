import Foundation
import StrataConfig
import Testing

@testable import StrataEngine

#if canImport(Glibc)
  import Glibc
#endif

@Suite("Crash leftovers: leases, labels, and gc of a real orphaned process")
struct LeftoverTests {
  func scratch() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("strata-gc-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  @Test func processIdentityReadsTheStartTimeAndRoundTripsAsText() throws {
    let me = ProcessIdentity.current(procRoot: "/proc")
    #expect(me.pid == getpid())
    #expect(me.startTicks > 0)
    #expect(me.isAlive(procRoot: "/proc"))
    #expect(ProcessIdentity(me.description) == me)
    #expect(ProcessIdentity("12:x") == nil)
    // Same pid, another start time: a recycled pid is not the same process.
    #expect(!ProcessIdentity(pid: me.pid, startTicks: me.startTicks + 1).isAlive(procRoot: "/proc"))
  }

  @Test func startTimeIsFoundPastACommandNameWithSpacesAndParentheses() throws {
    let root = try scratch()
    defer { try? FileManager.default.removeItem(atPath: root) }
    try FileManager.default.createDirectory(atPath: "\(root)/77", withIntermediateDirectories: true)
    // Fields after the name: state, ppid, pgrp, session, tty, tpgid, flags, minflt, cminflt, majflt,
    // cmajflt, utime, stime, cutime, cstime, priority, nice, threads, itrealvalue, starttime (22nd).
    let stat = "77 (a (b) c) S 1 77 77 0 -1 4194560 10 0 0 0 5 6 0 0 20 0 3 0 424242 1000 50"
    try stat.write(toFile: "\(root)/77/stat", atomically: true, encoding: .utf8)
    #expect(ProcessIdentity.of(77, procRoot: root) == ProcessIdentity(pid: 77, startTicks: 424242))
  }

  @Test func leasesAreWrittenListedAndReleased() throws {
    let directory = try scratch()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let book = LeaseBook(directory: "\(directory)/leases")
    let lease = ServerLease(
      server: ProcessIdentity(pid: 4321, startTicks: 9), owner: ProcessIdentity(pid: 1234, startTicks: 7),
      runId: "run-1", engine: "cpu", logPath: "/logs/x.log", startedAt: 1)
    book.record(lease)
    #expect(book.all().map(\.lease) == [lease])
    book.release(pid: 4321)
    #expect(book.all().isEmpty)
  }

  @Test func standardLeaseDirectoryFollowsTheEnvironment() {
    func leases(_ environment: [String: String]) -> String {
      LeaseBook.standard(
        stateDirectory: HostDirectories.xdg(home: "/h", environment: environment, temporary: "/t").state
      )
      .directory
    }
    #expect(leases(["STRATA_STATE_DIR": "/s"]) == "/s/leases")
    #expect(leases(["XDG_STATE_HOME": "/x"]) == "/x/strata/leases")
    #expect(leases([:]) == "/h/.local/state/strata/leases")
  }

  /// Output recorded from `podman ps --all --filter label=strata --format json` (podman 4.3.1, trimmed).
  @Test func podmanListingParses() {
    let output = """
      [
        {"Id": "454f2ab8", "Image": "localhost/llama.cpp:server", "Names": ["strata-330d1acf-1-beef"], "State": "running",
         "Labels": {"strata": "1", "strata.owner": "4242:99", "strata.run": "330d1acf-2468", "strata.engine": "cpu-container-local"}}
      ]
      """
    let parsed = LabelledContainer.parse(output, kind: .podman)
    #expect(parsed.count == 1)
    #expect(parsed.first?.name == "strata-330d1acf-1-beef")
    #expect(parsed.first?.state == "running")
    #expect(parsed.first?.labels[ContainerLabel.owner] == "4242:99")
  }

  /// docker's `{{json .}}` lines carry labels as one comma-separated string (docker docs, `docker ps --format`).
  @Test func dockerListingParses() {
    let output = """
      {"ID":"9f1c","Image":"ghcr.io/ggml-org/llama.cpp:server-cuda","Labels":"strata=1,strata.owner=4242:99,strata.run=r1,strata.engine=cuda-container","Names":"strata-r1-1-cafe","State":"exited"}
      {"ID":"0000","Names":"unrelated","Labels":"","State":"running"}
      """
    let parsed = LabelledContainer.parse(output, kind: .docker)
    #expect(parsed.map(\.name) == ["strata-r1-1-cafe", "unrelated"])
    #expect(
      parsed.first?.labels == [
        "strata": "1", "strata.owner": "4242:99", "strata.run": "r1", "strata.engine": "cuda-container",
      ])
  }

  @Test("a server whose strata is gone is stopped; one whose strata lives is left alone")
  func orphanedProcessIsCollected() async throws {
    let directory = try scratch()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let book = LeaseBook(directory: "\(directory)/leases")
    // A dead owner: a child that has already exited and been reaped.
    let gone = try ChildProcess.spawn(arguments: ["/bin/true"], environment: [:], logPath: "/dev/null")
    let goneIdentity = try #require(
      ProcessIdentity.of(gone.pid, procRoot: "/proc") ?? ProcessIdentity(pid: gone.pid, startTicks: 1))
    _ = await gone.terminate(graceSeconds: 1)
    let orphan = try ChildProcess.spawn(arguments: ["/bin/sleep", "60"], environment: [:], logPath: "/dev/null")
    let kept = try ChildProcess.spawn(arguments: ["/bin/sleep", "60"], environment: [:], logPath: "/dev/null")
    defer {
      orphan.send(SIGKILL)
      kept.send(SIGKILL)
      _ = orphan.pollExit()
      _ = kept.pollExit()
    }
    let orphanIdentity = try #require(ProcessIdentity.of(orphan.pid, procRoot: "/proc"))
    let keptIdentity = try #require(ProcessIdentity.of(kept.pid, procRoot: "/proc"))
    book.record(
      ServerLease(
        server: orphanIdentity, owner: goneIdentity, runId: "r-gone", engine: "cpu", logPath: "", startedAt: 0))
    book.record(
      ServerLease(
        server: keptIdentity, owner: ProcessIdentity.current(procRoot: "/proc"), runId: "r-live", engine: "cpu",
        logPath: "",
        startedAt: 0))
    // No container runtime on this PATH: only the leases are looked at.
    let collector = LeftoverCollector(environment: ["PATH": directory], leases: book, procRoot: "/proc")
    let found = await collector.find()
    #expect(found.problems.isEmpty)
    #expect(found.leftovers.count == 1)
    let leftover = try #require(found.leftovers.first)
    #expect(
      leftover.description
        == "llama-server pid \(orphan.pid) (engine cpu, run r-gone, strata pid \(goneIdentity.pid) is gone)")
    #expect(await collector.remove(leftover) == nil)
    // The orphan is our child here, so it lingers as a zombie until reaped: reaping proves it ended.
    var ended = orphan.pollExit()
    for _ in 0..<100 where ended == nil {
      try await Task.sleep(nanoseconds: 20_000_000)
      ended = orphan.pollExit()
    }
    #expect(ended == .signalled(SIGTERM))
    #expect(kept.pollExit() == nil, "a live strata's server is never touched")
    #expect(book.all().map(\.lease.runId) == ["r-live"])
  }
}
