import Foundation
import StrataClient

/// Where the Hub is and who is asking: `HF_ENDPOINT` (default https://huggingface.co)
/// and `HF_TOKEN` (else the token file `huggingface-cli login` writes).
public struct HubEndpoint: Sendable, Equatable {
  public var baseURL: String
  public var token: String?
  /// `HF_HUB_OFFLINE=1`: use the cache only.
  public var offline: Bool

  public init(baseURL: String = "https://huggingface.co", token: String? = nil, offline: Bool = false) {
    self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
    self.token = token
    self.offline = offline
  }

  public static func from(environment: [String: String], home: String) -> HubEndpoint {
    func value(_ name: String) -> String? {
      environment[name].map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }
    }
    var token = value("HF_TOKEN") ?? value("HUGGING_FACE_HUB_TOKEN")
    if token == nil {
      let hfHome = value("HF_HOME") ?? (value("XDG_CACHE_HOME") ?? home + "/.cache") + "/huggingface"
      let file = value("HF_TOKEN_PATH") ?? hfHome + "/token"
      token = (try? String(contentsOfFile: file, encoding: .utf8))?
        .trimmingCharacters(in: .whitespacesAndNewlines)
      if token?.isEmpty == true { token = nil }
    }
    let offline = ["1", "true", "yes", "on"].contains(value("HF_HUB_OFFLINE")?.lowercased() ?? "")
    return HubEndpoint(baseURL: value("HF_ENDPOINT") ?? "https://huggingface.co", token: token, offline: offline)
  }

  var headers: [String: String] { token.map { ["Authorization": "Bearer \($0)"] } ?? [:] }

  /// A revision inside a URL path: `refs/pr/1` becomes `refs%2Fpr%2F1`, as the Hub expects.
  static func escape(_ revision: String) -> String {
    var allowed = CharacterSet.urlPathAllowed
    allowed.remove("/")
    return revision.addingPercentEncoding(withAllowedCharacters: allowed) ?? revision
  }

  func revisionURL(repo: String, revision: String) -> String {
    "\(baseURL)/api/models/\(repo)/revision/\(Self.escape(revision))"
  }

  func treeURL(repo: String, commit: String) -> String {
    "\(baseURL)/api/models/\(repo)/tree/\(commit)?recursive=true"
  }

  /// The download URL of a file at a commit (pinned, so a moving branch cannot mix versions).
  func fileURL(repo: String, commit: String, path: String) -> String {
    let escaped = path.split(separator: "/").map {
      String($0).addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? String($0)
    }
    return "\(baseURL)/\(repo)/resolve/\(commit)/\(escaped.joined(separator: "/"))"
  }
}

/// One file of a repository as the Hub's tree API lists it.
public struct HubFile: Sendable, Equatable, Decodable {
  public var path: String
  public var size: Int
  /// The git blob id; the LFS pointer's target is in `lfs`.
  public var oid: String
  public var lfs: LFS?
  public var type: String

  public struct LFS: Sendable, Equatable, Decodable {
    /// The SHA-256 of the file's bytes.
    public var oid: String
    public var size: Int
  }

  /// The blob's name in the cache: the SHA-256 for LFS files, the git id otherwise (as huggingface_hub names them).
  public var digest: String { lfs?.oid ?? oid }
  public var byteCount: Int { lfs?.size ?? size }
}

/// The two Hub API calls a pull needs.
struct HubAPI: Sendable {
  var endpoint: HubEndpoint
  var client: HTTPClient

  /// The commit `revision` points at now.
  func commit(repo: String, revision: String) async throws(HubError) -> String {
    struct Revision: Decodable { var sha: String }
    let url = endpoint.revisionURL(repo: repo, revision: revision)
    let revisionInfo: Revision = try await getJSON(url, repo: repo, what: "revision '\(revision)'")
    guard HubCache.isCommit(revisionInfo.sha) else {
      throw .badAnswer(url: url, message: "'\(revisionInfo.sha)' is not a commit id")
    }
    return revisionInfo.sha
  }

