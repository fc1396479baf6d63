import Foundation
import Plot
import StrataStore

typealias BodyNode = Node<HTML.BodyContext>

/// `strata report --html`: one self-contained file (inline CSS and SVG, no script, no
/// network) with the runs, their hosts and engines, every table, the charts, each
/// answer with its prompt, and the failures with their logs. Built as a Plot element
/// tree, so outside text is escaped on the way out rather than by each caller.
public enum HTMLReport {
  public static func render(_ content: HTMLReportContent, generatedAt: Date) -> String {
    let stamp = ISO8601DateFormatter().string(from: generatedAt)
    let hosts = Set(content.runs.map(\.source.host.hostname)).sorted()
    let intro =
      "\(content.runs.count) run\(content.runs.count == 1 ? "" : "s") on \(hosts.joined(separator: ", ")), "
      + "\(content.comparison.count) cells; generated \(stamp) by strata."
    let sections: [(id: String, title: String, body: [BodyNode])] = [
      ("runs", "Runs, hosts and engines", runs(content)),
      ("comparison", "Comparison", comparison(content)),
      ("hardware", "Hardware", hardware(content)),
      ("charts", "Charts", charts(content)),
      ("quality", "Quality", quality(content)),
      ("answers", "Answers", answers(content)),
      ("failures", "Failures", failures(content)),
      ("prompts", "Prompts", prompts(content)),
    ].filter { !$0.2.isEmpty }
    let body: [BodyNode] =
      [
        .tag("h1", text: "strata report"), .tag("p", ["class": "intro"], text: intro),
        .tag(
          "nav", [:],
          sections.map { .tag("a", ["href": "#\($0.id)"], text: $0.title) }),
      ]
      + sections.map { section in
        .tag("section", ["id": section.id], [.tag("h2", text: section.title)] + section.body)
      }
    let html = HTML(
      .lang(.english),
      .head(
        .encoding(.utf8),
        .element(named: "title", nodes: [.safeText("strata report — \(hosts.joined(separator: ", "))")]),
        .meta(.name("viewport"), .content("width=device-width, initial-scale=1")), .style(css)),
      .body(.group(body)))
    return html.render() + "\n"
  }

  // MARK: sections

  static func runs(_ content: HTMLReportContent) -> [BodyNode] {
    content.runs.map { part in
      let run = part.source.run
      let host = part.source.host
      let format = ISO8601DateFormatter()
      let started = format.string(from: Date(timeIntervalSince1970: run.startedAt))
      let finished = run.finishedAt.map { format.string(from: Date(timeIntervalSince1970: $0)) }
      let duration = run.finishedAt.map { String(format: "%.0f s", $0 - run.startedAt) }
      var facts: [(String, String?)] = [
        ("status", run.status.rawValue), ("started", started), ("finished", finished), ("took", duration),
        ("stopped because", run.stopReason), ("matrix", "\(run.matrixPath) (\(run.matrixHash.prefix(12)))"),
        ("command", run.commandLine), ("strata", run.strataVersion),
      ]
      facts += [
        ("host", host.hostname), ("CPU", host.cpuModel), ("logical cores", host.logicalCores.map(String.init)),
        ("memory", host.memoryBytes.map { String(format: "%.1f GiB", Double($0) / 1_073_741_824) }),
        ("OS", host.os), ("kernel", host.kernel),
        (
          "memory bandwidth",
          host.memoryBandwidth.map {
            String(format: "%.1f GB/s (STREAM triad", $0.bytesPerSecond / 1e9)
              + ($0.threads.map { ", \($0) threads)" } ?? ")")
          }
        ),
        (
          "GPUs",
          host.gpus.map { gpus in
            gpus.isEmpty
              ? "none"
              : gpus.map { gpu in
                gpu.device
                  + (gpu.vramTotalBytes.map { String(format: " (%.1f GiB)", Double($0) / 1_073_741_824) } ?? "")
              }.joined(separator: "; ")
          }
        ),
      ]
      let engines = part.engines.map { line -> [String] in
        [
          line.engine,
          line.summary
            + (line.serverBuilds.count > 1
              ? " — servers reported different builds: \(line.serverBuilds.joined(separator: ", "))" : ""),
        ]
      }
      let samplers = part.samplers.map { [$0.sampler, $0.available ? "used" : "not used: \($0.reason ?? "?")"] }
      return .tag(
        "div", ["class": "run", "id": "run-\(Markup.identifier(run.id))"],
        [
          .tag("h3", text: "Run \(run.id)"),
          .tag(
            "dl", [:],
            facts.compactMap { name, value in value.map { (name, $0) } }.flatMap { name, value -> [BodyNode] in
              [.tag("dt", text: name), .tag("dd", text: value)]
            }),
          .tag("h4", text: "Engines"), table(["engine", "identity"], engines),
          .tag("h4", text: "Telemetry samplers"), table(["sampler", "status"], samplers),
        ])
    }
  }

