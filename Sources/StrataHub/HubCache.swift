import Foundation

/// The Hugging Face cache on disk, in the layout `huggingface_hub` and llama.cpp's
/// `-hf` share: `models--<owner>--<name>/blobs/<digest>` holds each file once,
/// `snapshots/<commit>/<path>` links into `blobs`, `refs/<revision>` names a commit.
/// Files either tool fetched are found here and never downloaded twice.
public struct HubCache: Sendable, Equatable {
  /// The `hub` directory.
  public let root: String

  public init(root: String) {
    self.root = root
  }

  /// The cache `huggingface_hub` uses: `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else
  /// `$XDG_CACHE_HOME/huggingface/hub`, else `~/.cache/huggingface/hub`.
  public static func standard(environment: [String: String], home: String) -> HubCache {
    func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
    if let hub = value("HF_HUB_CACHE") ?? value("HUGGINGFACE_HUB_CACHE") { return HubCache(root: hub) }
    if let hfHome = value("HF_HOME") { return HubCache(root: hfHome + "/hub") }
    let cache = value("XDG_CACHE_HOME") ?? home + "/.cache"
    return HubCache(root: cache + "/huggingface/hub")
  }

  /// `models--owner--name`.
  public static func folderName(repo: String) -> String {
    "models--" + repo.replacingOccurrences(of: "/", with: "--")
  }

  public func repoDirectory(_ repo: String) -> String { root + "/" + Self.folderName(repo: repo) }

  public func blobPath(repo: String, digest: String) -> String { repoDirectory(repo) + "/blobs/" + digest }

  public func snapshotDirectory(repo: String, commit: String) -> String {
    repoDirectory(repo) + "/snapshots/" + commit
  }

  public func refPath(repo: String, revision: String) -> String { repoDirectory(repo) + "/refs/" + revision }

  /// The lock beside huggingface_hub's own (`.locks/models--owner--name/<digest>.lock`).
  public func lockPath(repo: String, digest: String) -> String {
    root + "/.locks/" + Self.folderName(repo: repo) + "/" + digest + ".lock"
  }

  /// True for a full 40-digit commit id, which needs no `refs/` entry.
  public static func isCommit(_ revision: String) -> Bool {
    revision.count == 40 && revision.allSatisfy(\.isHexDigit)
  }

  /// The commit `revision` named when it was last fetched, if it was.
  public func commit(repo: String, revision: String) -> String? {
    if Self.isCommit(revision) {
      return FileManager.default.fileExists(atPath: snapshotDirectory(repo: repo, commit: revision)) ? revision : nil
    }
    guard let text = try? String(contentsOfFile: refPath(repo: repo, revision: revision), encoding: .utf8) else {
      return nil
    }
    let commit = text.trimmingCharacters(in: .whitespacesAndNewlines)
    return Self.isCommit(commit) ? commit : nil
  }

  /// The files present in a snapshot (dangling links left out), relative to it.
  public func snapshotFiles(repo: String, commit: String) -> [String] {
    FileSystem.files(under: snapshotDirectory(repo: repo, commit: commit))
  }

  /// Links `snapshots/<commit>/<path>` to its blob with a relative link, as huggingface_hub does
  /// (so the cache can be moved or mounted elsewhere).
  public func link(repo: String, commit: String, path: String, digest: String) throws(HubError) {
    let snapshot = snapshotDirectory(repo: repo, commit: commit)
    let linkPath = snapshot + "/" + path
    try FileSystem.createDirectory((linkPath as NSString).deletingLastPathComponent)
    let depth = path.split(separator: "/").count - 1
    let target = String(repeating: "../", count: depth + 2) + "blobs/" + digest
    try FileSystem.link(linkPath, to: target)
  }

  /// Records that `revision` (a branch or tag) was at `commit`.
  public func writeRef(repo: String, revision: String, commit: String) throws(HubError) {
    guard !Self.isCommit(revision) else { return }
    let path = refPath(repo: repo, revision: revision)
    try FileSystem.createDirectory((path as NSString).deletingLastPathComponent)
    try FileSystem.writeAtomically(commit, to: path)
  }
}
