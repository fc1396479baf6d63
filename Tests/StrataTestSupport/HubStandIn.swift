import Foundation
import Synchronization

/// A stand-in for the Hugging Face Hub (the real one cannot be reached from these
/// machines), on a `LoopbackServer`. It answers the calls `strata models pull` makes the
/// way huggingface.co does: `/api/models/<repo>/revision/<rev>` with the commit `sha`,
/// `/api/models/<repo>/tree/<commit>?recursive=true` with `lfs.oid` (SHA-256) and sizes,
/// and `/<repo>/resolve/<commit>/<path>` as a 302 to a CDN path that honours `Range`.
///
/// It misbehaves on request, once each: cuts the connection halfway through a file,
/// flips one byte of a file, answers 429 to an API call. It can page the tree listing
/// (`Link: <…>; rel="next"`, as the Hub does for long trees) and list an entry of its
/// own, raw, as a hostile mirror might. Its CDN answers under `localhost`, another host
/// name than the API's `127.0.0.1`, so a redirect there crosses hosts as the Hub's does.
public final class HubStandIn: Sendable {
  public struct File: Sendable {
    public var path: String
    /// Where the bytes are read from.
    public var source: String
    public var size: Int
    /// Computed with coreutils' sha256sum, independently of the code under test.
    public var sha256: String
  }

  public struct Faults: Sendable {
    /// The first full transfer of this file stops after half its bytes.
    public var cutOnce: String?
    /// The first transfer of this file that reaches its middle has that byte flipped.
    public var corruptOnce: String?
    /// The first API call answers 429 with Retry-After: 0.
    public var throttleOnce = false
    public init(cutOnce: String? = nil, corruptOnce: String? = nil, throttleOnce: Bool = false) {
      self.cutOnce = cutOnce
      self.corruptOnce = corruptOnce
      self.throttleOnce = throttleOnce
    }
  }

  /// What the stand-in saw: each request and the body bytes it sent.
  public struct Log: Sendable {
    public var requests: [(path: String, range: String?, authorization: String?)] = []
    public var bodyBytes = 0
    public var cuts = 0
    public var corruptions = 0
    public var throttles = 0
  }

  public let repo: String
  public let commit: String
  public let files: [File]
  /// A token the stand-in demands (401 without it), like a gated repository.
  public let requiredToken: String?
  /// Tree entries per page; nil lists them all at once.
  public let treePageSize: Int?
  /// A raw JSON tree entry listed after the real ones.
  public let extraTreeEntry: String?
  private let state: Mutex<(faults: Faults, log: Log)>
  private let server: Mutex<LoopbackServer?> = Mutex(nil)

  public init(
    repo: String, files: [(path: String, source: String)], commit: String = String(repeating: "a1b2c3d4", count: 5),
    faults: Faults = Faults(), requiredToken: String? = nil, treePageSize: Int? = nil, extraTreeEntry: String? = nil
  ) throws {
    self.treePageSize = treePageSize
    self.extraTreeEntry = extraTreeEntry
    self.repo = repo
    self.commit = commit
    self.requiredToken = requiredToken
    self.files = try files.map { entry in
      let size = try FileManager.default.attributesOfItem(atPath: entry.source)[.size] as? Int ?? 0
      return File(path: entry.path, source: entry.source, size: size, sha256: try Self.sha256sum(entry.source))
    }
    self.state = Mutex((faults, Log()))
    let hub = self
    let loopback = try LoopbackServer { request, connection in hub.answer(request, connection) }
    server.withLock { $0 = loopback }
  }

  public var baseURL: String { server.withLock { $0?.baseURL ?? "" } }
  /// The CDN's host: the same server under another name.
  var cdnBase: String { baseURL.replacingOccurrences(of: "127.0.0.1", with: "localhost") }
  public var log: Log { state.withLock { $0.log } }
  public func stop() { server.withLock { $0?.stop() } }

