import Foundation

/// Recognises llama.cpp quant tags (Q4_K_M, Q8_0, IQ4_XS, F16, ...) in GGUF file names.
public enum QuantInference {
  /// The last quant tag in the file name of `path`, upper-cased; nil when there is none.
  ///
  /// Matching is case-insensitive and a tag must stand on its own, delimited by the
  /// start or end of the name or by a character other than a letter or digit.
  public static func quant(inFileName path: String) -> String? {
    let name = ((path as NSString).lastPathComponent).uppercased()
    let tag = /(IQ[1-4]_(?:XXS|XS|NL|S|M)|TQ[12]_0|Q[2-8]_K(?:_XL|_S|_M|_L)?|Q[4-8]_[01]|BF16|F16|F32|MXFP4)/
    var found: String?
    for match in name.matches(of: tag) {
      let before = match.range.lowerBound == name.startIndex ? nil : name[name.index(before: match.range.lowerBound)]
      let after = match.range.upperBound == name.endIndex ? nil : name[match.range.upperBound]
      if isDelimiter(before), isDelimiter(after) {
        found = String(match.output.1)
      }
    }
    return found
  }

  /// True for nil (an edge of the name) and for anything that is not an ASCII letter or digit.
  private static func isDelimiter(_ character: Character?) -> Bool {
    guard let character else { return true }
    return !(character.isASCII && (character.isLetter || character.isNumber))
  }
}