  static func comparison(_ content: HTMLReportContent) -> [BodyNode] {
    let rows = content.comparison
    guard !rows.isEmpty else { return [] }
    let axes = ReportRenderer.varyingAxes(rows)
    let sources = ReportRenderer.sourceColumns(rows)
    let hardware = ReportRenderer.hardwareColumns(rows)
    return [
      table(
        ReportRenderer.headers(rows, axes: axes),
        rows.map { ReportRenderer.cells($0, sources: sources, axes: axes, hardware: hardware) },
        statusColumn: true),
      .tag("p", ["class": "legend"], text: ReportRenderer.accuracyLegend(rows)),
    ]
      + ReportRenderer.figureLegends(rows, shown: Set(hardware.map(\.header))).map {
        .tag("p", ["class": "legend"], text: $0)
      }
  }

  static func hardware(_ content: HTMLReportContent) -> [BodyNode] {
    guard let table = content.hardware else { return [] }
    let columns = HardwareRenderer.columns(table.rows, forum: false)
    return [
      .tag("p", text: HardwareRenderer.title(table, rows: table.rows)),
      Self.table(columns.map(\.header), table.rows.map { row in columns.map { $0.value(row) } }),
      .tag("p", ["class": "legend"], text: HardwareRenderer.legend(table, rows: table.rows).joined(separator: " ")),
    ]
  }

  static func charts(_ content: HTMLReportContent) -> [BodyNode] {
    let accuracyOf = Set(content.comparison.compactMap(\.accuracyWay)).sorted()
    var figures: [(SVGNode, String)] = [
      (
        ParetoChart(
          points: ParetoChart.points(content.comparison, multiHost: content.multiHost, multiRun: content.multiRun),
          accuracyOf: accuracyOf.count == 1 ? accuracyOf[0] : "each cell's first task"
        ).svg(),
        "Each done cell at its mean server decode speed and its accuracy (the comparison table's columns); the "
          + "dashed staircase joins the cells no other cell beats on both, circled in black. Area grows with peak "
          + "memory (VRAM where sampled, else the server's RSS). Hover a point for its figures."
      )
    ]
    figures += HeatmapChart.charts(content.categories, withHost: content.multiHost, withRun: content.multiRun).map {
      ($0.svg(), "Percent of items right per task category, one row per cell; grey: no items of that category.")
    }
    if content.categories.isEmpty {
      figures.append(
        (
          HeatmapChart(way: "", [], withHost: false).svg(),
          "No answers are stored, so there is no accuracy by category."
        ))
    }
    figures += ReliabilityChart.charts(content.reliability, withHost: content.multiHost, withRun: content.multiRun).map
    {
      (
        $0.svg(),
        "Per confidence bin: the mean confidence against the share right; the diagonal is perfect calibration."
      )
    }
    figures.append(
      (
        DistributionChart.ttft(content.latencies).svg(),
        "Every repetition's time to first token (client side), the band its interquartile range, the tick its median."
      ))
    figures.append(
      (
        DistributionChart.itl(content.latencies).svg(),
        "Inter-token latency of each cell's first scenario, from the streamed tokens' arrival times: a dot per "
          + "repetition's median, the band from the medians' median to the p90s', the whisker out to the worst p99."
      ))
    for server in content.series {
      figures.append(
        (
          TimeSeriesChart(title: server.title, buckets: server.buckets).svg(),
          "Downsampled to at most \(content.limits.seriesPoints) points: memory and VRAM are each stretch's peak, "
            + "CPU the counter's rise between stretches, power the stretch's mean."
        ))
    }
    var nodes = figures.map { svg, caption -> BodyNode in
      .tag("figure", [:], [.component(svg), .tag("figcaption", text: caption)])
    }
    if content.omittedServers > 0 {
      nodes.append(
        .tag(
          "p", ["class": "legend"],
          text: "\(content.omittedServers) more servers are not charted; --run picks fewer runs."))
    }
    return nodes
  }

