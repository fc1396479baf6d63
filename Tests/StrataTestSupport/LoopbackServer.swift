import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A tiny HTTP/1.1 server on 127.0.0.1 for tests, written on POSIX sockets.
///
/// Accepts on its own Thread and serves each connection on another Thread, so a handler
/// may sleep (the cancellation test's handler sleeps 10 s) without blocking others.
/// One request per connection; the handler writes the whole answer and the server closes.
public final class LoopbackServer: Sendable {
  public struct Request: Sendable {
    public var method: String
    public var path: String
    public var headers: [String: String]
    public var body: [UInt8]
  }

  /// One accepted connection, with helpers to write an answer.
  public struct Connection: Sendable {
    public let fd: Int32

    /// Writes all bytes; returns false once the peer has gone away.
    @discardableResult
    public func write(_ bytes: [UInt8]) -> Bool {
      var offset = 0
      while offset < bytes.count {
        let written = bytes[offset...].withUnsafeBytes { raw in
          send(fd, raw.baseAddress, raw.count, Int32(0))
        }
        if written <= 0 { return false }
        offset += written
      }
      return true
    }

    @discardableResult
    public func write(_ text: String) -> Bool { write(Array(text.utf8)) }

    /// A complete answer with Content-Length.
    public func respond(status: Int, reason: String, body: String, contentType: String = "application/json") {
      write(
        "HTTP/1.1 \(status) \(reason)\r\nContent-Type: \(contentType)\r\n"
          + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)")
    }

    /// Starts a chunked answer; follow with `chunk` calls and `endChunks`.
    public func startChunked(status: Int = 200, contentType: String = "text/event-stream") {
      write(
        "HTTP/1.1 \(status) OK\r\nContent-Type: \(contentType)\r\nTransfer-Encoding: chunked\r\n"
          + "Connection: close\r\n\r\n")
    }

    /// One HTTP chunk (one `send`).
    @discardableResult
    public func chunk(_ text: String) -> Bool {
      let payload = Array(text.utf8)
      return write(Array((String(payload.count, radix: 16) + "\r\n").utf8) + payload + Array("\r\n".utf8))
    }

    public func endChunks() { write("0\r\n\r\n") }
  }

  public let port: UInt16
  private let stopFlag = StopFlag()

  public init(handler: @escaping @Sendable (Request, Connection) -> Void) throws {
    signal(SIGPIPE, SIG_IGN)  // a client that hangs up must not kill the test process
    let (fd, port) = try bindLoopback()
    guard listen(fd, 16) == 0 else {
      close(fd)
      throw POSIXError(.EADDRINUSE)
    }
    self.port = port
    let stopFlag = self.stopFlag
    // The accept thread alone closes the listener, after it has seen the stop flag: a
    // descriptor closed under a thread about to call accept() could be reused by another
    // test's socket and have its connections stolen.
    let accepting = Thread {
      defer { close(fd) }
      while !stopFlag.isSet {
        var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&ready, 1, 50) > 0 else { continue }
        let client = accept(fd, nil, nil)
        if client < 0 { continue }
        let serving = Thread {
          defer { close(client) }
          guard let request = readRequest(client) else { return }
          handler(request, Connection(fd: client))
        }
        serving.start()
      }
    }
    accepting.start()
  }

  public var baseURL: String { "http://127.0.0.1:\(port)" }

  /// Stops accepting; the listener closes within about 50 ms.
  public func stop() { stopFlag.set() }

  /// A port on 127.0.0.1 that nothing listens on (bound, read back, closed).
  public static func unusedPort() -> UInt16 {
    guard let bound = try? bindLoopback() else { return 1 }
    close(bound.0)
    return bound.1
  }
}

/// A TCP socket bound to 127.0.0.1 on a port the kernel picks, and that port.
private func bindLoopback() throws -> (Int32, UInt16) {
  #if canImport(Glibc)
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
  #else
    let fd = socket(AF_INET, SOCK_STREAM, 0)
  #endif
  guard fd >= 0 else { throw POSIXError(.EIO) }
  var address = loopbackAddress(port: 0)
  let bound = withUnsafePointer(to: &address) {
    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
  }
  var length = socklen_t(MemoryLayout<sockaddr_in>.size)
  let named = withUnsafeMutablePointer(to: &address) {
    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
  }
  guard bound == 0, named == 0 else {
    close(fd)
    throw POSIXError(.EADDRINUSE)
  }
  return (fd, UInt16(bigEndian: address.sin_port))
}

private func loopbackAddress(port: UInt16) -> sockaddr_in {
  var address = sockaddr_in()
  #if canImport(Darwin)
    address.sin_len = UInt8(MemoryLayout<sockaddr_in>.size)
  #endif
  address.sin_family = sa_family_t(AF_INET)
  address.sin_port = port.bigEndian
  address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
  return address
}

/// Reads the request head and a Content-Length body (no chunked request bodies).
private func readRequest(_ fd: Int32) -> LoopbackServer.Request? {
  var buffer: [UInt8] = []
  var scratch = [UInt8](repeating: 0, count: 4096)
  let separator: [UInt8] = Array("\r\n\r\n".utf8)
  func receiveMore() -> Bool {
    let count = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
    if count <= 0 { return false }
    buffer.append(contentsOf: scratch[0..<count])
    return true
  }
  var headEnd: Int?
  while headEnd == nil {
    guard receiveMore() else { return nil }
    headEnd = buffer.firstRange(of: separator)?.upperBound
  }
  guard let headEnd else { return nil }
  let head = String(decoding: buffer[..<headEnd], as: UTF8.self)
  var lines = head.components(separatedBy: "\r\n")
  let requestLine = lines.removeFirst().split(separator: " ")
  guard requestLine.count >= 2 else { return nil }
  var headers: [String: String] = [:]
  for line in lines {
    guard let colon = line.firstIndex(of: ":") else { continue }
    headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
  }
  let length = Int(headers["content-length"] ?? "0") ?? 0
  while buffer.count - headEnd < length {
    guard receiveMore() else { return nil }
  }
  return LoopbackServer.Request(
    method: String(requestLine[0]), path: String(requestLine[1]), headers: headers,
    body: Array(buffer[headEnd..<(headEnd + length)]))
}

private final class StopFlag: Sendable {
  private let value = Mutex(false)
  var isSet: Bool { value.withLock { $0 } }
  func set() { value.withLock { $0 = true } }
}
