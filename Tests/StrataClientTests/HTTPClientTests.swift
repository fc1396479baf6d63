import Foundation
import StrataTestSupport
import Testing

@testable import StrataClient

/// Pause between the SSE server's writes, milliseconds.
private let writeGapMs = 150

/// The loopback server's routes.
private func route(_ request: LoopbackServer.Request, _ connection: LoopbackServer.Connection) {
  switch (request.method, request.path) {
  case ("GET", "/ok"):
    connection.respond(status: 200, reason: "OK", body: #"{"status":"ok"}"#)
  case ("GET", "/health"), ("GET", "/loading"):
    connection.respond(status: 503, reason: "Service Unavailable", body: #"{"error":{"message":"Loading model"}}"#)
  case ("POST", "/echo"):
    let type = request.headers["content-type"] ?? "none"
    connection.respond(status: 200, reason: "OK", body: "\(type)|" + String(decoding: request.body, as: UTF8.self))
  case ("POST", "/bad"):
    connection.respond(status: 400, reason: "Bad Request", body: String(repeating: "x", count: 2000))
  case ("POST", "/sse"):
    // Three events over four writes with pauses; event boundaries fall mid-write.
    connection.startChunked()
    let writes = [
      ": keep-alive comment\n\ndata: {\"n\":1}\n",
      "\ndata: {\"n\":",
      "2}\r\n\r\nevent: custom\ndata: line one\ndata: line two\n\n",
      "data: [DONE]\n\n",
    ]
    for (index, piece) in writes.enumerated() {
      if index > 0 { Thread.sleep(forTimeInterval: Double(writeGapMs) / 1000) }
      connection.chunk(piece)
    }
    connection.endChunks()
  case ("POST", "/slow"):
    connection.startChunked()
    connection.chunk("data: first\n\n")
    Thread.sleep(forTimeInterval: 10)
    connection.chunk("data: late\n\n")
    connection.endChunks()
  default:
    connection.respond(status: 404, reason: "Not Found", body: "no route")
  }
}

@Suite("HTTPClient over a loopback server")
struct HTTPClientTests {
  @Test("GET returns 200 and 503 as responses, not errors")
  func getStatuses() async throws {
    let server = try LoopbackServer(handler: route)
    defer { server.stop() }
    let client = HTTPClient(timeoutSeconds: 10)
    let ok = try await client.get(server.baseURL + "/ok")
    #expect(ok.status == 200)
    #expect(ok.text == #"{"status":"ok"}"#)
    let loading = try await client.get(server.baseURL + "/loading")
    #expect(loading.status == 503)
    #expect(loading.text.contains("Loading model"))
    #expect(await LlamaServerClient(baseURL: server.baseURL + "/").health() == 503)
  }

  @Test("POST sends JSON with its content type and throws .status on non-2xx")
  func postJSON() async throws {
    let server = try LoopbackServer(handler: route)
    defer { server.stop() }
    let client = HTTPClient(timeoutSeconds: 10)
    let echoed = try await client.postJSON(server.baseURL + "/echo", body: Array(#"{"a":1}"#.utf8))
    #expect(echoed.text == #"application/json|{"a":1}"#)
    do {
      _ = try await client.postJSON(server.baseURL + "/bad", body: [])
      Issue.record("expected HTTP 400 to throw")
    } catch {
      guard case .status(_, let status, let body) = error else {
        Issue.record("expected .status, got \(error)")
        return
      }
      #expect(status == 400)
      #expect(body.count <= 501)  // 500 characters plus the ellipsis
    }
  }

  @Test("SSE events arrive in order, with timestamps that reflect the server's pauses")
  func streamSSE() async throws {
    let server = try LoopbackServer(handler: route)
    defer { server.stop() }
    let events = LockedBox<[SSEEvent]>([])
    let before = MonotonicClock.nanoseconds()
    let summary = try await HTTPClient(timeoutSeconds: 10).streamSSE(server.baseURL + "/sse", body: Array("{}".utf8)) {
      event in events.withLock { $0.append(event) }
    }
    let received = events.withLock { $0 }
    #expect(summary.status == 200)
    #expect(summary.requestStartNanos >= before)
    #expect(received.map(\.data) == [#"{"n":1}"#, #"{"n":2}"#, "line one\nline two", "[DONE]"])
    #expect(received.map(\.event) == [nil, nil, "custom", nil])
    let times = received.map(\.receivedAtNanos)
    try #require(times.count == 4)
    #expect(times[0] >= summary.requestStartNanos)
    #expect(summary.finishedNanos >= times[3])
    // Event 1 completes with write 2, events 2–3 with write 3, event 4 with write 4.
    let halfGapMs = Double(writeGapMs) / 2
    #expect(MonotonicClock.milliseconds(from: times[0], to: times[1]) > halfGapMs)
    #expect(times[1] <= times[2])
    #expect(MonotonicClock.milliseconds(from: times[1], to: times[2]) < halfGapMs)  // same write
    #expect(MonotonicClock.milliseconds(from: times[2], to: times[3]) > halfGapMs)
  }

  @Test("connection refused: health() is nil, quickly; get() throws .transport")
  func connectionRefused() async throws {
    // On its own thread: the bound is about curl, not about the wait for the test pool.
    await onTimingExecutor {
      let base = "http://127.0.0.1:\(LoopbackServer.unusedPort())"
      let start = MonotonicClock.nanoseconds()
      #expect(await LlamaServerClient(baseURL: base).health() == nil)
      #expect(MonotonicClock.milliseconds(from: start, to: MonotonicClock.nanoseconds()) < 8000)
      do {
        _ = try await HTTPClient().get(base + "/health")
        Issue.record("expected a transport error")
      } catch {
        guard case HTTPClientError.transport(let url, let code, _) = error else {
          Issue.record("expected .transport, got \(error)")
          return
        }
        #expect(url == base + "/health")
        #expect(code == 7)  // CURLE_COULDNT_CONNECT
        #expect("\(error)".contains("is running"))
      }
    }
  }

  @Test("cancelling a stalled stream returns .cancelled within a second")
  func cancellation() async throws {
    // On its own thread: the bound is about the transfer, not about the wait for the test pool.
    try await onTimingExecutor { try await cancelStalledStream() }
  }

  private func cancelStalledStream() async throws {
    let server = try LoopbackServer(handler: route)
    defer { server.stop() }
    let firstEvent = LockedBox<Bool>(false)
    let task = Task(executorPreference: DedicatedExecutor.timing) {
      try await HTTPClient().streamSSE(server.baseURL + "/slow", body: []) { _ in
        firstEvent.withLock { $0 = true }
      }
    }
    // Wait for the first event, so the transfer is surely idle inside libcurl.
    var waited = 0
    while !firstEvent.withLock({ $0 }), waited < 100 {
      try await Task.sleep(for: .milliseconds(20))
      waited += 1
    }
    #expect(firstEvent.withLock { $0 })
    let cancelledAt = MonotonicClock.nanoseconds()
    task.cancel()
    let result = await task.result
    #expect(MonotonicClock.milliseconds(from: cancelledAt, to: MonotonicClock.nanoseconds()) < 1000)
    guard case .failure(let error) = result, case .cancelled = error as? HTTPClientError else {
      Issue.record("expected .cancelled, got \(result)")
      return
    }
  }

  @Test("a Task cancelled before the call starts never transfers")
  func cancelledBeforeStart() async {
    let task = Task {
      withUnsafeCurrentTask { $0?.cancel() }
      return try await HTTPClient().get("http://127.0.0.1:9/never")
    }
    let result = await task.result
    guard case .failure(let error) = result, case .cancelled = error as? HTTPClientError else {
      Issue.record("expected .cancelled, got \(result)")
      return
    }
  }

  @Test("a transfer past its time limit throws .timedOut")
  func timeout() async throws {
    let server = try LoopbackServer(handler: route)
    defer { server.stop() }
    do {
      _ = try await HTTPClient(timeoutSeconds: 0.3).streamSSE(server.baseURL + "/slow", body: []) { _ in }
      Issue.record("expected a timeout")
    } catch {
      guard case .timedOut(_, let seconds) = error else {
        Issue.record("expected .timedOut, got \(error)")
        return
      }
      #expect(seconds >= 0.25 && seconds < 2)
    }
  }
}
