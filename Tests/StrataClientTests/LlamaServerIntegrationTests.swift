import Foundation
import StrataTestSupport
import Testing

@testable import StrataClient

extension Tag {
  /// Tests that need real engine binaries and models from `$STRATA_CACHE`.
  @Tag static var integration: Self
}

/// Paths of the real llama-server and model, from `$STRATA_CACHE` (default ~/.cache/strata).
private enum RealServer {
  static var cache: String {
    if let value = ProcessInfo.processInfo.environment["STRATA_CACHE"], !value.isEmpty { return value }
    return NSHomeDirectory() + "/.cache/strata"
  }
  static var binary: String { cache + "/bin/cpu/llama-server" }
  static var model: String { cache + "/models/SmolLM2-135M-Instruct.Q4_1.gguf" }
  static var available: Bool {
    FileManager.default.isExecutableFile(atPath: binary) && FileManager.default.fileExists(atPath: model)
  }
}

@Suite(
  "llama-server integration", .tags(.integration),
  RealPartGate.needs("the CPU llama-server and SmolLM2 from scripts/setup") { RealServer.available }, .serialized)
struct LlamaServerIntegrationTests {
  @Test("health, model meta, props, streamed completion and chat against the real server")
  func realServer() async throws {
    try await ServerTestLock.run {
      let port = LoopbackServer.unusedPort()
      let process = Process()
      process.executableURL = URL(fileURLWithPath: RealServer.binary)
      process.arguments = [
        "-m", RealServer.model, "--host", "127.0.0.1", "--port", "\(port)", "-np", "1", "-c", "2048",
      ]
      let log = FileManager.default.temporaryDirectory.appendingPathComponent("strata-client-llama-\(port).log")
      _ = FileManager.default.createFile(atPath: log.path, contents: nil)
      let logHandle = try FileHandle(forWritingTo: log)
      process.standardOutput = logHandle
      process.standardError = logHandle
      try process.run()
      defer {
        // SIGKILL, not terminate(): a child spawned from one of Swift's pool threads on
        // Linux inherits libdispatch's blocked signal mask, SIGTERM included, so
        // llama-server never sees a SIGTERM and waitUntilExit() would hang.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? logHandle.close()
      }

      let client = LlamaServerClient(baseURL: "http://127.0.0.1:\(port)")
      var status: Int?
      for _ in 0..<240 {  // up to 60 s: the machine may be busy compiling
        status = await client.health()
        if status == 200 || !process.isRunning { break }
        try await Task.sleep(for: .milliseconds(250))
      }
      try #require(status == 200, "llama-server never became healthy; see \(log.path)")

      let meta = try await client.modelMeta()
      #expect(meta.nVocab == 49152)
      #expect(meta.nCtxTrain == 8192)
      #expect(meta.nParams > 100_000_000)
      #expect(meta.sizeBytes > 50_000_000)
      #expect(meta.nCtx == 2048)
      let props = try await client.props()
      #expect(props.buildInfo?.hasPrefix("b11434") == true)
      #expect(props.totalSlots == 1)
      #expect(props.nCtx == 2048)
      #expect(props.modelPath == RealServer.model)

      // 32 prompt tokens, 16 generated; a warm-up first so page faults don't skew timing.
      let request = CompletionRequest(
        promptTokens: Array(1000..<1032), maxTokens: 16, ignoreEOS: true, cachePrompt: false, seed: 1, temperature: 0)
      _ = try await client.streamCompletion(request)
      // This two-core machine is shared with compilers: one late chunk can shift a 16-token
      // window by more than 25 %, so a run off by jitter is repeated (at most 3 runs).
      var comparisons: [String] = []
      var withinBound = false
      for _ in 0..<3 {
        let trace = try await client.streamCompletion(request)
        let timings = try #require(trace.timings)
        #expect(timings.predictedTokens == 16)
        #expect(timings.promptTokens == 32)
        #expect(trace.finishReason == "limit")
        // Each native partial chunk carries exactly one token (send_partial_response).
        #expect(trace.tokenTimesNanos.count == 16)
        #expect(!trace.text.isEmpty)
        #expect(try #require(trace.ttftMs) > 0)
        let clientSpeed = try #require(trace.clientDecodeTokensPerSecond)
        let relative = abs(clientSpeed - timings.predictedPerSecond) / timings.predictedPerSecond
        comparisons.append("client \(clientSpeed) t/s vs server \(timings.predictedPerSecond) t/s")
        withinBound = relative < 0.25
        if withinBound { break }
      }
      #expect(withinBound, "client decode speed not within 25 % of the server's: \(comparisons)")

      let chat = try await client.streamChat(
        ChatRequest(messages: [ChatMessage(role: "user", content: "Say hello.")], maxTokens: 8, temperature: 0, seed: 1)
      )
      #expect(!chat.text.isEmpty)
      #expect(chat.tokenTimesNanos.count >= 1)
      #expect(chat.timings?.predictedTokens ?? 0 >= 1)
      #expect(chat.finishReason == "length" || chat.finishReason == "stop")
      try? FileManager.default.removeItem(at: log)  // kept only when the test stops early
    }
  }
}
