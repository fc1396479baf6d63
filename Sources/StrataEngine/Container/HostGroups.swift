import Foundation

/// Group name → numeric id from `<etcRoot>/group`.
public enum HostGroups {
  public static func read(etcRoot: String) -> [String: Int] {
    guard let text = try? String(contentsOfFile: "\(etcRoot)/group", encoding: .utf8) else { return [:] }
    var groups: [String: Int] = [:]
    for line in text.split(separator: "\n") {
      let fields = line.split(separator: ":", omittingEmptySubsequences: false)
      guard fields.count >= 3, let gid = Int(fields[2]) else { continue }
      groups[String(fields[0])] = gid
    }
    return groups
  }
}
