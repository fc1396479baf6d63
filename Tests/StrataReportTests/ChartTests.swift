import Foundation
import StrataEval
import StrataStore
import Testing

@testable import StrataReport

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// Parses an SVG as XML and counts its elements by name: a chart that is not
/// well-formed XML fails here, before any browser sees it.
final class ElementCounter: NSObject, XMLParserDelegate {
  var counts: [String: Int] = [:]
  var texts: [String] = []
  var attributes: [[String: String]] = []

  static func parse(_ svg: String) throws -> ElementCounter {
    let counter = ElementCounter()
    let parser = XMLParser(data: Data(svg.utf8))
    parser.delegate = counter
    guard parser.parse() else {
      throw ChartTestError.notXML(parser.parserError.map { "\($0)" } ?? "unknown error")
    }
    return counter
  }

  func parser(
    _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
    attributes: [String: String]
  ) {
    counts[name, default: 0] += 1
    self.attributes.append(attributes)
  }

  func parser(_ parser: XMLParser, foundCharacters string: String) { texts.append(string) }
}

enum ChartTestError: Error { case notXML(String) }

@Suite("SVG charts")
struct ChartTests {
  func point(_ label: String, _ speed: Double, _ accuracy: Double, _ bytes: Int64? = nil) -> ParetoChart.Point {
    ParetoChart.Point(label: label, group: "cpu", decodeTPS: speed, accuracy: accuracy, peakBytes: bytes)
  }

  @Test("the Pareto front keeps the cells nothing beats on both axes, ties included")
  func paretoFront() {
    let points = [
      point("fast", 100, 0.3), point("accurate", 20, 0.6), point("dominated", 50, 0.3), point("balanced", 60, 0.5),
      point("twin of balanced", 60, 0.5), point("beaten on one, tied on the other", 60, 0.45),
    ]
    #expect(ParetoChart.front(points) == [0, 1, 3, 4])
    #expect(ParetoChart.front([]) == [])
  }

  @Test("a Pareto chart draws every point, circles the front, sizes by memory, and is well-formed SVG")
  func paretoSVG() throws {
    let chart = ParetoChart(
      points: [point("a", 100, 0.3, 400 << 20), point("b", 20, 0.6, 100 << 20), point("c", 50, 0.2, 100 << 20)],
      accuracyOf: "arc_challenge/generative")
    let parsed = try ElementCounter.parse(chart.svg().svgDocument())
    #expect(parsed.counts["circle"] == 3)
    #expect(parsed.counts["path"] == 1)
    let radii = parsed.attributes.compactMap { $0["r"] }.compactMap(Double.init)
    #expect(radii.count == 3 && radii[0] > radii[1] && radii[1] == radii[2])
    #expect(parsed.attributes.filter { $0["stroke-width"] == "2" }.count == 2)
    // The front's boundary turns at corners no cell beats: left to the slower point's
    // speed at the faster one's accuracy, then up.
    let path = try #require(parsed.attributes.first { $0["class"] == "front" }?["d"])
    let scaleX = ChartScale.fitting([100, 20, 50], from: ChartCanvas().plotLeft, to: ChartCanvas().plotRight)
    let scaleY = ChartScale.fitting([], from: ChartCanvas().plotBottom, to: ChartCanvas().plotTop, fixed: 0...1)
    let expected =
      "M\(ChartNumber.px(scaleX.position(100))) \(ChartNumber.px(ChartCanvas().plotBottom))"
      + " V\(ChartNumber.px(scaleY.position(0.3))) H\(ChartNumber.px(scaleX.position(20)))"
      + " V\(ChartNumber.px(scaleY.position(0.6))) H\(ChartNumber.px(ChartCanvas().plotLeft))"
    #expect(path == expected)
  }

  @Test("ticks are round and cover the data; decades of spread turn the axis logarithmic")
  func scale() {
    let linear = ChartScale.fitting([3, 73], from: 0, to: 100)
    #expect(linear.ticks == [0, 20, 40, 60, 80])
    #expect(!linear.logarithmic)
    #expect(linear.position(0) == 0 && linear.position(80) == 100)
    let log = ChartScale.fitting([40, 26_000], from: 0, to: 300, logAbove: 20)
    #expect(log.logarithmic)
    #expect(log.ticks == [10, 100, 1000, 10_000, 100_000])
    #expect(abs(log.position(1000) - 150) < 1e-9)
    let flat = ChartScale.fitting([5, 5], from: 0, to: 10)
    #expect(flat.upper > 5)
  }

  @Test("a heatmap has one square per cell and category with data, and caps its rows")
  func heatmap() throws {
    let rows = (0..<70).flatMap { cell in
      ["Mercury", "OHAT"].map { category in
        QualityRow(
          cell: "c\(cell)", label: "cpu m Q\(cell)", task: "arc", method: "generative", category: category,
          accuracy: Proportion(successes: cell % 10, trials: 10), ece: nil, brier: nil, versus: nil, mcnemar: nil,
          evalSeconds: 1)
      }
    }
    // The same cells in a second run are rows of their own, labelled with the run.
    let twoRuns =
      rows.prefix(4)
      + rows.prefix(4).map { row in
        var row = row
        row.run = "second-run"
        return row
      }
    let split = HeatmapChart.charts(Array(twoRuns), withHost: false, withRun: true)[0]
    #expect(split.rows.count == 4 && split.rows[2].hasPrefix("second-") && split.rows[0].hasPrefix("cpu"))
    let charts = HeatmapChart.charts(rows, withHost: false)
    #expect(charts.map(\.way) == ["arc/generative"])
    let chart = charts[0]
    #expect(chart.rows.count == HeatmapChart.maxRows && chart.omittedRows == 10)
    let parsed = try ElementCounter.parse(chart.svg().svgDocument())
    // One background rectangle, one per square.
    #expect(parsed.counts["rect"] == 1 + HeatmapChart.maxRows * 2)
    #expect(parsed.texts.contains { $0.contains("10 more rows") })
  }

