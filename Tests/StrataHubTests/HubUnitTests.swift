import Foundation
import StrataGGUF
import Testing

@testable import StrataHub

@Suite struct QuantFilesTests {
  let repo = "owner/model-GGUF"

  @Test func picksTheFileWhoseNameEndsInTheTagAndLeavesProjectorsOut() throws {
    let paths = ["README.md", "m-Q4_K_M.gguf", "m-q8_0.gguf", "mmproj-m-Q4_K_M.gguf", "m-Q4_K.gguf"]
    #expect(try QuantFiles.select(quant: "Q4_K_M", among: paths, repo: repo).paths == ["m-Q4_K_M.gguf"])
    #expect(try QuantFiles.select(quant: "Q8_0", among: paths, repo: repo).paths == ["m-q8_0.gguf"])
    #expect(try QuantFiles.select(quant: "Q4_K", among: paths, repo: repo).paths == ["m-Q4_K.gguf"])
  }

  @Test func gathersSplitPartsInOrderAndUsesTheDirectoryTag() throws {
    let paths = [
      "Q4_K_M/big-00002-of-00003.gguf", "Q4_K_M/big-00001-of-00003.gguf", "Q4_K_M/big-00003-of-00003.gguf",
      "big-Q8_0.gguf",
    ]
    let files = try QuantFiles.select(quant: "Q4_K_M", among: paths, repo: repo)
    #expect(
      files.paths == [
        "Q4_K_M/big-00001-of-00003.gguf", "Q4_K_M/big-00002-of-00003.gguf", "Q4_K_M/big-00003-of-00003.gguf",
      ])
    #expect(files.primary == "Q4_K_M/big-00001-of-00003.gguf")
  }

  @Test func refusesMissingPartsUnknownTagsAndAmbiguity() {
    #expect {
      try QuantFiles.select(
        quant: "Q4_K_M", among: ["m-Q4_K_M-00001-of-00003.gguf", "m-Q4_K_M-00003-of-00003.gguf"], repo: repo)
    } throws: { error in
      guard case .incompleteSplit(_, let first, 3, 2) = error as? HubError else { return false }
      return first == "m-Q4_K_M-00001-of-00003.gguf"
    }
    #expect {
      try QuantFiles.select(quant: "Q2_K", among: ["m-Q4_K_M.gguf", "m-Q8_0.gguf"], repo: repo)
    } throws: { error in
      guard case .noQuant(_, "Q2_K", let offered) = error as? HubError else { return false }
      return offered == ["Q4_K_M", "Q8_0"] && "\(error)".contains("offers Q4_K_M, Q8_0")
    }
    #expect {
      try QuantFiles.select(quant: "Q4_K_M", among: ["a-Q4_K_M.gguf", "b-Q4_K_M.gguf"], repo: repo)
    } throws: { error in
      guard case .ambiguousQuant(_, _, let candidates) = error as? HubError else { return false }
      return candidates == ["a-Q4_K_M.gguf", "b-Q4_K_M.gguf"]
    }
  }

  @Test func splitNamesNeedFiveDigitsAndAValidPart() {
    #expect(SplitName("x-00001-of-00002.gguf")?.stem == "x")
    #expect(SplitName("x-00003-of-00002.gguf") == nil)
    #expect(SplitName("x-0001-of-0002.gguf") == nil)
    #expect(SplitName("x-Q4_K_M.gguf") == nil)
    #expect(SplitName("dir/x-00001-of-00003.gguf")?.path(ofPart: 3) == "dir/x-00003-of-00003.gguf")
  }
}

@Suite struct DigestTests {
  @Test func matchesPublishedVectors() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("strata-digest-\(UUID())").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let path = directory + "/hello"
    try Data("hello\n".utf8).write(to: URL(fileURLWithPath: path))
    // `printf 'hello\n' | sha256sum` and `git hash-object`.
    #expect(try FileDigest.sha256(of: path) == "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03")
    #expect(try FileDigest.gitBlobID(of: path) == "ce013625030ba8dba906f756967f9e9ca394464a")
    let abc = Digest(.sha256)
    abc.update(Array("abc".utf8))
    #expect(abc.finish() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
  }
}

@Suite struct HubCacheTests {
  @Test func findsTheCacheWhereHuggingfaceHubDoes() {
    let home = "/home/op"
    #expect(HubCache.standard(environment: [:], home: home).root == "/home/op/.cache/huggingface/hub")
    #expect(HubCache.standard(environment: ["XDG_CACHE_HOME": "/x"], home: home).root == "/x/huggingface/hub")
    #expect(HubCache.standard(environment: ["HF_HOME": "/hf", "XDG_CACHE_HOME": "/x"], home: home).root == "/hf/hub")
    #expect(HubCache.standard(environment: ["HF_HUB_CACHE": "/c", "HF_HOME": "/hf"], home: home).root == "/c")
    #expect(HubCache.folderName(repo: "unsloth/Qwen3-0.6B-GGUF") == "models--unsloth--Qwen3-0.6B-GGUF")
  }