  static func quality(_ content: HTMLReportContent) -> [BodyNode] {
    guard !content.quality.isEmpty else { return [] }
    let (headers, cells) = QualityRenderer.columns(content.quality)
    return [
      table(headers, content.quality.map(cells)),
      .tag("p", ["class": "legend"], text: QualityRenderer.legend.trimmingCharacters(in: .whitespacesAndNewlines)),
    ]
  }

  static func answers(_ content: HTMLReportContent) -> [BodyNode] {
    guard !content.ways.isEmpty else { return [] }
    let limits = content.limits
    var nodes: [BodyNode] = [
      .tag(
        "p", ["class": "legend"],
        text: "Each cell's answers, wrong ones first, at most \(limits.itemsPerWay) per task and method; "
          + "`strata report --format json` and the database have them all."
          + (content.omittedWays > 0
            ? " \(content.omittedWays) more cells × tasks × methods are not shown here; --run picks fewer runs." : ""))
    ]
    for way in content.ways {
      let rows: [BodyNode] = way.shown.map { answer in
        let reply = clip(answer.response, limit: limits.replyCharacters)
        let promptLink: BodyNode =
          content.prompts[answer.promptHash] != nil
          ? .tag("a", ["href": "#\(promptAnchor(answer.promptHash))"], text: "prompt")
          : .tag("span", ["class": "muted"], text: "not stored")
        return .tag(
          "tr", ["class": answer.correct ? "right" : "wrong"],
          [
            .tag("td", text: answer.itemId), .tag("td", text: answer.category ?? "-"),
            .tag("td", [:], [promptLink]),
            .tag("td", [:], [.tag("pre", text: reply)] + thinking(answer)),
            .tag("td", text: answer.extracted ?? "-"), .tag("td", text: answer.expected),
            .tag(
              "td", ["class": "verdict"],
              text: answer.correct ? "✓ right" : "✗ wrong" + (answer.failureKind.map { " (\($0))" } ?? "")),
            .tag("td", text: answer.confidence.map { String(format: "%.3f", $0) } ?? "-"),
          ])
      }
      let summary =
        "\(way.label) — \(way.task)/\(way.method): \(way.correct)/\(way.total) right"
        + (way.shown.count < way.total ? " (\(way.shown.count) shown)" : "")
      nodes.append(
        .tag(
          "details", ["id": way.anchor],
          [
            .tag("summary", text: summary),
            .tag(
              "table", [:],
              [
                .tag(
                  "thead", [:],
                  [
                    .tag(
                      "tr", [:],
                      ["item", "category", "prompt", "reply", "answer", "expected", "verdict", "confidence"].map {
                        .tag("th", text: $0)
                      })
                  ]),
                .tag("tbody", [:], rows),
              ]),
          ]))
    }
    return nodes
  }