  private func answer(_ request: LoopbackServer.Request, _ connection: LoopbackServer.Connection) {
    let authorization = request.headers["authorization"]
    state.withLock { $0.log.requests.append((request.path, request.headers["range"], authorization)) }
    if request.path.hasPrefix("/cdn/") {
      serveBlob(String(request.path.dropFirst("/cdn/".count)), range: request.headers["range"], connection)
      return
    }
    if let requiredToken, authorization != "Bearer \(requiredToken)" {
      connection.respond(status: 401, reason: "Unauthorized", body: #"{"error":"Access to this model is restricted"}"#)
      return
    }
    let api = "/api/models/\(repo)/"
    if request.path.hasPrefix(api) {
      let throttle = state.withLock { state -> Bool in
        guard state.faults.throttleOnce else { return false }
        state.faults.throttleOnce = false
        state.log.throttles += 1
        return true
      }
      if throttle {
        connection.write(
          "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 0\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        return
      }
      let rest = String(request.path.dropFirst(api.count))
      if rest == "revision/main" || rest == "revision/\(commit)" {
        let siblings = files.map { #"{"rfilename":"\#($0.path)"}"# }.joined(separator: ",")
        connection.respond(
          status: 200, reason: "OK",
          body: #"{"id":"\#(repo)","sha":"\#(commit)","private":false,"siblings":[\#(siblings)]}"#)
      } else if rest.hasPrefix("tree/\(commit)") {
        let entries =
          files.map { file in
            #"{"type":"file","oid":"\#(String(file.sha256.prefix(40)))","size":\#(file.size),"path":"\#(file.path)","lfs":{"oid":"\#(file.sha256)","size":\#(file.size),"pointerSize":134}}"#
          } + (extraTreeEntry.map { [$0] } ?? [])
        let start = rest.split(separator: "cursor=").dropFirst().first.flatMap { Int($0) } ?? 0
        let size = treePageSize ?? entries.count
        let page = entries[min(start, entries.count)..<min(start + size, entries.count)]
        let body = "[" + page.joined(separator: ",") + "]"
        var head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
        if start + size < entries.count {
          head += "Link: </api/models/\(repo)/tree/\(commit)?recursive=true&cursor=\(start + size)>; rel=\"next\"\r\n"
        }
        connection.write(head + "Connection: close\r\n\r\n" + body)
      } else {
        connection.respond(status: 404, reason: "Not Found", body: #"{"error":"Revision Not Found"}"#)
      }
      return
    }
    let resolve = "/\(repo)/resolve/\(commit)/"
    if request.path.hasPrefix(resolve),
      let file = files.first(where: { $0.path == String(request.path.dropFirst(resolve.count)) })
    {
      connection.write(
        "HTTP/1.1 302 Found\r\nLocation: \(cdnBase)/cdn/\(file.sha256)\r\nX-Linked-Size: \(file.size)\r\n"
          + "X-Linked-Etag: \"\(file.sha256)\"\r\nX-Repo-Commit: \(commit)\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
      )
      return
    }
    connection.respond(status: 404, reason: "Not Found", body: #"{"error":"Entry not found"}"#)
  }

  private func serveBlob(_ digest: String, range: String?, _ connection: LoopbackServer.Connection) {
    guard let file = files.first(where: { $0.sha256 == digest }), let handle = FileHandle(forReadingAtPath: file.source)
    else {
      connection.respond(status: 404, reason: "Not Found", body: "{}")
      return
    }
    defer { try? handle.close() }
    var start = 0
    if let range, range.hasPrefix("bytes="), let value = Int(range.dropFirst(6).split(separator: "-").first ?? "") {
      start = value
    }
    guard start < file.size else {
      connection.write(
        "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */\(file.size)\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
      )
      return
    }
    let middle = file.size / 2
    let (cut, corrupt) = state.withLock { state -> (Bool, Bool) in
      var cut = false
      var corrupt = false
      if state.faults.cutOnce == file.path, start == 0 {
        state.faults.cutOnce = nil
        state.log.cuts += 1
        cut = true
      } else if state.faults.corruptOnce == file.path, start <= middle {
        state.faults.corruptOnce = nil
        state.log.corruptions += 1
        corrupt = true
      }
      return (cut, corrupt)
    }
    let status = start > 0 ? "206 Partial Content" : "200 OK"
    var head = "HTTP/1.1 \(status)\r\nContent-Length: \(file.size - start)\r\nAccept-Ranges: bytes\r\n"
    if start > 0 { head += "Content-Range: bytes \(start)-\(file.size - 1)/\(file.size)\r\n" }
    guard connection.write(head + "Connection: close\r\n\r\n") else { return }
    handle.seek(toFileOffset: UInt64(start))
    var position = start
    while position < file.size {
      let limit = cut ? min(1 << 20, middle - position) : 1 << 20
      if limit <= 0 { return }  // the cut: close with half the promised bytes sent
      guard var chunk = try? handle.read(upToCount: limit).map(Array.init), !chunk.isEmpty else { return }
      if corrupt, (position..<(position + chunk.count)).contains(middle) { chunk[middle - position] ^= 0xFF }
      guard connection.write(chunk) else { return }
      state.withLock { $0.log.bodyBytes += chunk.count }
      position += chunk.count
    }
  }

  private static func sha256sum(_ path: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
    process.arguments = [path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(String(decoding: output, as: UTF8.self).prefix(64))
  }
}
