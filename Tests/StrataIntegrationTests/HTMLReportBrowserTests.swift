import Foundation
import StrataStore
import StrataTestSupport
import Testing

/// The HTML report of a real sweep, opened in Debian's real Chromium (headless, over the
/// DevTools protocol, by scripts/browser-check.py): no console errors, and every chart
/// area holds a drawing. Control pages show the check can fail.
@Suite(
  "HTML report in headless Chromium", .tags(.integration), .serialized, RealParts.gate, RealParts.strataGate,
  RealPartGate.needs("Debian's chromium (scripts/install-deps installs it)") { BrowserCheck.chromium != nil })
struct HTMLReportBrowserTests {
  static let matrix = """
    design: full
    repeats: 2
    axes:
      engine: [cpu]
      model: [smollm2-135m]
      quant: [Q4_1]
      args: {threads: [2], flash_attn: [on, off]}
    scenarios: [pp64-tg16]
    tasks: [{name: arc_challenge, limit: 6}]
    """

  @Test("a real sweep's report: no console errors, every chart drawn, model output inert")
  func realSweep() async throws {
    try await ServerTestLock.run {
      let dir = try RealParts.project(matrix: Self.matrix)
      defer { try? FileManager.default.removeItem(atPath: dir) }
      // Both ways with a confidence-free and a confidence method, so the reliability diagram has data.
      let task = try String(contentsOfFile: "\(dir)/tasks/arc_challenge.yaml", encoding: .utf8)
      try (task + "\nmethod: [generative, letter_likelihood]\n").write(
        toFile: "\(dir)/tasks/arc_challenge.yaml", atomically: true, encoding: .utf8)
      let run = try await StrataCLI.run(["run"], project: dir)
      #expect(run.status == 0, "\(run.output)")
      let report = try await StrataCLI.run(
        ["report", "--db", "\(dir)/strata.sqlite", "--html", "\(dir)/report.html"], project: dir, withProject: false)
      #expect(report.status == 0, "\(report.output)")
      let html = try String(contentsOfFile: "\(dir)/report.html", encoding: .utf8)
      #expect(!html.contains("<script"), "a report has no script")
      #expect(html.utf8.count < 2_000_000, "\(html.utf8.count) bytes")

      let page = try BrowserCheck.open("\(dir)/report.html")
      #expect(page.errors.isEmpty, "\(page.errors)")
      #expect(page.scripts == 0)
      let kinds = Set(page.charts.map(\.kind))
      for kind in ["pareto", "heatmap", "reliability", "ttft", "itl", "timeseries"] {
        #expect(kinds.contains(kind), "no \(kind) chart: \(kinds.sorted())")
      }
      #expect(page.charts.filter { $0.kind == "timeseries" }.count == 3, "one per server, the noise check's too")
      #expect(html.contains(": noise check, cpu smollm2-135m Q4_1"), "the noise check's server is named")
      for chart in page.charts {
        // Axes and a title alone ink about 1 %; data adds points, squares and lines in colour.
        #expect(chart.width > 100 && chart.height > 100, "\(chart)")
        #expect(chart.ink > 0.02 && chart.colours >= 4, "blank chart: \(chart)")
      }
    }
  }

  @Test("the check sees a console error, an exception and an empty chart")
  func controls() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-browser-\(UUID())").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try """
    <!DOCTYPE html><html><body>
    <svg class="chart chart-pareto" width="300" height="200"><title>blank</title></svg>
    <script>console.error("broken chart"); undefinedFunction();</script>
    </body></html>
    """.write(toFile: "\(dir)/bad.html", atomically: true, encoding: .utf8)
    let page = try BrowserCheck.open("\(dir)/bad.html")
    #expect(page.errors.contains { $0.contains("broken chart") }, "\(page.errors)")
    #expect(page.errors.contains { $0.contains("exception") }, "\(page.errors)")
    #expect(page.charts.count == 1 && page.charts[0].ink < 0.001, "\(page.charts)")
  }
}

/// scripts/browser-check.py: what Chromium shows of a page.
enum BrowserCheck {
  struct Chart: Decodable, CustomStringConvertible {
    var kind: String
    var title: String?
    var width: Double
    var height: Double
    var ink: Double
    var colours: Int
    var description: String {
      "\(kind) \(title ?? "") \(Int(width))×\(Int(height)) ink \(String(format: "%.3f", ink)) colours \(colours)"
    }
  }

  struct Page: Decodable {
    var charts: [Chart]
    var errors: [String]
    var scripts: Int
  }

  static var chromium: String? {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
  }

  static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("scripts/browser-check.py").path

  static func open(_ path: String) throws -> Page {
    let result = try CapturedRun.run("/usr/bin/env", ["python3", script, path])
    #expect(result.status == 0, "\(result.stderr.suffix(2000))")
    var page = try JSONDecoder().decode(Page.self, from: result.stdout)
    // "chart chart-pareto" → "pareto".
    for index in page.charts.indices {
      page.charts[index].kind = String(page.charts[index].kind.split(separator: " ").last?.dropFirst(6) ?? "")
    }
    return page
  }
}
