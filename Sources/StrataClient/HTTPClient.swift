import CCurl
import Foundation

/// One HTTP transfer per call, over libcurl.
///
/// Each call runs the blocking libcurl loop on its own detached `Thread`, so Swift's
/// cooperative pool (two threads on a two-core machine) is never blocked, and resumes a
/// continuation when done. Task cancellation is honoured: the cancellation handler sets a
/// locked flag that CURLOPT_XFERINFOFUNCTION turns into an abort, and wakes libcurl's
/// poll at once (`curl_multi_wakeup`) so an idle stream stops without waiting for data.
/// `curl_global_init` runs once, lazily and thread-safely, before the first transfer.
public struct HTTPClient: Sendable {
  /// Limit on a whole transfer, in seconds (CURLOPT_TIMEOUT_MS); 0 means none.
  public var timeoutSeconds: Double
  /// Limit on establishing the TCP connection, in seconds (CURLOPT_CONNECTTIMEOUT_MS).
  public var connectTimeoutSeconds: Double
  /// Longest silence, in seconds, between sending the request and a body byte, or between
  /// two body bytes; 0 for none. A stream that goes quiet longer fails `.stalled`.
  public var stallSeconds: Double = 0

  /// Swift runs a static `let` initialiser exactly once, thread-safely.
  private static let globalInit: CURLcode = curl_global_init(Int(CURL_GLOBAL_ALL))

  /// Creates a client; both limits are in seconds.
  public init(timeoutSeconds: Double = 600, connectTimeoutSeconds: Double = 5) {
    self.timeoutSeconds = timeoutSeconds
    self.connectTimeoutSeconds = connectTimeoutSeconds
  }

  /// GETs `url`. Non-2xx answers are returned, not thrown (health polling needs the
  /// 503 llama-server sends while loading); only transport failures, timeouts and
  /// cancellation throw.
  public func get(_ url: String, headers: [String: String] = [:]) async throws(HTTPClientError) -> HTTPResponse {
    var request = request(url, body: nil, headers: headers, accept: "*/*")
    request.followRedirects = true
    let outcome = try await run(request, mode: .collect)
    return HTTPResponse(status: outcome.status, body: outcome.body, headers: outcome.headers)
  }

  /// GETs `url`, following redirects, and hands each 2xx body chunk to `sink` (on the
  /// transfer thread, in order, with the status: 200 or 206 for a `Range` request) as
  /// it arrives, so a large file never sits in memory. `sink` returns false to abort
  /// (a failed write), which throws `.transport`. A non-2xx answer is returned, not
  /// thrown, with its body for the message; a cut connection throws `.transport`.
  public func download(
    _ url: String, headers: [String: String] = [:],
    sink: @escaping @Sendable (_ status: Int, _ bytes: UnsafeRawBufferPointer) -> Bool
  ) async throws(HTTPClientError) -> DownloadOutcome {
    var request = request(url, body: nil, headers: headers, accept: "*/*")
    request.followRedirects = true
    let outcome = try await run(request, mode: .sink(sink))
    let success = (200..<300).contains(outcome.status)
    return DownloadOutcome(
      status: outcome.status, headers: outcome.headers,
      errorBody: success ? "" : HTTPClientError.truncate(outcome.body))
  }

  /// POSTs `body` (JSON bytes, sent with `Content-Type: application/json` unless
  /// `headers` overrides it) and returns the answer; throws `.status` on non-2xx.
  public func postJSON(
    _ url: String, body: [UInt8], headers: [String: String] = [:]
  ) async throws(HTTPClientError) -> HTTPResponse {
    let outcome = try await run(request(url, body: body, headers: headers, accept: "application/json"), mode: .collect)
    guard (200..<300).contains(outcome.status) else {
      throw .status(url: url, status: outcome.status, body: HTTPClientError.truncate(outcome.body))
    }
    return HTTPResponse(status: outcome.status, body: outcome.body)
  }

  /// POSTs JSON and parses the response as Server-Sent Events; `onEvent` is called on the
  /// transfer thread, in order, for each complete event with the monotonic time at which
  /// the bytes completing it arrived (taken inside the curl write callback). Returns the
  /// time the request was handed to curl and the final status; throws `.status` (with the
  /// body, truncated) on non-2xx, in which case `onEvent` is never called.
  public func streamSSE(
    _ url: String, body: [UInt8], headers: [String: String] = [:],
    onEvent: @escaping @Sendable (SSEEvent) -> Void
  ) async throws(HTTPClientError) -> StreamSummary {
    let outcome = try await run(
      request(url, body: body, headers: headers, accept: "text/event-stream"), mode: .serverSentEvents(onEvent))
    guard (200..<300).contains(outcome.status) else {
      throw .status(url: url, status: outcome.status, body: HTTPClientError.truncate(outcome.body))
    }
    return StreamSummary(
      requestStartNanos: outcome.startNanos, finishedNanos: outcome.finishedNanos, status: outcome.status)
  }

  private func request(_ url: String, body: [UInt8]?, headers: [String: String], accept: String) -> TransferRequest {
    var all = ["Accept": accept, "Expect": ""]  // "Expect:" stops curl waiting for 100-continue
    if body != nil { all["Content-Type"] = "application/json" }
    for (name, value) in headers {
      // Header names are case-insensitive: a caller's value replaces ours.
      for key in all.keys where key.lowercased() == name.lowercased() { all[key] = nil }
      all[name] = value
    }
    return TransferRequest(
      url: url, postBody: body, headers: all, timeoutSeconds: timeoutSeconds,
      connectTimeoutSeconds: connectTimeoutSeconds, stallSeconds: stallSeconds)
  }

  private func run(_ request: TransferRequest, mode: TransferState.Mode) async throws(HTTPClientError)
    -> TransferOutcome
  {
    guard Self.globalInit == CURLE_OK else {
      throw .transport(
        url: request.url, code: Int32(truncatingIfNeeded: Self.globalInit.rawValue),
        message: "curl_global_init failed")
    }
    let state = TransferState(mode: mode)
    let result = await withTaskCancellationHandler {
      await withCheckedContinuation {
        (continuation: CheckedContinuation<Result<TransferOutcome, HTTPClientError>, Never>) in
        let thread = Thread {
          continuation.resume(returning: performTransfer(request, state: state))
        }
        thread.name = "strata-http"
        thread.start()
      }
    } onCancel: {
      state.cancel()
    }
    return try result.get()
  }
}
