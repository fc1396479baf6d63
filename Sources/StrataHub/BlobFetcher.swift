import Foundation
import StrataClient
import StrataConfig

#if canImport(Glibc)
  import Glibc
#endif

/// How often and how patiently a failed request is tried again.
public struct RetryPolicy: Sendable {
  /// Attempts per file, the first included.
  public var attempts: Int
  /// The wait before attempt n+1 is `baseDelay * 2^(n-1)`, capped at `maxDelay` (and a 429's Retry-After wins).
  public var baseDelay: Double
  public var maxDelay: Double
  /// Waits that many seconds; tests pass one that does not.
  public var sleep: @Sendable (Double) async -> Void

  public init(
    attempts: Int = 6, baseDelay: Double = 1, maxDelay: Double = 60,
    sleep: @escaping @Sendable (Double) async -> Void = { seconds in
      try? await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1e9))
    }
  ) {
    self.attempts = max(1, attempts)
    self.baseDelay = baseDelay
    self.maxDelay = maxDelay
    self.sleep = sleep
  }

  func delay(afterAttempt attempt: Int, retryAfter: String?) -> Double {
    if let retryAfter, let seconds = Double(retryAfter.trimmingCharacters(in: .whitespaces)) {
      return min(max(0, seconds), maxDelay)
    }
    return min(baseDelay * pow(2, Double(attempt - 1)), maxDelay)
  }
}

/// What a pull reports as it goes.
public enum PullEvent: Sendable {
  /// `received` of `total` bytes of `file` are on disk (throttled to a few per second).
  case progress(file: String, received: Int, total: Int)
  /// Something worth a line: a retry, a resume, a checksum mismatch.
  case note(String)
}

/// Fetches one file into the cache's `blobs/`: into `<digest>.incomplete`, resumed with
/// HTTP Range after a cut, checked against the Hub's digest, then renamed into place.
/// A blob already there (from an earlier pull, huggingface-cli or llama.cpp) is reused.
struct BlobFetcher: Sendable {
  var endpoint: HubEndpoint
  var cache: HubCache
  var client: HTTPClient
  var retry: RetryPolicy
  var onEvent: @Sendable (PullEvent) -> Void

  /// Bytes transferred for the file (0 when its blob was already there).
  func fetch(_ file: HubFile, repo: String, commit: String) async throws(HubError) -> Int {
    let blob = cache.blobPath(repo: repo, digest: file.digest)
    if FileSystem.size(of: blob) == file.byteCount { return 0 }
    try FileSystem.createDirectory((blob as NSString).deletingLastPathComponent)
    let lock = try await DownloadLock.acquire(
      cache.lockPath(repo: repo, digest: file.digest),
      onWait: { onEvent(.note("\(file.path): another download of it is running; waiting for it")) })
    defer { lock.release() }
    // The holder we waited for may have finished it.
    if FileSystem.size(of: blob) == file.byteCount { return 0 }

    let partial = blob + ".incomplete"
    let url = endpoint.fileURL(repo: repo, commit: commit, path: file.path)
    var transferred = 0
    var mismatches = 0
    var lastFailure = ""
    var attempt = 0
    while attempt < retry.attempts {
      attempt += 1
      var have = FileSystem.size(of: partial) ?? 0
      if have > file.byteCount {
        FileSystem.remove(partial)
        have = 0
      }
      if have < file.byteCount {
        if have > 0 {
          onEvent(.note("\(file.path): resuming at \(ByteCount.text(have)) of \(ByteCount.text(file.byteCount))"))
        }
        let result = try await transfer(url: url, to: partial, from: have, file: file, repo: repo)
        transferred += result.bytes
        switch result.ending {
        case .complete:
          break
        case .retry(let reason, let retryAfter, let status):
          guard attempt < retry.attempts else {
            if let status { throw .throttled(url: url, status: status, retryAfter: retryAfter, attempts: attempt) }
            throw .unreachable(url: url, attempts: attempt, last: reason)
          }
          let wait = retry.delay(afterAttempt: attempt, retryAfter: retryAfter)
          onEvent(.note("\(file.path): \(reason); trying again in \(String(format: "%.0f", wait)) s"))
          await retry.sleep(wait)
          continue
        }
      }
      guard FileSystem.size(of: partial) == file.byteCount else {
        // A short answer with no error (no Content-Length, an empty 200): back off as for any failure.
        lastFailure =
          "the transfer ended at \(ByteCount.text(FileSystem.size(of: partial) ?? 0)) of \(ByteCount.text(file.byteCount))"
        if attempt < retry.attempts {
          let wait = retry.delay(afterAttempt: attempt, retryAfter: nil)
          onEvent(.note("\(file.path): \(lastFailure); trying again in \(String(format: "%.0f", wait)) s"))
          await retry.sleep(wait)
        }
        continue
      }
      let actual = file.lfs != nil ? try FileDigest.sha256(of: partial) : try FileDigest.gitBlobID(of: partial)
      guard actual == file.digest else {
        mismatches += 1
        FileSystem.remove(partial)
        lastFailure = "checksum mismatch"
        onEvent(
          .note(
            "\(file.path): the bytes do not match the Hub's digest (\(actual.prefix(12))… ≠ \(file.digest.prefix(12))…); fetching it again"
          ))
        if mismatches >= 2 {
          throw .checksumMismatch(file: file.path, expected: file.digest, actual: actual, attempts: mismatches)
        }
        continue
      }
      try FileSystem.rename(partial, to: blob)
      return transferred
    }
    throw .unreachable(url: url, attempts: attempt, last: lastFailure)
  }

