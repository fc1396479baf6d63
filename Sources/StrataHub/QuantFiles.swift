import Foundation
import StrataConfig
import StrataGGUF

/// The GGUF file (or the parts of a split one) that carry one quant tag in a repository.
public struct QuantFiles: Sendable, Equatable {
  /// Repository paths, in part order; one entry unless the file is split.
  public var paths: [String]
  /// The path llama.cpp is given: the only file, or the first part (it finds the rest beside it).
  public var primary: String { paths[0] }

  /// Picks the files of `quant` among a repository's `paths` (a tree listing, or a snapshot's files).
  ///
  /// A file carries the quant tag its name ends in (or, when its name has none, its
  /// directory's: `Q4_K_M/model-00001-of-00002.gguf`). Vision projectors (`mmproj`)
  /// are not models. Split parts `-0000N-of-0000M.gguf` belong together and must all be there.
  public static func select(quant: String, among paths: [String], repo: String) throws(HubError) -> QuantFiles {
    var groups: [String: [(part: Int, of: Int, path: String)]] = [:]
    var offered: Set<String> = []
    for path in paths where isModel(path) {
      guard let tag = tag(of: path) else { continue }
      offered.insert(tag)
      guard tag == quant.uppercased() else { continue }
      if let split = SplitName(path) {
        groups[split.stem, default: []].append((split.part, split.count, path))
      } else {
        groups[path, default: []].append((1, 1, path))
      }
    }
    guard !groups.isEmpty else { throw .noQuant(repo: repo, quant: quant, offered: offered.sorted()) }
    guard groups.count == 1, let parts = groups.values.first else {
      let firsts = groups.values.compactMap { $0.min { $0.part < $1.part }?.path }.sorted()
      throw .ambiguousQuant(repo: repo, quant: quant, candidates: firsts)
    }
    let sorted = parts.sorted { $0.part < $1.part }
    let expected = sorted[0].of
    guard sorted.count == expected, sorted.map(\.part) == Array(1...expected), sorted.allSatisfy({ $0.of == expected })
    else {
      throw .incompleteSplit(repo: repo, first: sorted[0].path, expected: expected, found: sorted.count)
    }
    return QuantFiles(paths: sorted.map(\.path))
  }

  static func isModel(_ path: String) -> Bool {
    let name = (path as NSString).lastPathComponent.lowercased()
    return name.hasSuffix(".gguf") && !name.contains("mmproj")
  }

  /// The quant tag of a file: its name's, else its directory's.
  static func tag(of path: String) -> String? {
    let name = (path as NSString).lastPathComponent
    let stem = SplitName(path).map { ($0.stem as NSString).lastPathComponent } ?? name
    if let tag = QuantInference.quant(inFileName: stem) { return tag }
    let directory = (path as NSString).deletingLastPathComponent
    return directory.isEmpty ? nil : QuantInference.quant(inFileName: directory)
  }
}
