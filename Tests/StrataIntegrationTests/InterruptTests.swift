import Foundation
import StrataStore
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The `strata` executable built beside the test bundle.
private var strataBinary: String? {
  let candidates = [
    Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("strata").path,
    Bundle.main.bundleURL.appendingPathComponent("strata").path,
    FileManager.default.currentDirectoryPath + "/.build/debug/strata",
  ]
  return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
}

/// Children of `pid` whose command is llama-server, read from /proc.
private func llamaServerChildren(of pid: pid_t) -> [pid_t] {
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

@Suite(
  "Ctrl-C leaves no llama-server behind", .tags(.integration),
  .enabled(if: RealParts.available && strataBinary != nil))
struct InterruptTests {
  @Test("SIGINT mid-sweep stops the server, exits 130 and keeps what was measured")
  func interrupt() async throws {
    let binary = try #require(strataBinary)
    let dir = try RealParts.project(
      matrix: RealParts.twoCellMatrix.replacingOccurrences(of: "repeats: 2", with: "repeats: 100"))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = ["run", "--project", dir, "--db", "\(dir)/strata.sqlite"]
    process.standardOutput = FileHandle.nullDevice
    let stderrPath = "\(dir)/strata.stderr"
    FileManager.default.createFile(atPath: stderrPath, contents: nil)
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
    kill(process.processIdentifier, SIGINT)
    for _ in 0..<300 where process.isRunning { try await Task.sleep(nanoseconds: 100_000_000) }
    #expect(!process.isRunning)
    #expect(process.terminationStatus == 130)
    for server in servers { #expect(kill(server, 0) == -1, "llama-server \(server) survived") }
    let run = try #require(try store.runs().first)
    #expect(run.status == "interrupted")
    let cells = try store.cells(runId: run.id)
    #expect(cells.contains { $0.status == "failed" && $0.failure == "interrupted" })
    #expect(!(try store.perfRepetitions(runId: run.id)).isEmpty, "repetitions measured before Ctrl-C are kept")
  }
}
