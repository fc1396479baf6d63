import Foundation
import Plot
import StrataEval

/// One reliability diagram per scoring method with a confidence: each series is a
/// cell's task, a point per confidence bin at (mean confidence, accuracy), its area
/// growing with the bin's items. A calibrated model sits on the diagonal.
public struct ReliabilityChart: Sendable {
  public var method: String
  public var series: [(label: String, bins: [CalibrationBin], ece: Double)]
  public var omitted = 0

  static let maxSeries = 8

  /// One chart per method found in the rows, in the order they first appear.
  public static func charts(_ rows: [ReliabilityRow], withHost: Bool, withRun: Bool = false) -> [ReliabilityChart] {
    let methods = rows.reduce(into: [String]()) { if !$0.contains($1.method) { $0.append($1.method) } }
    return methods.map { method in
      let mine = rows.filter { $0.method == method }
      return ReliabilityChart(
        method: method,
        series: mine.prefix(maxSeries).map {
          (
            [withHost ? $0.host : "", withRun ? String($0.run.prefix(8)) : "", "\($0.label) · \($0.task)"]
              .filter { !$0.isEmpty }.joined(separator: " "), $0.bins, $0.expectedCalibrationError
          )
        },
        omitted: max(0, mine.count - maxSeries))
    }
  }

  public func svg() -> SVGNode {
    var canvas = ChartCanvas()
    canvas.width = 720
    canvas.height = 440
    canvas.right = 300
    let title = "Reliability: \(method)"
    let x = ChartScale.fitting([], from: canvas.plotLeft, to: canvas.plotRight, fixed: 0...1)
    let y = ChartScale.fitting([], from: canvas.plotBottom, to: canvas.plotTop, fixed: 0...1)
    var nodes = canvas.axes(x: x, y: y, xLabel: "confidence in the chosen answer", yLabel: "share correct")
    nodes.append(
      .tag(
        "line",
        [
          "x1": ChartNumber.px(x.position(0)), "y1": ChartNumber.px(y.position(0)), "x2": ChartNumber.px(x.position(1)),
          "y2": ChartNumber.px(y.position(1)), "stroke": "#999999", "stroke-dasharray": "5 4",
        ]))
    let largest = Double(series.flatMap(\.bins).map(\.count).max() ?? 1)
    for (index, entry) in series.enumerated() {
      let color = ChartCanvas.color(index)
      let filled = entry.bins.compactMap { bin -> (bin: CalibrationBin, confidence: Double, accuracy: Double)? in
        guard bin.count > 0, let confidence = bin.meanConfidence, let accuracy = bin.accuracy else { return nil }
        return (bin, confidence, accuracy)
      }
      let points = filled.map { (x.position($0.confidence), y.position($0.accuracy)) }
      if points.count > 1 {
        nodes.append(
          .tag(
            "polyline",
            [
              "points": points.map { "\(ChartNumber.px($0.0)),\(ChartNumber.px($0.1))" }.joined(separator: " "),
              "fill": "none", "stroke": color, "stroke-width": "1.5",
            ]))
      }
      for ((bin, _, accuracy), point) in zip(filled, points) {
        nodes.append(
          .tag(
            "circle",
            [
              "cx": ChartNumber.px(point.0), "cy": ChartNumber.px(point.1),
              "r": ChartNumber.px(2.5 + 6 * (Double(bin.count) / largest).squareRoot()), "fill": color,
              "fill-opacity": "0.7",
            ],
            [
              .tag(
                "title",
                text: "\(entry.label): confidence \(String(format: "%.2f–%.2f", bin.lower, bin.upper)), "
                  + "\(bin.count) items, \(String(format: "%.0f%%", accuracy * 100)) correct")
            ]))
      }
      let legendY = canvas.plotTop + 14 + Double(index) * 30
      nodes.append(
        .tag(
          "rect",
          [
            "x": ChartNumber.px(canvas.plotRight + 14), "y": ChartNumber.px(legendY - 9), "width": "10", "height": "10",
            "fill": color,
          ]))
      nodes.append(
        .tag(
          "text", ["x": ChartNumber.px(canvas.plotRight + 30), "y": ChartNumber.px(legendY)],
          text: ChartText.fit(entry.label, 40)))
      nodes.append(
        .tag(
          "text", ["x": ChartNumber.px(canvas.plotRight + 30), "y": ChartNumber.px(legendY + 13), "fill": "#555555"],
          text: String(format: "ECE %.3f", entry.ece)))
    }
    if omitted > 0 {
      nodes.append(
        .tag(
          "text", ["x": ChartNumber.px(canvas.plotRight + 14), "y": ChartNumber.px(canvas.plotBottom)],
          text: "\(omitted) more in --by bin"))
    }
    return canvas.svg(title: title, kind: "reliability", nodes)
  }
}
