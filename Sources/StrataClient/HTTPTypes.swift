import Foundation

/// A complete HTTP answer: status code and raw body bytes.
public struct HTTPResponse: Sendable {
  /// HTTP status code, e.g. 200 or 503.
  public var status: Int
  /// The body exactly as received (after transfer-decoding).
  public var body: [UInt8]
  /// The answer's headers, names lower-cased.
  public var headers: [String: String]

  /// Creates a response from its parts.
  public init(status: Int, body: [UInt8], headers: [String: String] = [:]) {
    self.status = status
    self.body = body
    self.headers = headers
  }

  /// The body decoded as UTF-8 (invalid sequences replaced with U+FFFD).
  public var text: String { String(decoding: body, as: UTF8.self) }

  /// Whether `status` is in 200...299.
  public var isSuccess: Bool { (200..<300).contains(status) }
}

/// Why an HTTP call failed. Every case names the URL so messages stand on their own.
public enum HTTPClientError: Error, Sendable, CustomStringConvertible {
  /// libcurl failed before a full answer arrived (connection refused, reset, DNS…);
  /// `code` is the CURLcode, `message` curl's own error text.
  case transport(url: String, code: Int32, message: String)
  /// The server answered with a non-2xx status; `body` is truncated to 500 characters.
  case status(url: String, status: Int, body: String)
  /// The calling Task was cancelled and the transfer was aborted.
  case cancelled(url: String)
  /// The transfer exceeded its time limit; `seconds` is the time actually spent.
  case timedOut(url: String, seconds: Double)
  /// The answer arrived but could not be decoded as expected.
  case decoding(url: String, message: String)
  /// No byte arrived for `seconds` mid-answer: the server stopped answering.
  case stalled(url: String, seconds: Double)

  /// A one-line, human-readable explanation that says what to check.
  public var description: String {
    switch self {
    case .transport(let url, let code, let message):
      return "could not reach \(url): \(message) (curl error \(code)); "
        + "check that the server is running and listening on that host and port"
    case .status(let url, let status, let body):
      return "\(url) answered HTTP \(status): \(body)"
    case .cancelled(let url):
      return "request to \(url) was cancelled"
    case .timedOut(let url, let seconds):
      return "request to \(url) timed out after \(String(format: "%.2f", seconds)) s"
    case .decoding(let url, let message):
      return "could not decode the answer from \(url): \(message)"
    case .stalled(let url, let seconds):
      return "\(url) sent nothing for \(String(format: "%.0f", seconds)) s mid-answer: the server stopped answering "
        + "(hung, stopped or swapping); raise --stall-timeout if this backend is that slow"
    }
  }

  /// Keeps at most `limit` characters of a body for error messages.
  static func truncate(_ bytes: [UInt8], limit: Int = 500) -> String {
    let text = String(decoding: bytes, as: UTF8.self)
    return text.count <= limit ? text : String(text.prefix(limit)) + "…"
  }
}

/// How a download ended when the transport did not fail.
public struct DownloadOutcome: Sendable {
  /// The final status (after redirects).
  public var status: Int
  /// The final answer's headers, names lower-cased.
  public var headers: [String: String]
  /// A non-2xx answer's body, truncated to 500 characters; empty on success.
  public var errorBody: String

  public init(status: Int, headers: [String: String], errorBody: String) {
    self.status = status
    self.headers = headers
    self.errorBody = errorBody
  }
}

/// One Server-Sent Event as delivered by ``HTTPClient/streamSSE(_:body:headers:onEvent:)``.
public struct SSEEvent: Sendable {
  /// The event's data: its `data:` lines joined with "\n".
  public var data: String
  /// The `event:` field, nil when absent or empty.
  public var event: String?
  /// CLOCK_MONOTONIC nanoseconds at which the bytes completing this event arrived, read
  /// inside libcurl's write callback (see ``MonotonicClock``).
  public var receivedAtNanos: UInt64

  /// Creates an event from its parts.
  public init(data: String, event: String? = nil, receivedAtNanos: UInt64) {
    self.data = data
    self.event = event
    self.receivedAtNanos = receivedAtNanos
  }
}

/// Timing and status of a finished SSE transfer (monotonic nanoseconds).
public struct StreamSummary: Sendable {
  /// When the request was handed to libcurl.
  public var requestStartNanos: UInt64
  /// When libcurl reported the transfer complete.
  public var finishedNanos: UInt64
  /// The HTTP status of the answer (always 2xx: other statuses throw).
  public var status: Int

  /// Creates a summary from its parts.
  public init(requestStartNanos: UInt64, finishedNanos: UInt64, status: Int) {
    self.requestStartNanos = requestStartNanos
    self.finishedNanos = finishedNanos
    self.status = status
  }
}
