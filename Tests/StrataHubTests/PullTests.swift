import Foundation
import StrataTestSupport
import Synchronization
import Testing

@testable import StrataHub

/// `strata models pull` against `HubStandIn` (the real Hub cannot be reached here),
/// serving the demo GGUF that set-up fetched.
@Suite(.serialized) struct PullTests {
  static var demoModel: String {
    let env = ProcessInfo.processInfo.environment
    return (env["STRATA_CACHE"] ?? "\(env["HOME"] ?? "/root")/.cache/strata")
      + "/models/SmolLM2-135M-Instruct.Q4_1.gguf"
  }
  static let gate = RealPartGate.needs("the demo GGUF from scripts/setup") {
    FileManager.default.fileExists(atPath: demoModel)
  }
  static let repo = "strata-test/SmolLM2-135M-Instruct-GGUF"
  static let fileName = "SmolLM2-135M-Instruct.Q4_1.gguf"

  /// Collects what the puller reports.
  final class Events: Sendable {
    let notes = Mutex<[String]>([])
    let progress = Mutex(0)
    func record(_ event: PullEvent) {
      switch event {
      case .note(let text): notes.withLock { $0.append(text) }
      case .progress: progress.withLock { $0 += 1 }
      }
    }
  }

  static func scratch() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("strata-pull-\(UUID())").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  /// Three parts of a split Q8_0 GGUF under `root`: (path in the repository, source file).
  static func splitParts(in root: String, directory: String, size: (Int) -> Int) throws -> [(String, String)] {
    try (1...3).map { part in
      let source = root + "/part\(part)"
      try Data(repeating: UInt8(part), count: size(part)).write(to: URL(fileURLWithPath: source))
      return ("\(directory)m-Q8_0-0000\(part)-of-00003.gguf", source)
    }
  }

  static func puller(_ hub: HubStandIn, cache: HubCache, token: String? = nil, events: Events = Events())
    -> ModelPuller
  {
    ModelPuller(
      cache: cache, endpoint: HubEndpoint(baseURL: hub.baseURL, token: token),
      retry: RetryPolicy(attempts: 4, sleep: { _ in }), onEvent: { events.record($0) })
  }