  /// A failed attempt in a few words: the URL is the file's, and the fix is to wait.
  private static func reason(_ error: HTTPClientError) -> String {
    switch error {
    case .transport(_, let code, let message): return "\(message) (curl error \(code))"
    case .stalled(_, let seconds): return "nothing arrived for \(Int(seconds)) s"
    case .timedOut(_, let seconds): return "timed out after \(Int(seconds)) s"
    default: return error.description
    }
  }

  private enum Ending {
    case complete
    /// `status`: the 429 or 5xx that asked for the retry, if one did.
    case retry(String, retryAfter: String?, status: Int? = nil)
  }

  /// One request for the bytes from `offset` on, appended to `path`.
  private func transfer(url: String, to path: String, from offset: Int, file: HubFile, repo: String)
    async throws(HubError)
    -> (bytes: Int, ending: Ending)
  {
    let fd = open(path, O_WRONLY | O_CREAT, 0o644)
    guard fd >= 0 else { throw .io(path: path, message: "cannot open it: \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    let sink = FileSink(fd: fd, offset: offset, total: file.byteCount, file: file.path, onEvent: onEvent)
    var headers = endpoint.headers
    if offset > 0 { headers["Range"] = "bytes=\(offset)-" }
    let outcome: DownloadOutcome
    do {
      outcome = try await client.download(url, headers: headers) { status, bytes in sink.write(status, bytes) }
    } catch {
      if sink.overflowed {
        // More bytes than the Hub lists: a wrong file or an endless answer, not a prefix to keep.
        FileSystem.remove(path)
        return (
          sink.written, .retry("the server sent more than the \(file.byteCount) bytes the Hub lists", retryAfter: nil)
        )
      }
      if let failure = sink.failure { throw .io(path: path, message: failure) }
      if case .cancelled = error { throw .cancelled }
      return (sink.written, .retry(Self.reason(error), retryAfter: nil))
    }
    sink.finish()
    switch outcome.status {
    case 200, 206:
      return (sink.written, .complete)
    case 416:
      // The partial file is not a prefix the server agrees with: start over.
      FileSystem.remove(path)
      return (0, .retry("the server refused the resume offset (HTTP 416)", retryAfter: nil))
    case 401, 403:
      throw .unauthorized(repo: repo, status: outcome.status, tokenSent: endpoint.token != nil)
    case 404:
      throw .notFound(repo: url, what: "file \(file.path)")
    case 429, 500..<600:
      return (0, .retry("HTTP \(outcome.status)", retryAfter: outcome.headers["retry-after"], status: outcome.status))
    default:
      throw .unreachable(url: url, attempts: 1, last: "HTTP \(outcome.status): \(outcome.errorBody)")
    }
  }
}

/// Writes a download's bytes at the right offset, from libcurl's transfer thread.
///
/// `@unchecked Sendable`: every mutable field is touched only by the transfer thread
/// while the transfer runs, and read by the awaiting task after it (the continuation's
/// resume orders those accesses).
private final class FileSink: @unchecked Sendable {
  let fd: Int32
  let total: Int
  let file: String
  let onEvent: @Sendable (PullEvent) -> Void
  var position: Int
  var written = 0
  var failure: String?
  /// The answer ran past `total`: the transfer was aborted.
  var overflowed = false
  var restarted = false
  var lastReport: UInt64 = 0

  init(fd: Int32, offset: Int, total: Int, file: String, onEvent: @escaping @Sendable (PullEvent) -> Void) {
    self.fd = fd
    self.position = offset
    self.total = total
    self.file = file
    self.onEvent = onEvent
  }

  func write(_ status: Int, _ bytes: UnsafeRawBufferPointer) -> Bool {
    // A 200 to a Range request is the whole file again: start the partial file over.
    if status == 200, position > 0, !restarted, written == 0 {
      guard ftruncate(fd, 0) == 0 else { return fail("cannot truncate it") }
      position = 0
    }
    restarted = true
    guard let base = bytes.baseAddress else { return true }
    guard position + bytes.count <= total else {
      overflowed = true
      return false
    }
    var offset = 0
    while offset < bytes.count {
      let count = pwrite(fd, base + offset, bytes.count - offset, off_t(position))
      guard count > 0 else { return fail("write failed: \(String(cString: strerror(errno)))") }
      offset += count
      position += count
      written += count
    }
    let now = MonotonicClock.nanoseconds()
    if now &- lastReport > 250_000_000 {
      lastReport = now
      onEvent(.progress(file: file, received: position, total: total))
    }
    return true
  }

  func finish() {
    onEvent(.progress(file: file, received: position, total: total))
  }

  private func fail(_ message: String) -> Bool {
    failure = message
    return false
  }
}