  @Test func endpointAndTokenComeFromTheEnvironmentOrTheLoginFile() throws {
    let home = FileManager.default.temporaryDirectory.appendingPathComponent("strata-hf-\(UUID())").path
    try FileManager.default.createDirectory(atPath: home + "/.cache/huggingface", withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: home) }
    #expect(HubEndpoint.from(environment: [:], home: home) == HubEndpoint())
    try Data("hf_fromfile\n".utf8).write(to: URL(fileURLWithPath: home + "/.cache/huggingface/token"))
    #expect(HubEndpoint.from(environment: [:], home: home).token == "hf_fromfile")
    let set = HubEndpoint.from(
      environment: ["HF_TOKEN": "hf_env", "HF_ENDPOINT": "http://mirror:8080/", "HF_HUB_OFFLINE": "1"], home: home)
    #expect(set == HubEndpoint(baseURL: "http://mirror:8080", token: "hf_env", offline: true))
    #expect(
      set.fileURL(repo: "o/n", commit: "c", path: "dir/a b.gguf") == "http://mirror:8080/o/n/resolve/c/dir/a%20b.gguf")
    #expect(
      set.revisionURL(repo: "o/n", revision: "refs/pr/1") == "http://mirror:8080/api/models/o/n/revision/refs%2Fpr%2F1")
  }

  /// The layout huggingface-cli and llama.cpp's -hf leave, made by hand: strata finds it offline.
  @Test func locatesFilesAnotherToolFetched() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-hub-\(UUID())").path
    defer { try? FileManager.default.removeItem(atPath: root) }
    let repo = "owner/m-GGUF"
    let commit = String(repeating: "0123456789", count: 4)
    let base = root + "/models--owner--m-GGUF"
    for directory in ["blobs", "refs", "snapshots/\(commit)/Q8_0"] {
      try FileManager.default.createDirectory(atPath: base + "/" + directory, withIntermediateDirectories: true)
    }
    try commit.write(toFile: base + "/refs/main", atomically: true, encoding: .utf8)
    for (index, name) in ["m-Q8_0-00001-of-00002.gguf", "m-Q8_0-00002-of-00002.gguf"].enumerated() {
      try Data(repeating: UInt8(index), count: 10 + index).write(to: URL(fileURLWithPath: base + "/blobs/b\(index)"))
      try FileManager.default.createSymbolicLink(
        atPath: base + "/snapshots/\(commit)/Q8_0/\(name)", withDestinationPath: "../../../blobs/b\(index)")
    }
    let cache = HubCache(root: root)
    let found = try #require(HubLocator.find(cache: cache, model: "m", repo: repo, revision: nil, quant: "Q8_0"))
    #expect(found.commit == commit && found.bytes == 21)
    #expect(found.primary == base + "/snapshots/\(commit)/Q8_0/m-Q8_0-00001-of-00002.gguf")
    #expect(HubLocator.find(cache: cache, model: "m", repo: repo, revision: "v2", quant: "Q8_0") == nil)
    #expect(HubLocator.find(cache: cache, model: "m", repo: repo, revision: nil, quant: "Q4_0") == nil)
    // A snapshot whose blob was removed (dangling link) is not there.
    try FileManager.default.removeItem(atPath: base + "/blobs/b1")
    #expect(HubLocator.find(cache: cache, model: "m", repo: repo, revision: nil, quant: "Q8_0") == nil)
  }
}

@Suite struct TreePaginationTests {
  static let page = "https://hub.example/api/models/o/n/tree/abc?recursive=true"

  @Test func followsTheNextLinkInEveryFormTheHeaderAllows() throws {
    #expect(
      try HubAPI.nextPage(#"<https://hub.example/api/models/o/n/tree/abc?cursor=Y2,x>; rel="next""#, current: Self.page)
        == "https://hub.example/api/models/o/n/tree/abc?cursor=Y2,x")
    #expect(
      try HubAPI.nextPage(#"</api/models/o/n/tree/abc?cursor=2>; rel=next"#, current: Self.page)
        == "https://hub.example/api/models/o/n/tree/abc?cursor=2")
    #expect(
      try HubAPI.nextPage(#"<?cursor=3>; rel="next""#, current: Self.page)
        == "https://hub.example/api/models/o/n/tree/abc?cursor=3")
    #expect(
      try HubAPI.nextPage(
        #"<https://hub.example/p1>; rel="prev", <https://hub.example/p3>; rel="next""#, current: Self.page)
        == "https://hub.example/p3")
    #expect(try HubAPI.nextPage(#"<https://hub.example/p1>; rel="prev""#, current: Self.page) == nil)
  }

  @Test func refusesANextPageOnAnotherHostSinceTheRequestCarriesTheToken() {
    #expect(throws: HubError.self) {
      try HubAPI.nextPage(#"<https://elsewhere.example/steal>; rel="next""#, current: Self.page)
    }
  }
}
