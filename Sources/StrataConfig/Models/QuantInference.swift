import Foundation

/// Recognises llama.cpp quant tags (Q4_K_M, Q8_0, IQ4_XS, F16, ...) in GGUF file names.
///
/// The tags are a finite set, matched as strings: a regex literal is compiled
/// again each time its expression runs (and a stored `Regex` is not `Sendable`),
/// which made a models.yaml of 80,000 entries take 28 s to validate.
public enum QuantInference {
  /// Every tag, longest first, so that at one position `Q4_K_M` wins over `Q4_K`.
  static let tags: [[UInt8]] = {
    var tags: [String] = []
    for bits in 1...4 { for kind in ["XXS", "XS", "NL", "S", "M"] { tags.append("IQ\(bits)_\(kind)") } }
    tags += ["TQ1_0", "TQ2_0"]
    for bits in 2...8 { for size in ["", "_XL", "_S", "_M", "_L"] { tags.append("Q\(bits)_K\(size)") } }
    for bits in 4...8 { tags += ["Q\(bits)_0", "Q\(bits)_1"] }
    tags += ["BF16", "F16", "F32", "MXFP4"]
    return tags.map { Array($0.utf8) }.sorted { $0.count > $1.count }
  }()

  /// The bytes a tag can start with: most positions of a name are rejected by one lookup.
  static let firstBytes = Set(tags.map { $0[0] })

  /// The last quant tag in the file name of `path`, upper-cased; nil when there is none.
  ///
  /// Matching is case-insensitive and a tag must stand on its own, delimited by the
  /// start or end of the name or by a character other than a letter or digit.
  /// Matches do not overlap: after one, the search goes on past its end.
  public static func quant(inFileName path: String) -> String? {
    let name = Array(((path as NSString).lastPathComponent).uppercased().utf8)
    var found: [UInt8]?
    var index = 0
    while index < name.count {
      guard firstBytes.contains(name[index]), let tag = tags.first(where: { matches($0, in: name, at: index) }) else {
        index += 1
        continue
      }
      let end = index + tag.count
      if isDelimiter(index == 0 ? nil : name[index - 1]), isDelimiter(end == name.count ? nil : name[end]) {
        found = tag
      }
      index = end
    }
    return found.map { String(decoding: $0, as: UTF8.self) }
  }

  private static func matches(_ tag: [UInt8], in name: [UInt8], at index: Int) -> Bool {
    guard index + tag.count <= name.count else { return false }
    for offset in tag.indices where name[index + offset] != tag[offset] { return false }
    return true
  }

  /// True for nil (an edge of the name) and for any byte that is not an ASCII
  /// letter or digit (the bytes of a non-ASCII character included).
  private static func isDelimiter(_ byte: UInt8?) -> Bool {
    guard let byte else { return true }
    let isLetterOrDigit = (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    return !isLetterOrDigit
  }
}
