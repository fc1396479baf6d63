import Foundation
import Testing

/// The style guide's rule for the host context, checked on the sources: only the
/// executable (`Sources/strata`) reads the machine (its environment, home, temporary
/// directory, wall clock, filesystem roots); every library takes them from the
/// `HostContext` it is given, so a test can hand it another machine.
@Suite struct HostContextRuleTests {
  static let forbidden = [
    "ProcessInfo.processInfo", "NSHomeDirectory", "NSTemporaryDirectory", "temporaryDirectory", "Date()",
    #"= "/proc""#, #"= "/sys""#, #"= "/dev""#, #"= "/etc""#,
  ]

  @Test func noLibraryReadsTheHostItself() throws {
    let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("Sources").path
    let files = try FileManager.default.subpathsOfDirectory(atPath: sources).filter {
      $0.hasSuffix(".swift") && !$0.hasPrefix("strata/") && !$0.hasPrefix("StrataFuzz/")
    }
    #expect(files.count > 100, "found \(files.count) library sources under \(sources)")
    var offences: [String] = []
    for file in files {
      let text = try String(contentsOfFile: "\(sources)/\(file)", encoding: .utf8)
      for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
        let code = line.trimmingCharacters(in: .whitespaces)
        guard !code.hasPrefix("//") else { continue }
        for pattern in Self.forbidden where code.contains(pattern) {
          offences.append("Sources/\(file):\(number + 1): \(pattern)")
        }
      }
    }
    #expect(offences.isEmpty, "\(offences.joined(separator: "\n"))")
  }
}
