import Foundation
import StrataClient
import StrataConfig
import StrataEngine
import StrataRun
import StrataTestSupport
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// A stand-in for llama-server, on a loopback socket: it answers the routes the
/// sweep uses (/health, /props, /v1/models, streaming /completion) the way
/// llama-server does, and on cue hangs (sends a token, then nothing: a SIGSTOPped
/// server) or dies (closes the connection and reports its process gone). It is a
/// stand-in because the orchestration's failure paths need a server that fails on
/// the Nth request; the real server is exercised by the integration suites.
final class StandInHost: ServerHost {
  struct Script: Sendable {
    /// 1-based /completion request numbers, counted over every server this host starts.
    var hangAt: Set<Int> = []
    var dieAt: Set<Int> = []
    /// Called with each /completion request's number before it is answered.
    var onCompletion: @Sendable (Int) -> Void = { _ in }
    /// Loads that fail as llama.cpp's do without memory (by start number, 1-based).
    var outOfMemoryLoads: Set<Int> = []
  }

  private let script: Script
  private let state = Shared((completions: 0, starts: 0))

  init(_ script: Script = Script()) { self.script = script }

  var starts: Int { state.withLock { $0.starts } }
  var completions: Int { state.withLock { $0.completions } }

  func withServer(
    _ launch: ServerLaunch, onSpawn: (Int32) -> Void, onExit: (ChildExit) -> Void,
    _ body: (ServerSession) async throws -> Void
  ) async throws {
    let start = state.withLock {
      $0.starts += 1
      return $0.starts
    }
    try "# stand-in server \(start)\n".write(toFile: launch.logPath, atomically: true, encoding: .utf8)
    onSpawn(getpid())
    if script.outOfMemoryLoads.contains(start) {
      let line =
        "ggml_backend_cuda_buffer_type_alloc_buffer: allocating 9000.00 MiB on device 0: cudaMalloc failed: out of memory\n"
      let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: launch.logPath))
      handle.seekToEndOfFile()
      handle.write(Data(line.utf8))
      try handle.close()
      onExit(.exited(1))
      throw SupervisorError.exitedDuringLoad(
        arguments: launch.arguments(port: 0), status: .exited(1), logPath: launch.logPath, logTail: line)
    }
    let dead = Shared(false)
    let server = try LoopbackServer { [script, state] request, connection in
      switch (request.method, request.path) {
      case ("GET", "/health"):
        connection.respond(status: 200, reason: "OK", body: #"{"status":"ok"}"#)
      case ("GET", "/props"):
        connection.respond(status: 200, reason: "OK", body: #"{"build_info":"b1-standin","total_slots":1}"#)
      case ("GET", "/v1/models"):
        connection.respond(
          status: 200, reason: "OK",
          body: #"{"data":[{"id":"stand-in","meta":{"n_vocab":32000,"n_ctx_train":2048,"n_params":1000,"size":1000}}]}"#
        )
      case ("POST", "/completion"):
        let number = state.withLock {
          $0.completions += 1
          return $0.completions
        }
        script.onCompletion(number)
        if script.dieAt.contains(number) {
          dead.withLock { $0 = true }
          return  // the connection closes with no answer: a crashed server
        }
        let body = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any] ?? [:]
        let predict = max(1, body["n_predict"] as? Int ?? 4)
        let promptCount = (body["prompt"] as? [Any])?.count ?? 8
        connection.startChunked()
        if script.hangAt.contains(number) {
          connection.chunk("data: {\"content\":\"a\",\"stop\":false}\n\n")
          Thread.sleep(forTimeInterval: 120)  // stopped: no more bytes, the socket stays open
          return
        }
        for _ in 0..<predict {
          connection.chunk("data: {\"content\":\" 7\",\"stop\":false}\n\n")
        }
        let timings =
          #"{"prompt_n":\#(promptCount),"prompt_ms":10,"prompt_per_second":\#(Double(promptCount) * 100),"predicted_n":\#(predict),"predicted_ms":\#(predict * 5),"predicted_per_second":200,"cache_n":0}"#
        connection.chunk("data: {\"content\":\"\",\"stop\":true,\"stop_type\":\"limit\",\"timings\":\(timings)}\n\n")
        connection.endChunks()
      default:
        connection.respond(status: 404, reason: "Not Found", body: #"{"error":{"code":404,"message":"no route"}}"#)
      }
    }
    defer { server.stop() }
    let session = ServerSession(
      client: LlamaServerClient(baseURL: server.baseURL), port: Int(server.port), loadSeconds: 0.01,
      arguments: launch.arguments(port: Int(server.port)), launch: launch,
      hasExited: { dead.withLock { $0 } })
    do {
      try await body(session)
    } catch {
      onExit(dead.withLock { $0 } ? .signalled(SIGABRT) : .signalled(SIGKILL))
      throw error
    }
    onExit(dead.withLock { $0 } ? .signalled(SIGABRT) : .exited(0))
  }
}

/// A project directory for sweeps against the stand-in: one model whose file is a
/// placeholder (nothing loads it), one CPU engine, an exact-answer task of 3 items.
enum StandInProject {
  static func make(matrix: String) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-standin-\(UUID())").path
    for sub in ["engines", "tasks"] {
      try FileManager.default.createDirectory(atPath: "\(dir)/\(sub)", withIntermediateDirectories: true)
    }
    try Data(count: 4096).write(to: URL(fileURLWithPath: "\(dir)/model.gguf"))
    try "models:\n  - name: tiny\n    files:\n      Q4_0: \(dir)/model.gguf\n".write(
      toFile: "\(dir)/models.yaml", atomically: true, encoding: .utf8)
    try "name: cpu\nbackend: cpu\nbinary: /bin/true\n".write(
      toFile: "\(dir)/engines/cpu.yaml", atomically: true, encoding: .utf8)
    let items = (1...3).map { #"{"id":"q\#($0)","question":"What is 3 + 4?","answer":"7"}"# }
    try (items.joined(separator: "\n") + "\n").write(toFile: "\(dir)/sums.jsonl", atomically: true, encoding: .utf8)
    try """
    name: sums
    kind: exact_answer
    items: \(dir)/sums.jsonl
    format: completion
    scoring: numeric
    max_tokens: 4
    limit: 3
    """.write(toFile: "\(dir)/tasks/sums.yaml", atomically: true, encoding: .utf8)
    try matrix.write(toFile: "\(dir)/matrix.yaml", atomically: true, encoding: .utf8)
    return dir
  }

  /// Two load groups (threads 1 and 2) of two cells each (seeds 1 and 2).
  static let fourCells = """
    repeats: 2
    axes:
      engine: [cpu]
      model: [tiny]
      args: {threads: [1, 2]}
      sampling: {seed: [1, 2]}
    scenarios: [pp16-tg4]
    tasks: [sums]
    """
}

/// A value shared between the test, the stand-in's threads and the sweep.
final class Shared<Value: Sendable>: Sendable {
  private let value: Mutex<Value>
  init(_ value: Value) { self.value = Mutex(value) }
  func withLock<T>(_ body: (inout Value) -> T) -> T { value.withLock { body(&$0) } }
}