  static func thinking(_ answer: TaskResultRecord) -> [BodyNode] {
    guard let thinking = answer.thinking, !thinking.isEmpty else { return [] }
    return [
      .tag(
        "details", [:],
        [
          .tag(
            "summary", text: "thinking (\(answer.thinkingTokens.map { "\($0) tokens" } ?? "\(thinking.count) chars"))"),
          .tag("pre", text: clip(thinking, limit: 1500)),
        ])
    ]
  }

  static func failures(_ content: HTMLReportContent) -> [BodyNode] {
    content.failures.map { failure in
      .tag(
        "div", ["class": "failure"],
        [
          .tag("h3", text: "\(failure.label): \(failure.status)"), .tag("p", text: failure.message),
        ]
          + (failure.logTail.map { [.tag("pre", ["class": "log"], text: $0)] } ?? []))
    }
  }

  static func prompts(_ content: HTMLReportContent) -> [BodyNode] {
    content.prompts.sorted { $0.key < $1.key }.map { hash, text in
      .tag(
        "div", ["class": "prompt", "id": promptAnchor(hash)],
        [
          .tag("h4", text: "prompt \(hash.prefix(16))"),
          .tag("pre", text: clip(text, limit: content.limits.promptCharacters, keepEnd: true)),
        ])
    }
  }

  // MARK: pieces

  /// The prompts' fragment identifiers: a prompt hash is strata's own hex, but a merged
  /// database is outside text all the same.
  static func promptAnchor(_ hash: String) -> String { "p-" + Markup.identifier(String(hash.prefix(16))) }

  static func table(_ headers: [String], _ rows: [[String]], statusColumn: Bool = false) -> BodyNode {
    let statusIndex = statusColumn ? headers.firstIndex(of: "status") : nil
    return .tag(
      "table", [:],
      [
        .tag("thead", [:], [.tag("tr", [:], headers.map { .tag("th", text: $0) })]),
        .tag(
          "tbody", [:],
          rows.map { cells in
            let failed = statusIndex.map { cells[$0] != "done" } ?? false
            return .tag("tr", failed ? ["class": "failed"] : [:], cells.map { .tag("td", text: $0) })
          }),
      ])
  }

  /// At most `limit` characters, saying how many were cut; a prompt keeps its end,
  /// where the question is (the start is the few-shot examples).
  static func clip(_ text: String, limit: Int, keepEnd: Bool = false) -> String {
    guard text.count > limit else { return text }
    let cut = text.count - limit
    if keepEnd { return "[… \(cut) characters before]\n" + String(text.suffix(limit)) }
    return String(text.prefix(limit)) + "\n[… \(cut) more characters]"
  }

  static let css = """
    body{font-family:"DejaVu Sans",Verdana,sans-serif;font-size:14px;margin:24px;color:#1d1d1d;max-width:1400px}
    h1{font-size:24px;margin:0 0 4px}h2{border-bottom:2px solid #ccc;padding-bottom:4px;margin-top:32px}
    nav a{margin-right:14px}.intro,.legend,.muted{color:#555}.legend{font-size:12px;max-width:1100px}
    table{border-collapse:collapse;margin:8px 0 12px;font-size:12px}
    th,td{border:1px solid #d5d5d5;padding:3px 6px;text-align:left;vertical-align:top}
    th{background:#f2f2f2}tr.failed td{background:#fff1f0}tr.wrong td.verdict{color:#b00020}
    tr.right td.verdict{color:#1b7a1b}pre{white-space:pre-wrap;word-break:break-word;margin:0;max-width:560px;font-size:12px}
    pre.log,.prompt pre{max-width:1100px;background:#f7f7f7;padding:6px}
    dl{display:grid;grid-template-columns:max-content auto;gap:2px 14px}dt{font-weight:bold}dd{margin:0}
    figure{margin:16px 0}figcaption{font-size:12px;color:#555;max-width:900px}svg.chart{max-width:100%;height:auto}
    details{margin:4px 0}summary{cursor:pointer}
    """
}
