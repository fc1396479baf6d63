import Foundation
import Plot
import StrataStore

/// A latency's spread per cell, one line each: every repetition as a dot, a thin whisker
/// over the whole range and a thick band over the middle, on a log axis when cells
/// differ by orders of magnitude (a CPU and a GPU in one run).
public struct DistributionChart: Sendable {
  public struct Row: Sendable, Hashable {
    public var label: String
    public var dots: [Double]
    /// The thick part: p50–p90 of inter-token latency, or the TTFT's interquartile range.
    public var band: ClosedRange<Double>?
    /// The thin part: the whole range (to the worst p99 for inter-token latency).
    public var whisker: ClosedRange<Double>?
    public var median: Double?
  }

  public var title: String
  public var axis: String
  public var kind: String
  public var rows: [Row]
  public var omitted = 0

  static let maxRows = 40

  /// Time to first token of every repetition of each cell's first scenario.
  public static func ttft(_ cells: [(label: String, repetitions: [PerfRepetitionRecord])]) -> DistributionChart {
    let rows = cells.compactMap { cell -> Row? in
      let values = cell.repetitions.map(\.ttftMs).sorted()
      guard let lowest = values.first, let highest = values.last else { return nil }
      return Row(
        label: cell.label, dots: values, band: quantile(values, 0.25)...quantile(values, 0.75),
        whisker: lowest...highest, median: quantile(values, 0.5))
    }
    return DistributionChart(
      title: "Time to first token", axis: "TTFT, ms", kind: "ttft", rows: Array(rows.prefix(maxRows)),
      omitted: max(0, rows.count - maxRows))
  }

  /// Inter-token latency: each repetition's median as a dot, the medians' p50 to the
  /// p90s' median as the band, and out to the worst p99 as the whisker.
  public static func itl(_ cells: [(label: String, repetitions: [PerfRepetitionRecord])]) -> DistributionChart {
    let rows = cells.compactMap { cell -> Row? in
      let p50 = cell.repetitions.compactMap(\.itlP50Ms).sorted()
      let p90 = cell.repetitions.compactMap(\.itlP90Ms).sorted()
      let p99 = cell.repetitions.compactMap(\.itlP99Ms).sorted()
      guard let fastest = p50.first else { return nil }
      let middle = quantile(p50, 0.5)
      let upper = p90.isEmpty ? middle : max(middle, quantile(p90, 0.5))
      return Row(
        label: cell.label, dots: p50, band: middle...upper,
        whisker: min(fastest, middle)...max(upper, p99.last ?? upper), median: middle)
    }
    return DistributionChart(
      title: "Inter-token latency",
      axis: "ms between tokens", kind: "itl", rows: Array(rows.prefix(maxRows)), omitted: max(0, rows.count - maxRows))
  }

  /// Linear interpolation between the closest ranks of sorted values.
  static func quantile(_ sorted: [Double], _ q: Double) -> Double {
    guard sorted.count > 1 else { return sorted.first ?? 0 }
    let position = q * Double(sorted.count - 1)
    let low = Int(position.rounded(.down))
    let high = min(sorted.count - 1, low + 1)
    return sorted[low] + (sorted[high] - sorted[low]) * (position - Double(low))
  }

  public func svg() -> SVGNode {
    var canvas = ChartCanvas()
    canvas.left = 300
    let rowHeight = 20.0
    canvas.height = canvas.top + canvas.bottom + rowHeight * Double(max(1, rows.count)) + 8
    guard !rows.isEmpty else {
      return canvas.empty(title: title, kind: kind, reason: "No repetitions measured this latency.")
    }
    let all = rows.flatMap { $0.dots + [$0.whisker?.lowerBound, $0.whisker?.upperBound].compactMap { $0 } }
    let x = ChartScale.fitting(all, from: canvas.plotLeft, to: canvas.plotRight, logAbove: 20)
    var frame = ChartScale.fitting([], from: canvas.plotBottom, to: canvas.plotTop, fixed: 0...1)
    frame.lower = 0
    var nodes = canvas.axes(x: x, y: frame, xLabel: axis, yLabel: "", yTicks: false)
    for (index, row) in rows.enumerated() {
      let y = canvas.plotTop + 4 + rowHeight * (Double(index) + 0.5)
      let color = ChartCanvas.color(index)
      nodes.append(
        .tag(
          "text",
          [
            "x": ChartNumber.px(canvas.plotLeft - 6), "y": ChartNumber.px(y), "text-anchor": "end",
            "dominant-baseline": "middle",
          ],
          text: ChartText.fit(row.label, 42)))
      if let whisker = row.whisker {
        nodes.append(line(x.position(whisker.lowerBound), x.position(whisker.upperBound), y, color: color, width: 1))
      }
      if let band = row.band {
        nodes.append(
          line(
            x.position(band.lowerBound), max(x.position(band.upperBound), x.position(band.lowerBound) + 2), y,
            color: color, width: 7, opacity: 0.45))
      }
      if let median = row.median {
        let position = ChartNumber.px(x.position(median))
        nodes.append(
          .tag(
            "line",
            [
              "x1": position, "x2": position, "y1": ChartNumber.px(y - 6), "y2": ChartNumber.px(y + 6),
              "stroke": "#000000", "stroke-width": "1.5",
            ],
            [.tag("title", text: "\(row.label): median \(ChartNumber.short(median)) ms over \(row.dots.count)")]))
      }
      for dot in row.dots {
        nodes.append(
          .tag(
            "circle",
            ["cx": ChartNumber.px(x.position(dot)), "cy": ChartNumber.px(y), "r": "2.5", "fill": color]))
      }
    }
    if omitted > 0 {
      nodes.append(
        .tag(
          "text", ["x": "10", "y": ChartNumber.px(canvas.height - 8), "fill": "#666666"],
          text: "\(omitted) more cells; narrow with --where or --run."))
    }
    return canvas.svg(title: title, kind: kind, nodes)
  }

  private func line(_ from: Double, _ to: Double, _ y: Double, color: String, width: Double, opacity: Double = 1)
    -> SVGNode
  {
    .tag(
      "line",
      [
        "x1": ChartNumber.px(from), "x2": ChartNumber.px(to), "y1": ChartNumber.px(y), "y2": ChartNumber.px(y),
        "stroke": color, "stroke-width": ChartNumber.px(width), "stroke-opacity": ChartNumber.short(opacity),
      ])
  }
}
