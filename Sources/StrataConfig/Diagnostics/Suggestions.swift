/// Did-you-mean suggestions for misspelt keys and names.
public enum Suggestions {
  /// The closest candidate within edit distance 2 (ties: the first in `candidates`), if any.
  public static func closest(to word: String, in candidates: [String]) -> String? {
    var best: (candidate: String, distance: Int)?
    let length = word.unicodeScalars.count
    // Names whose lengths differ by more than 2 cannot be within distance 2.
    for candidate in candidates where abs(candidate.unicodeScalars.count - length) <= 2 {
      let distance = editDistance(word, candidate)
      if distance <= 2, distance < (best?.distance ?? Int.max) {
        best = (candidate, distance)
      }
    }
    return best?.candidate
  }

  /// `did you mean 'x'?` or "" when nothing is close.
  public static func hint(for word: String, in candidates: [String]) -> String {
    closest(to: word, in: candidates).map { "did you mean '\($0)'?" } ?? ""
  }

  /// Levenshtein distance over Unicode scalars.
  static func editDistance(_ lhs: String, _ rhs: String) -> Int {
    let left = Array(lhs.unicodeScalars)
    let right = Array(rhs.unicodeScalars)
    if left.isEmpty { return right.count }
    if right.isEmpty { return left.count }
    var previous = Array(0...right.count)
    var current = [Int](repeating: 0, count: right.count + 1)
    for i in 1...left.count {
      current[0] = i
      for j in 1...right.count {
        let cost = left[i - 1] == right[j - 1] ? 0 : 1
        current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
      }
      swap(&previous, &current)
    }
    return previous[right.count]
  }

  /// `a, b, c` for messages.
  /// At most `limit` names, then how many more: a hint must stay one readable
  /// line even when a file declares thousands.
  public static func list(_ names: [String], limit: Int = 20) -> String {
    guard names.count > limit else { return names.joined(separator: ", ") }
    return names.prefix(limit).joined(separator: ", ") + " and \(names.count - limit) more"
  }
}