  @Test(gate) func resumesAfterACutRefetchesACorruptFileAndThenTransfersNothing() async throws {
    let root = try Self.scratch()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let hub = try HubStandIn(
      repo: Self.repo, files: [(Self.fileName, Self.demoModel), ("README.md", "/etc/hostname")],
      faults: .init(cutOnce: Self.fileName, corruptOnce: Self.fileName, throttleOnce: true))
    defer { hub.stop() }
    let cache = HubCache(root: root + "/hub")
    let events = Events()
    let pulled = try await Self.puller(hub, cache: cache, events: events).pull(
      model: "smollm2", repo: Self.repo, revision: nil, quants: ["Q4_1"])

    let size = try #require(hub.files.first?.size)
    let quant = try #require(pulled.first)
    #expect(quant.commit == hub.commit && quant.bytes == size)
    #expect(quant.primary == cache.snapshotDirectory(repo: Self.repo, commit: hub.commit) + "/" + Self.fileName)
    // The bytes on disk are the demo model's, byte for byte.
    #expect(
      try Data(contentsOf: URL(fileURLWithPath: quant.primary))
        == Data(contentsOf: URL(fileURLWithPath: Self.demoModel)))
    #expect(
      try FileManager.default.destinationOfSymbolicLink(atPath: quant.primary) == "../../blobs/\(hub.files[0].sha256)")
    #expect(
      try String(contentsOfFile: cache.refPath(repo: Self.repo, revision: "main"), encoding: .utf8) == hub.commit)
    #expect(
      !FileManager.default.fileExists(
        atPath: cache.blobPath(repo: Self.repo, digest: hub.files[0].sha256) + ".incomplete"))

    let log = hub.log
    #expect(log.throttles == 1 && log.cuts == 1 && log.corruptions == 1)
    // After the cut the transfer resumed where it stopped, not from zero.
    let ranges = log.requests.compactMap(\.range)
    #expect(ranges.contains { $0.hasPrefix("bytes=") && $0 != "bytes=0-" })
    // Cut (half) + resume (half, corrupted) + refetch (whole): twice the file, not three times.
    #expect(log.bodyBytes == 2 * size)
    #expect(quant.transferred == 2 * size)
    let notes = events.notes.withLock { $0 }
    #expect(notes.contains { $0.contains("resuming at") })
    #expect(notes.contains { $0.contains("do not match the Hub's digest") })
    #expect(events.progress.withLock { $0 } > 0)

    // A second pull asks the API and transfers nothing.
    let before = hub.log.requests.count
    let again = try await Self.puller(hub, cache: cache).pull(
      model: "smollm2", repo: Self.repo, revision: nil, quants: ["Q4_1"])
    #expect(again.first?.transferred == 0 && again.first?.primary == quant.primary)
    #expect(hub.log.bodyBytes == 2 * size)
    let second = hub.log.requests.dropFirst(before).map(\.path)
    #expect(second.count == 2 && second.allSatisfy { $0.hasPrefix("/api/models/") })

    // Offline, the cache alone answers.
    let offline = ModelPuller(cache: cache, endpoint: HubEndpoint(baseURL: "http://127.0.0.1:1", offline: true))
    #expect(try await offline.pull(model: "smollm2", repo: Self.repo, revision: nil, quants: ["Q4_1"]) == again)
  }

  @Test(gate) func reusesABlobAnotherToolFetchedAndSendsTheToken() async throws {
    let root = try Self.scratch()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let hub = try HubStandIn(repo: Self.repo, files: [(Self.fileName, Self.demoModel)], requiredToken: "hf_standin")
    defer { hub.stop() }
    let cache = HubCache(root: root + "/hub")
    await #expect {
      try await Self.puller(hub, cache: cache).pull(model: "m", repo: Self.repo, revision: nil, quants: ["Q4_1"])
    } throws: { error in
      guard case .unauthorized(_, 401, false) = error as? HubError else { return false }
      return "\(error)".contains("export HF_TOKEN")
    }
    // huggingface-cli put the blob there under another revision's snapshot.
    let blob = cache.blobPath(repo: Self.repo, digest: hub.files[0].sha256)
    try FileManager.default.createDirectory(
      atPath: (blob as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: Self.demoModel, toPath: blob)
    let pulled = try await Self.puller(hub, cache: cache, token: "hf_standin").pull(
      model: "m", repo: Self.repo, revision: nil, quants: ["Q4_1"])
    #expect(pulled.first?.transferred == 0 && hub.log.bodyBytes == 0)
    #expect(hub.log.requests.filter { $0.authorization == "Bearer hf_standin" }.count == 2)
  }

  @Test func pullsEveryPartOfASplitFileAndRefusesAMissingQuant() async throws {
    let root = try Self.scratch()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let files = try Self.splitParts(in: root, directory: "Q8_0/") { 4096 * $0 }
    let hub = try HubStandIn(repo: "o/split", files: files)
    defer { hub.stop() }
    let cache = HubCache(root: root + "/hub")
    let pulled = try await Self.puller(hub, cache: cache).pull(
      model: "m", repo: "o/split", revision: "main", quants: ["Q8_0"])
    let quant = try #require(pulled.first)
    #expect(quant.paths.count == 3 && quant.bytes == 4096 * 6 && quant.transferred == 4096 * 6)
    #expect(quant.primary.hasSuffix("/Q8_0/m-Q8_0-00001-of-00003.gguf"))
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: quant.paths[2]).hasPrefix("../../../blobs/"))
    #expect(
      HubLocator.find(cache: cache, model: "m", repo: "o/split", revision: nil, quant: "Q8_0")
        == quant.with(transferred: 0))
    await #expect {
      try await Self.puller(hub, cache: cache).pull(model: "m", repo: "o/split", revision: nil, quants: ["Q4_K_M"])
    } throws: { error in
      guard case .noQuant(_, "Q4_K_M", ["Q8_0"]) = error as? HubError else { return false }
      return true
    }
    await #expect {
      try await Self.puller(hub, cache: cache).pull(model: "m", repo: "o/split", revision: "nope", quants: ["Q8_0"])
    } throws: { error in
      guard case .notFound = error as? HubError else { return false }
      return true
    }
  }

  @Test func followsEveryPageOfTheTreeListing() async throws {
    let root = try Self.scratch()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let files = try Self.splitParts(in: root, directory: "") { _ in 1000 }
    // One entry a page: only following `Link: rel="next"` finds the second and third parts.
    let hub = try HubStandIn(repo: "o/paged", files: files, treePageSize: 1)
    defer { hub.stop() }
    let pulled = try await Self.puller(hub, cache: HubCache(root: root + "/hub")).pull(
      model: "m", repo: "o/paged", revision: nil, quants: ["Q8_0"])
    #expect(pulled.first?.paths.count == 3)
    #expect(hub.log.requests.filter { $0.path.contains("/tree/") }.count == 3)
  }

  /// What a hostile mirror might list: paths out of the snapshot, digests that are paths.
  @Test(arguments: [
    #"{"type":"file","oid":"0000000000000000000000000000000000000000","size":4,"path":"../../../../escape-Q4_0.gguf"}"#,
    #"{"type":"file","oid":"0000000000000000000000000000000000000000","size":4,"path":"/etc/escape-Q4_0.gguf"}"#,
    #"{"type":"file","oid":"x","size":4,"path":"ok-Q4_0.gguf","lfs":{"oid":"../../../escape","size":4}}"#,
    #"{"type":"file","oid":"../escape","size":4,"path":"ok-Q4_0.gguf"}"#,
  ])
  func refusesEntriesThatWouldLeaveTheCache(_ entry: String) async throws {
    let root = try Self.scratch()
    defer { try? FileManager.default.removeItem(atPath: root) }
    try Data("GGUF".utf8).write(to: URL(fileURLWithPath: root + "/real"))
    let hub = try HubStandIn(repo: "o/hostile", files: [("real-Q8_0.gguf", root + "/real")], extraTreeEntry: entry)
    defer { hub.stop() }
    await #expect {
      try await Self.puller(hub, cache: HubCache(root: root + "/hub")).pull(
        model: "m", repo: "o/hostile", revision: nil, quants: ["Q8_0"])
    } throws: { error in
      guard case .unsafeEntry(_, _, let reason) = error as? HubError else { return false }
      return "\(error)".contains("HF_ENDPOINT") && !reason.isEmpty
    }
    // Nothing was fetched or written: no blob, no link, nothing beside the cache.
    #expect(hub.log.bodyBytes == 0)
    #expect(try FileManager.default.contentsOfDirectory(atPath: root).sorted() == ["real"])
  }

  @Test func givesUpOnAnUnreachableHubWithWhatToCheck() async throws {
    let root = try Self.scratch()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let puller = ModelPuller(
      cache: HubCache(root: root), endpoint: HubEndpoint(baseURL: "http://127.0.0.1:\(LoopbackServer.unusedPort())"),
      retry: RetryPolicy(attempts: 2, sleep: { _ in }))
    await #expect {
      try await puller.pull(model: "m", repo: "o/n", revision: nil, quants: ["Q8_0"])
    } throws: { error in
      guard case .unreachable(_, 2, _) = error as? HubError else { return false }
      return "\(error)".contains("HF_ENDPOINT")
    }
  }
}

extension PulledQuant {
  func with(transferred: Int) -> PulledQuant {
    var copy = self
    copy.transferred = transferred
    return copy
  }
}