  /// Every file of the repository at `commit`, over every page of the listing (the
  /// Hub pages long trees with a `Link: <…>; rel="next"` header), each checked safe
  /// to store: a hostile mirror must not write outside the cache.
  func files(repo: String, commit: String) async throws(HubError) -> [HubFile] {
    var url: String? = endpoint.treeURL(repo: repo, commit: commit)
    var files: [HubFile] = []
    var seen: Set<String> = []
    while let next = url {
      // A listing that loops, or never ends, is an error: a partial one would hide quants.
      guard seen.insert(next).inserted, seen.count <= 1000 else {
        throw .badAnswer(url: next, message: "the file list pages back to itself or never ends")
      }
      let (entries, headers): ([HubFile], [String: String]) = try await getJSON(
        next, repo: repo, what: "file list at \(commit.prefix(12))")
      files += entries.filter { $0.type == "file" }
      url = try headers["link"].flatMap { link throws(HubError) in try Self.nextPage(link, current: next) }
    }
    for file in files { try Self.check(file, repo: repo) }
    return files
  }

  /// The `rel="next"` target of a Link header, resolved against the page it came with.
  /// Only a page on the same origin is followed: the request carries the token.
  static func nextPage(_ link: String, current: String) throws(HubError) -> String? {
    var rest = Substring(link)
    while let open = rest.firstIndex(of: "<"), let close = rest[open...].firstIndex(of: ">") {
      let target = String(rest[rest.index(after: open)..<close])
      let parameters = rest[rest.index(after: close)...].prefix { $0 != "<" }
      rest = rest[rest.index(after: close)...]
      let relations = parameters.replacingOccurrences(of: "\"", with: "").replacingOccurrences(of: " ", with: "")
      guard relations.contains("rel=next") else { continue }
      guard let base = URL(string: current), let resolved = URL(string: target, relativeTo: base)?.absoluteURL,
        resolved.scheme == base.scheme, resolved.host == base.host, resolved.port == base.port
      else {
        throw .badAnswer(url: current, message: "its next page <\(target)> is not on the same host")
      }
      return resolved.absoluteString
    }
    return nil
  }

  /// Paths stay inside the snapshot (no absolute path, `..`, `.`, empty part, backslash
  /// or NUL, as huggingface_hub refuses them too); digests are what their names say.
  static func check(_ file: HubFile, repo: String) throws(HubError) {
    let parts = file.path.split(separator: "/", omittingEmptySubsequences: false)
    if file.path.hasPrefix("/") || file.path.contains("\\") || file.path.contains("\u{0}")
      || parts.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." })
    {
      throw .unsafeEntry(repo: repo, entry: file.path, reason: "a path that leaves the snapshot")
    }
    let hex = { (text: String, count: Int) in
      text.count == count && text.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) }
    }
    if let lfs = file.lfs {
      guard hex(lfs.oid, 64) else {
        throw .unsafeEntry(repo: repo, entry: file.path, reason: "an LFS digest that is not SHA-256")
      }
    } else if !hex(file.oid, 40) {
      throw .unsafeEntry(repo: repo, entry: file.path, reason: "a blob id that is not a git SHA-1")
    }
    guard file.byteCount >= 0, file.byteCount <= 1 << 50 else {
      throw .unsafeEntry(repo: repo, entry: file.path, reason: "a size of \(file.byteCount) bytes")
    }
  }

  private func getJSON<T: Decodable>(_ url: String, repo: String, what: String) async throws(HubError) -> T {
    try await getJSON(url, repo: repo, what: what).0
  }

  private func getJSON<T: Decodable>(_ url: String, repo: String, what: String) async throws(HubError)
    -> (T, [String: String])
  {
    let response: HTTPResponse
    do {
      response = try await client.get(url, headers: endpoint.headers)
    } catch {
      if case .cancelled = error { throw .cancelled }
      throw .unreachable(url: url, attempts: 1, last: error.description)
    }
    switch response.status {
    case 200..<300: break
    case 401, 403: throw .unauthorized(repo: repo, status: response.status, tokenSent: endpoint.token != nil)
    case 404: throw .notFound(repo: repo, what: what)
    case 429, 500..<600:
      throw .throttled(url: url, status: response.status, retryAfter: response.headers["retry-after"], attempts: 1)
    default:
      throw .unreachable(url: url, attempts: 1, last: "HTTP \(response.status): \(response.text.prefix(200))")
    }
    do {
      return (try JSONDecoder().decode(T.self, from: Data(response.body)), response.headers)
    } catch {
      throw .badAnswer(url: url, message: "\(error)")
    }
  }
}
