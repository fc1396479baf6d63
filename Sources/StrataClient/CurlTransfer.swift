import CCurl
import Foundation

/// What one transfer sends: everything libcurl needs, as plain values.
struct TransferRequest: Sendable {
  var url: String
  /// nil for GET; the JSON bytes to POST otherwise.
  var postBody: [UInt8]?
  var headers: [String: String]
  var timeoutSeconds: Double
  var connectTimeoutSeconds: Double
  /// Longest wait for the next body byte once the request is sent; 0 for none.
  var stallSeconds: Double = 0
  /// Follow 3xx answers (downloads: the Hub redirects `resolve/` to its CDN).
  var followRedirects = false
}

/// What a finished transfer hands back to the awaiting task.
struct TransferOutcome: Sendable {
  var status: Int
  /// Collected body: the whole body in collect mode; in SSE mode only a non-2xx body.
  var body: [UInt8]
  /// The final answer's headers, names lower-cased (a later value of a repeated name wins).
  var headers: [String: String] = [:]
  var startNanos: UInt64
  var finishedNanos: UInt64
}

/// State shared by libcurl's callbacks (on the transfer thread) and the cancellation
/// handler (on whatever thread cancels the Task).
///
/// `@unchecked Sendable` is safe because: `cancelledFlag` and `multi` — the only fields
/// touched from other threads — are read and written only while holding `lock`, and
/// `curl_multi_wakeup` is documented as callable from any thread. Every other stored
/// property is mutated only on the transfer thread while libcurl runs; the awaiting task
/// never reads them (results travel back by value in ``TransferOutcome`` through the
/// continuation, whose resume orders all those writes before the reader).
final class TransferState: @unchecked Sendable {
  /// How the body is consumed.
  enum Mode: Sendable {
    case collect
    case serverSentEvents(@Sendable (SSEEvent) -> Void)
    /// 2xx body bytes go to the closure as they arrive, with the status; it returns
    /// false to abort the transfer (a failed write). Other bodies are kept for the error.
    case sink(@Sendable (Int, UnsafeRawBufferPointer) -> Bool)
  }

  private let lock = NSLock()
  private var cancelledFlag = false
  private var multi: UnsafeMutableRawPointer?

  let mode: Mode
  var easy: UnsafeMutableRawPointer?
  var body: [UInt8] = []
  var parser = SSEParser()
  var status: Int?
  var headers: [String: String] = [:]
  var lastDataNanos: UInt64 = 0
  /// Set on the transfer thread by the progress callback when no byte came within the stall limit.
  var stallNanos: UInt64 = 0
  var stalled = false

  /// Non-2xx SSE bodies are kept for the error message only; cap their size.
  static let errorBodyLimit = 64 * 1024

  init(mode: Mode) { self.mode = mode }

  var isCancelled: Bool {
    lock.lock()
    defer { lock.unlock() }
    return cancelledFlag
  }

  /// Marks the transfer cancelled and wakes libcurl out of `curl_multi_poll`.
  func cancel() {
    lock.lock()
    defer { lock.unlock() }
    cancelledFlag = true
    if let multi { curl_multi_wakeup(multi) }
  }

  /// Publishes the multi handle for `cancel()`; nil before it is cleaned up.
  func setMulti(_ handle: UnsafeMutableRawPointer?) {
    lock.lock()
    defer { lock.unlock() }
    multi = handle
  }

