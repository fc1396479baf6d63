import Foundation
import StrataStore
import Testing

@testable import StrataReport

@Suite("HTML report on the fixed database")
struct HTMLReportTests {
  let path: String
  let store: ResultStore

  init() throws {
    path = FileManager.default.temporaryDirectory.appendingPathComponent("strata-html-\(UUID()).sqlite").path
    store = try ReportFixture.make(path: path)
  }

  func page(_ ids: [String] = [ReportFixture.lab1, ReportFixture.lab2], limits: HTMLReportContent.Limits = .init())
    throws -> String
  {
    let content = try HTMLReportContent.gather(
      store: store, runs: RunSource.select(from: store, ids: ids), limits: limits)
    return HTMLReport.render(content, generatedAt: Date(timeIntervalSince1970: 1_764_700_000))
  }

  @Test("the report of two hosts' runs matches its golden file")
  func golden() throws {
    defer { try? FileManager.default.removeItem(atPath: path) }
    try assertSnapshot(try page(), named: "fixture/report.html")
  }

  @Test("replies, prompts, categories and logs with <script>, </textarea> and escape sequences arrive escaped")
  func hostileText() throws {
    defer { try? FileManager.default.removeItem(atPath: path) }
    let html = try page()
    #expect(!html.contains("<script"))
    #expect(!html.contains("</textarea>"))
    #expect(!html.contains("\u{1B}"))
    #expect(html.contains("&lt;script&gt;alert('x')&lt;/script&gt;&lt;/textarea&gt;\u{241B}[31mB"))
    #expect(html.contains("which tag is &lt;b&gt;bold&lt;/b&gt; &amp; which ends a &lt;/textarea&gt;?\u{241B}[1m"))
    #expect(html.contains("\u{241B}]0;pwned\u{2407}&lt;/textarea&gt;| ggml_abort"))
  }

  @Test("every section, chart and drill-down is there, with links to prompts that exist")
  func content() throws {
    defer { try? FileManager.default.removeItem(atPath: path) }
    let html = try page()
    for id in ["runs", "comparison", "hardware", "charts", "quality", "answers", "failures", "prompts"] {
      #expect(html.contains("<section id=\"\(id)\">"), "section \(id)")
    }
    for kind in ["pareto", "heatmap", "reliability", "ttft", "itl", "timeseries"] {
      #expect(html.contains("class=\"chart chart-\(kind)\""), "chart \(kind)")
    }
    // Four servers with samples; the GPU's has VRAM and power panels.
    #expect(html.components(separatedBy: "class=\"chart chart-timeseries\"").count - 1 == 4)
    #expect(html.contains("VRAM used (peak, all devices)") && html.contains("power (mean)"))
    let links = Set(html.matches(of: /href="#(p-[0-9a-z]+)"/).map { String($0.1) })
    #expect(!links.isEmpty)
    for link in links { #expect(html.contains("id=\"\(link)\""), "prompt \(link)") }
    #expect(html.contains("Mercury_9") && html.contains("✗ wrong"))
  }

  @Test("a run that kept no prompts (before schema v8) neither shows nor clears another run's")
  func promptsOfOlderRuns() throws {
    defer { try? FileManager.default.removeItem(atPath: path) }
    try ReportFixture.lab2Run(
      store, id: "r-no-prompts", startedAt: 1_764_700_000, decode: [50, 51, 52], prompts: false)
    let alone = try page(["r-no-prompts"])
    #expect(alone.contains("not stored") && !alone.contains("<section id=\"prompts\">"))
    // A prompt is known by its hash: the same hash in the other run is the same text.
    for order in [[ReportFixture.lab2, "r-no-prompts"], ["r-no-prompts", ReportFixture.lab2]] {
      let html = try page(order)
      #expect(!html.contains("not stored"), "\(order)")
      #expect(html.contains("<div class=\"prompt\" id=\"p-p0\">"), "\(order)")
      #expect(html.contains("which tag is &lt;b&gt;bold"), "\(order)")
    }
  }

  @Test("the caps keep the page small: answers per way, charted servers")
  func limits() throws {
    defer { try? FileManager.default.removeItem(atPath: path) }
    var limits = HTMLReportContent.Limits()
    limits.itemsPerWay = 2
    limits.chartedServers = 1
    let html = try page(limits: limits)
    #expect(html.contains("6/10 right (2 shown)"))
    #expect(html.components(separatedBy: "class=\"chart chart-timeseries\"").count - 1 == 1)
    #expect(html.contains("3 more servers are not charted"))
    #expect(try page().utf8.count > html.utf8.count)
  }

  @Test("a prompt longer than the cap keeps its end, where the question is")
  func clip() {
    let prompt = String(repeating: "example ", count: 1000) + "Question: the last one?"
    let clipped = HTMLReport.clip(prompt, limit: 100, keepEnd: true)
    #expect(clipped.hasSuffix("Question: the last one?"))
    #expect(clipped.hasPrefix("[… \(prompt.count - 100) characters before]"))
    #expect(HTMLReport.clip("short", limit: 100) == "short")
  }
}
