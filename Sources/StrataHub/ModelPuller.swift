import Foundation
import StrataClient

/// One quant of a model, present in the cache.
public struct PulledQuant: Sendable, Equatable {
  public var model: String
  public var quant: String
  public var repo: String
  public var commit: String
  /// Absolute snapshot paths of its files, in part order.
  public var paths: [String]
  /// Their total size.
  public var bytes: Int
  /// Bytes that crossed the network for them in this pull (0: all were in the cache).
  public var transferred: Int

  /// The file llama.cpp loads.
  public var primary: String { paths[0] }
}

/// `strata models pull`: resolves each quant's GGUF files through the Hub API at one
/// commit, fetches what the cache lacks, and links the snapshot.
public struct ModelPuller: Sendable {
  public var cache: HubCache
  public var endpoint: HubEndpoint
  public var retry: RetryPolicy
  public var onEvent: @Sendable (PullEvent) -> Void
  var client: HTTPClient

  public init(
    cache: HubCache, endpoint: HubEndpoint, retry: RetryPolicy = RetryPolicy(),
    stallSeconds: Double = 60, onEvent: @escaping @Sendable (PullEvent) -> Void = { _ in }
  ) {
    self.cache = cache
    self.endpoint = endpoint
    self.retry = retry
    self.onEvent = onEvent
    // No limit on a whole transfer (a model may take hours); a silent connection fails, and resumes.
    var client = HTTPClient(timeoutSeconds: 0, connectTimeoutSeconds: 15)
    client.stallSeconds = stallSeconds
    self.client = client
  }

  /// Pulls `quants` of the model `name` from `repo` at `revision` (nil: main).
  public func pull(model name: String, repo: String, revision: String?, quants: [String]) async throws(HubError)
    -> [PulledQuant]
  {
    let revision = revision ?? "main"
    if endpoint.offline {
      return try quants.map { quant throws(HubError) in
        guard let found = HubLocator.find(cache: cache, model: name, repo: repo, revision: revision, quant: quant)
        else { throw .offline(repo: repo, revision: revision) }
        return found
      }
    }
    let api = HubAPI(endpoint: endpoint, client: client)
    let commit = try await retrying { () async throws(HubError) in try await api.commit(repo: repo, revision: revision)
    }
    let files = try await retrying { () async throws(HubError) in try await api.files(repo: repo, commit: commit) }
    let byPath = Dictionary(files.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
    let fetcher = BlobFetcher(endpoint: endpoint, cache: cache, client: client, retry: retry, onEvent: onEvent)
    var pulled: [PulledQuant] = []
    for quant in quants {
      let selection = try QuantFiles.select(quant: quant, among: files.map(\.path), repo: repo)
      var transferred = 0
      var bytes = 0
      for path in selection.paths {
        guard let file = byPath[path] else { continue }
        transferred += try await fetcher.fetch(file, repo: repo, commit: commit)
        bytes += file.byteCount
        try cache.link(repo: repo, commit: commit, path: path, digest: file.digest)
      }
      let snapshot = cache.snapshotDirectory(repo: repo, commit: commit)
      pulled.append(
        PulledQuant(
          model: name, quant: quant, repo: repo, commit: commit, paths: selection.paths.map { snapshot + "/" + $0 },
          bytes: bytes, transferred: transferred))
    }
    try cache.writeRef(repo: repo, revision: revision, commit: commit)
    return pulled
  }

  /// Runs an API call again after a transport failure, a 429 or a 5xx (`.unreachable`).
  private func retrying<T>(_ call: () async throws(HubError) -> T) async throws(HubError) -> T {
    var attempt = 0
    while true {
      attempt += 1
      do {
        return try await call()
      } catch {
        let wait: Double
        switch error {
        case .unreachable(let url, _, let last):
          guard attempt < retry.attempts else { throw .unreachable(url: url, attempts: attempt, last: last) }
          wait = retry.delay(afterAttempt: attempt, retryAfter: nil)
          onEvent(.note("\(url): \(last); trying again in \(String(format: "%.0f", wait)) s"))
        case .throttled(let url, let status, let retryAfter, _):
          guard attempt < retry.attempts else {
            throw .throttled(url: url, status: status, retryAfter: retryAfter, attempts: attempt)
          }
          wait = retry.delay(afterAttempt: attempt, retryAfter: retryAfter)
          onEvent(.note("\(url): HTTP \(status); trying again in \(String(format: "%.0f", wait)) s"))
        default:
          throw error
        }
        await retry.sleep(wait)
        if Task.isCancelled { throw .cancelled }
      }
    }
  }
}

/// Finds a quant in the cache without the network: `refs/<revision>` → commit →
/// the snapshot's files, whoever fetched them (strata, huggingface-cli, llama.cpp `-hf`).
public enum HubLocator {
  public static func find(cache: HubCache, model: String, repo: String, revision: String?, quant: String)
    -> PulledQuant?
  {
    guard let commit = cache.commit(repo: repo, revision: revision ?? "main") else { return nil }
    let files = cache.snapshotFiles(repo: repo, commit: commit)
    guard let selection = try? QuantFiles.select(quant: quant, among: files, repo: repo) else { return nil }
    let snapshot = cache.snapshotDirectory(repo: repo, commit: commit)
    let paths = selection.paths.map { snapshot + "/" + $0 }
    let bytes = paths.reduce(0) { $0 + (FileSystem.size(of: $1) ?? 0) }
    return PulledQuant(
      model: model, quant: quant, repo: repo, commit: commit, paths: paths, bytes: bytes, transferred: 0)
  }
}