  /// Called from the header callback with one header line of an answer.
  func receiveHeader(_ line: String) {
    // A redirect or a 100 Continue is followed by another answer: keep only the last one's headers.
    if line.hasPrefix("HTTP/") {
      headers = [:]
      return
    }
    guard let colon = line.firstIndex(of: ":") else { return }
    let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
    headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// Called from the write callback with freshly arrived body bytes; false aborts the transfer.
  func receive(_ bytes: UnsafeRawBufferPointer, at now: UInt64) -> Bool {
    lastDataNanos = now
    if status == nil, let easy {
      var code = 0
      if strata_curl_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK { status = code }
    }
    let success = (200..<300).contains(status ?? 0)
    switch mode {
    case .serverSentEvents(let onEvent) where success:
      for event in parser.feed(bytes) {
        onEvent(SSEEvent(data: event.data, event: event.event, receivedAtNanos: now))
      }
    case .sink(let write) where success:
      return write(status ?? 0, bytes)
    case .serverSentEvents, .sink:
      if body.count < Self.errorBodyLimit { body.append(contentsOf: bytes.prefix(Self.errorBodyLimit)) }
    case .collect:
      body.append(contentsOf: bytes)
    }
    return true
  }

  /// Flushes the SSE parser at end of stream (same thread, same order as the rest).
  func finishStream() {
    guard case .serverSentEvents(let onEvent) = mode, (200..<300).contains(status ?? 0) else { return }
    for event in parser.finish() {
      onEvent(SSEEvent(data: event.data, event: event.event, receivedAtNanos: lastDataNanos))
    }
  }
}

/// libcurl CURLOPT_WRITEFUNCTION: stamps the arrival time first, then hands the bytes on.
private func curlWrite(
  _ pointer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ userdata: UnsafeMutableRawPointer?
) -> Int {
  let now = MonotonicClock.nanoseconds()
  let length = size * count
  guard let userdata, let pointer, length > 0 else { return length }
  let state = Unmanaged<TransferState>.fromOpaque(userdata).takeUnretainedValue()
  // Anything but `length` makes libcurl stop with CURLE_WRITE_ERROR.
  return state.receive(UnsafeRawBufferPointer(start: pointer, count: length), at: now) ? length : 0
}

/// libcurl CURLOPT_HEADERFUNCTION: one header line (status lines included) per call.
private func curlHeader(
  _ pointer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ userdata: UnsafeMutableRawPointer?
) -> Int {
  let length = size * count
  guard let userdata, let pointer, length > 0 else { return length }
  let state = Unmanaged<TransferState>.fromOpaque(userdata).takeUnretainedValue()
  let bytes = UnsafeRawBufferPointer(start: pointer, count: length)
  state.receiveHeader(String(decoding: bytes, as: UTF8.self))
  return length
}

/// libcurl CURLOPT_XFERINFOFUNCTION: a non-zero return aborts with CURLE_ABORTED_BY_CALLBACK.
private func curlProgress(
  _ userdata: UnsafeMutableRawPointer?, _: curl_off_t, _: curl_off_t, _: curl_off_t, _: curl_off_t
) -> Int32 {
  guard let userdata else { return 0 }
  let state = Unmanaged<TransferState>.fromOpaque(userdata).takeUnretainedValue()
  if state.isCancelled { return 1 }
  // libcurl calls this about once a second even while nothing arrives, so a hung
  // server (SIGSTOP, a wedged GPU) is noticed within a second of the limit.
  if state.stallNanos > 0, MonotonicClock.nanoseconds() &- state.lastDataNanos > state.stallNanos {
    state.stalled = true
    return 1
  }
  return 0
}

/// Runs one transfer to completion on the calling (dedicated) thread.
///
/// Drives the easy handle through a private multi handle so that `cancel()` can wake
/// `curl_multi_poll` at once via `curl_multi_wakeup`; while bytes flow, the progress
/// callback aborts the transfer as soon as the flag is set.
func performTransfer(_ request: TransferRequest, state: TransferState) -> Result<TransferOutcome, HTTPClientError> {
  let url = request.url
  guard let easy = curl_easy_init() else {
    return .failure(.transport(url: url, code: -1, message: "curl_easy_init failed"))
  }
  defer { curl_easy_cleanup(easy) }
  state.easy = easy
  defer { state.easy = nil }

  let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
  errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
  defer { errorBuffer.deallocate() }

  var headerList: UnsafeMutablePointer<curl_slist>?
  defer { curl_slist_free_all(headerList) }
  for (name, value) in request.headers.sorted(by: { $0.key < $1.key }) {
    // "Name;" sends an empty header, "Name:" removes one curl would add by itself.
    headerList = curl_slist_append(headerList, value.isEmpty ? "\(name):" : "\(name): \(value)")
  }

  let opaqueState = Unmanaged.passUnretained(state).toOpaque()
  _ = strata_curl_setopt_string(easy, CURLOPT_URL, url)
  _ = strata_curl_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
  _ = strata_curl_setopt_long(easy, CURLOPT_TIMEOUT_MS, milliseconds(request.timeoutSeconds))
  _ = strata_curl_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, milliseconds(request.connectTimeoutSeconds))
  _ = strata_curl_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer)
  _ = strata_curl_setopt_write_function(easy, curlWrite)
  _ = strata_curl_setopt_pointer(easy, CURLOPT_WRITEDATA, opaqueState)
  _ = strata_curl_setopt_header_function(easy, curlHeader)
  _ = strata_curl_setopt_pointer(easy, CURLOPT_HEADERDATA, opaqueState)
  if request.followRedirects {
    // libcurl drops an Authorization header on a redirect to another host (the Hub's CDN).
    _ = strata_curl_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 1)
    _ = strata_curl_setopt_long(easy, CURLOPT_MAXREDIRS, 10)
  }
  _ = strata_curl_setopt_long(easy, CURLOPT_NOPROGRESS, 0)
  _ = strata_curl_setopt_xferinfo_function(easy, curlProgress)
  _ = strata_curl_setopt_pointer(easy, CURLOPT_XFERINFODATA, opaqueState)
  _ = strata_curl_setopt_slist(easy, CURLOPT_HTTPHEADER, headerList)
  if let body = request.postBody {
    _ = strata_curl_setopt_long(easy, CURLOPT_POST, 1)
    _ = strata_curl_setopt_long(easy, CURLOPT_POSTFIELDSIZE, body.count)
    // COPYPOSTFIELDS copies the bytes, so the buffer need not outlive this call. A NULL
    // pointer would make curl read the body from stdin, hence "" for an empty body.
    if body.isEmpty {
      _ = strata_curl_setopt_string(easy, CURLOPT_COPYPOSTFIELDS, "")
    } else {
      _ = body.withUnsafeBytes { raw in
        strata_curl_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress))
      }
    }
  }

  guard let multi = curl_multi_init() else {
    return .failure(.transport(url: url, code: -1, message: "curl_multi_init failed"))
  }
  defer { curl_multi_cleanup(multi) }
  _ = curl_multi_add_handle(multi, easy)
  defer { _ = curl_multi_remove_handle(multi, easy) }
  state.setMulti(multi)
  defer { state.setMulti(nil) }  // runs before the handle cleanups above

  let start = MonotonicClock.nanoseconds()
  state.lastDataNanos = start
  if request.stallSeconds > 0, request.stallSeconds.isFinite {
    state.stallNanos = UInt64(min(request.stallSeconds, 1e9) * 1e9)
  }
  var running: Int32 = 1
  while !state.isCancelled {
    let code = curl_multi_perform(multi, &running)
    guard code == CURLM_OK else {
      let message = String(cString: curl_multi_strerror(code))
      return .failure(.transport(url: url, code: Int32(truncatingIfNeeded: code.rawValue), message: message))
    }
    if running == 0 { break }
    var ready: Int32 = 0
    _ = curl_multi_poll(multi, nil, 0, 1000, &ready)
  }
  let finished = MonotonicClock.nanoseconds()
  if state.isCancelled { return .failure(.cancelled(url: url)) }

  var result = CURLE_OK
  var left: Int32 = 0
  while let message = curl_multi_info_read(multi, &left) {
    if message.pointee.msg == CURLMSG_DONE { result = message.pointee.data.result }
  }
  switch result {
  case CURLE_OK:
    break
  case CURLE_OPERATION_TIMEDOUT:
    return .failure(.timedOut(url: url, seconds: Double(finished &- start) / 1e9))
  case CURLE_ABORTED_BY_CALLBACK where state.stalled:
    return .failure(.stalled(url: url, seconds: request.stallSeconds))
  case CURLE_ABORTED_BY_CALLBACK:
    return .failure(.cancelled(url: url))
  default:
    var message = String(cString: errorBuffer)
    if message.isEmpty { message = String(cString: curl_easy_strerror(result)) }
    return .failure(.transport(url: url, code: Int32(truncatingIfNeeded: result.rawValue), message: message))
  }
  var status = 0
  _ = strata_curl_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
  state.status = status
  state.finishStream()
  return .success(
    TransferOutcome(
      status: status, body: state.body, headers: state.headers, startNanos: start, finishedNanos: finished))
}

/// Seconds to libcurl's whole milliseconds; 0 (curl's "no limit") for non-positive input.
private func milliseconds(_ seconds: Double) -> Int {
  guard seconds > 0, seconds.isFinite else { return 0 }
  return Int(min((seconds * 1000).rounded(.up), Double(Int32.max)))
}