  @Test("the CPU panel is the counter's rise over time; memory keeps each stretch's peak")
  func timeSeries() throws {
    let buckets = [
      TelemetryBucket(seconds: 0, samples: 1, maxRSSBytes: 1 << 20, cpuSeconds: 0),
      TelemetryBucket(seconds: 1, samples: 1, maxRSSBytes: 512 << 20, cpuSeconds: 1),
      TelemetryBucket(seconds: 2, samples: 1, maxRSSBytes: 2 << 20, cpuSeconds: 3),
    ]
    let chart = TimeSeriesChart(title: "server", buckets: buckets)
    #expect(chart.panels.map(\.name) == ["resident memory (peak)", "CPU (100 % = one core)"])
    #expect(chart.panels[1].points.map(\.value) == [100, 200])
    #expect(chart.panels[0].points.map(\.value) == [1, 512, 2])
    let parsed = try ElementCounter.parse(chart.svg().svgDocument())
    #expect(parsed.counts["polyline"] == 2)
    let empty = try ElementCounter.parse(TimeSeriesChart(title: "none", buckets: []).svg().svgDocument())
    #expect(empty.texts.contains { $0.contains("No telemetry samples") })
  }

  @Test("latency rows: TTFT quartiles and an ITL band from p50 to p90 with the worst p99 as whisker")
  func distributions() throws {
    func repetition(_ index: Int, ttft: Double, p50: Double, p90: Double, p99: Double) -> PerfRepetitionRecord {
      PerfRepetitionRecord(
        runId: "r", cellHash: "c", scenario: "pp512-tg128", repetition: index, promptTokens: 512, generatedTokens: 128,
        decodeDepth: 512, ttftMs: ttft, serverPromptMs: 1, serverPromptTPS: 1, clientPromptTPS: 1, serverDecodeTPS: 1,
        clientDecodeTPS: nil, itlP50Ms: p50, itlP90Ms: p90, itlP99Ms: p99, cacheTokens: 0)
    }
    let cells = [
      (
        label: "cpu",
        repetitions: [
          repetition(1, ttft: 100, p50: 10, p90: 12, p99: 30), repetition(2, ttft: 200, p50: 11, p90: 13, p99: 40),
          repetition(3, ttft: 300, p50: 12, p90: 14, p99: 20),
        ]
      )
    ]
    let ttft = DistributionChart.ttft(cells).rows[0]
    #expect(ttft.median == 200 && ttft.band == 150...250 && ttft.whisker == 100...300)
    let itl = DistributionChart.itl(cells).rows[0]
    #expect(itl.median == 11 && itl.band == 11...13 && itl.whisker == 10...40)
    _ = try ElementCounter.parse(DistributionChart.itl(cells).svg().svgDocument())
  }

  @Test("reliability: one chart per method, a point per filled bin, well-formed")
  func reliability() throws {
    // Two filled bins of ten: four answers near 0.4, six near 0.8.
    let outcomes =
      (0..<4).map { ConfidenceOutcome(confidence: 0.42, correct: $0 == 0) }
      + (0..<6).map { ConfidenceOutcome(confidence: 0.81, correct: $0 < 5) }
    let bins = try CalibrationReport(outcomes).bins
    let rows = ["letter_likelihood", "generative"].map {
      ReliabilityRow(cell: "c", label: "cpu m Q4", task: "arc", method: $0, bins: bins, expectedCalibrationError: 0.1)
    }
    let charts = ReliabilityChart.charts(rows, withHost: false)
    #expect(charts.map(\.method) == ["letter_likelihood", "generative"])
    let parsed = try ElementCounter.parse(charts[0].svg().svgDocument())
    #expect(parsed.counts["circle"] == 2)
  }

  @Test("outside text in SVG and HTML is escaped, and control characters are made visible")
  func markup() throws {
    #expect(Markup.attribute(#"a"b'<c>&"#) == "a&quot;b&#39;&lt;c&gt;&amp;")
    #expect(Markup.text("x &lt; y\u{1B}[2J") == "x &amp;lt; y\u{241B}[2J")
    #expect(Markup.text("tab\tnew\nline\u{07}\u{9B}") == "tab\tnew\nline\u{2407}\u{FFFD}")
    // A combining mark after a quote or a bracket is one Character to Swift but not to a browser.
    #expect(Markup.attribute("x\"\u{301} onload=alert(1)") == "x&quot;\u{301} onload=alert(1)")
    #expect(Markup.text("<\u{338}b>") == "&lt;\u{338}b&gt;")
    #expect(Markup.identifier("arc\"\u{301} x") == "arc_22_301_20x")
    let hostile = "</title><script>alert(1)</script>\"'&amp;"
    let svg = ParetoChart(points: [point(hostile, 10, 0.5)], accuracyOf: hostile).svg().svgDocument()
    #expect(!svg.contains("<script"))
    let parsed = try ElementCounter.parse(svg)
    #expect(parsed.counts["script"] == nil)
    // The parser gives the text back as the model wrote it.
    #expect(parsed.texts.joined().contains("</title><script>alert(1)</script>\"'&amp;"))
  }
}
