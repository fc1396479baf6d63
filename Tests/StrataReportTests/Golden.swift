import Foundation
import Testing

/// Compares with a golden file under Snapshots/; `STRATA_RECORD_SNAPSHOTS=1 swift test`
/// re-records it. A golden file that is missing fails the test (it is never written
/// silently by a normal run), so a new table cannot pass without its file committed.
func assertSnapshot(_ text: String, named name: String, sourceFile: String = #filePath) throws {
  let url = URL(fileURLWithPath: sourceFile).deletingLastPathComponent()
    .appendingPathComponent("Snapshots/\(name)")
  if ProcessInfo.processInfo.environment["STRATA_RECORD_SNAPSHOTS"] == "1" {
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try text.write(to: url, atomically: true, encoding: .utf8)
    return
  }
  guard let golden = try? String(contentsOf: url, encoding: .utf8) else {
    Issue.record("no golden file Snapshots/\(name); record it with STRATA_RECORD_SNAPSHOTS=1 and commit it")
    return
  }
  #expect(text == golden, "differs from Snapshots/\(name); re-record with STRATA_RECORD_SNAPSHOTS=1 if intended")
}
