import Foundation
import StrataStore
import Testing

@testable import StrataReport

@Suite("Prometheus textfile export")
struct PrometheusExportTests {
  @Test("the fixed database's two hosts, against the golden file; the same text every time")
  func golden() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("strata-prom-\(UUID()).sqlite").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let store = try ReportFixture.make(path: path)
    let runs = try RunSource.select(from: store, ids: [ReportFixture.lab1, ReportFixture.lab2])
    let text = try PrometheusExport.text(store: store, runs: runs)
    #expect(try PrometheusExport.text(store: store, runs: runs) == text, "hash order does not leak into the file")
    try assertSnapshot(text, named: "fixture/metrics.prom")
    // Every sample line belongs to the family its # TYPE line names, and is a gauge.
    var family = ""
    for line in text.split(separator: "\n") {
      if line.hasPrefix("# TYPE ") {
        let parts = line.split(separator: " ")
        family = String(parts[2])
        #expect(parts[3] == "gauge")
      } else if !line.hasPrefix("#") {
        #expect(line.hasPrefix(family + "{"), "\(line)")
        #expect(Double(line.split(separator: " ").last ?? "") != nil, "\(line)")
      }
    }
    #expect(text.contains(#"strata_peak_vram_bytes{host="lab1",run="r-2026-12-01-lab1",engine="vulkan""#))
    #expect(
      !text.split(separator: "\n").contains {
        $0.hasPrefix("strata_decode_tokens_per_second") && $0.contains(#"quant="Q8_0""#)
      }, "a failed cell has no speed")
    #expect(text.contains(#"strata_run_cells{host="lab1",run="r-2026-12-01-lab1",status="failed"} 1.0"#))
  }

  @Test("a label value with a quote, a backslash or a newline is escaped, not a broken line")
  func escaping() throws {
    let store = try ResultStore(inMemory: ())
    try store.insert(
      RunRecord(
        id: "r", startedAt: 1, status: .done, strataVersion: "t", matrixPath: "m", matrixHash: "h",
        hostJSON: #"{"hostname":"la\"b\\\n1"}"#, enginesJSON: "{}"))
    let text = try PrometheusExport.text(store: store, runs: RunSource.select(from: store, ids: []))
    #expect(text.contains(#"host="la\"b\\\n1""#), "\(text)")
    #expect(text.split(separator: "\n").allSatisfy { $0.hasPrefix("#") || $0.hasPrefix("strata_") }, "\(text)")
  }
}
