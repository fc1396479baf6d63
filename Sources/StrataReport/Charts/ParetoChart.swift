import Foundation
import Plot

/// Quality against decode speed, one point per cell: the cells no other cell beats on
/// both are the Pareto front, joined by a staircase; a point's area grows with its peak memory.
public struct ParetoChart: Sendable {
  public struct Point: Sendable, Hashable {
    public var label: String
    /// Colours the point (the engine).
    public var group: String
    public var decodeTPS: Double
    public var accuracy: Double
    public var peakBytes: Int64?

    public init(label: String, group: String, decodeTPS: Double, accuracy: Double, peakBytes: Int64?) {
      self.label = label
      self.group = group
      self.decodeTPS = decodeTPS
      self.accuracy = accuracy
      self.peakBytes = peakBytes
    }
  }

  public var points: [Point]
  public var accuracyOf: String

  public init(points: [Point], accuracyOf: String) {
    self.points = points
    self.accuracyOf = accuracyOf
  }

  /// The indices of the points no other point matches or beats on both speed and
  /// accuracy while beating it on one; two identical points are both on the front.
  public static func front(_ points: [Point]) -> [Int] {
    points.indices.filter { index in
      let point = points[index]
      return !points.contains { other in
        other.decodeTPS >= point.decodeTPS && other.accuracy >= point.accuracy
          && (other.decodeTPS > point.decodeTPS || other.accuracy > point.accuracy)
      }
    }
  }

  /// The rows built from comparison rows: done cells with both a decode speed and an accuracy.
  public static func points(_ rows: [ComparisonRow], multiHost: Bool, multiRun: Bool = false) -> [Point] {
    rows.compactMap { row in
      guard let speed = row.decodeTPS?.mean, let accuracy = row.accuracy?.value else { return nil }
      return Point(
        label: row.label(withHost: multiHost, withRun: multiRun), group: row.engine, decodeTPS: speed,
        accuracy: accuracy,
        peakBytes: row.peakVRAMBytes ?? row.peakRSSBytes)
    }
  }

  public func svg() -> SVGNode {
    let canvas = ChartCanvas()
    let title = "Quality against decode speed"
    guard !points.isEmpty else {
      return canvas.empty(
        title: title, kind: "pareto", reason: "No cell has both a decode speed and an accuracy to plot.")
    }
    let x = ChartScale.fitting(points.map(\.decodeTPS), from: canvas.plotLeft, to: canvas.plotRight)
    let y = ChartScale.fitting([], from: canvas.plotBottom, to: canvas.plotTop, fixed: 0...1)
    let groups = points.reduce(into: [String]()) { if !$0.contains($1.group) { $0.append($1.group) } }
    let largest = Double(points.compactMap(\.peakBytes).max() ?? 0)
    let frontIndices = Self.front(points)
    let onFront = Set(frontIndices)
    var nodes = canvas.axes(
      x: x, y: y, xLabel: "decode t/s (server, mean)", yLabel: "accuracy, \(accuracyOf)",
      yFormat: { String(format: "%.0f%%", $0 * 100) })
    // The boundary of what the front dominates: up from the fastest point, then for each
    // slower one left to its speed and up to its accuracy, and left to the axis.
    let front = frontIndices.map { points[$0] }.sorted { ($0.decodeTPS, $0.accuracy) > ($1.decodeTPS, $1.accuracy) }
    if !front.isEmpty {
      var path = "M\(ChartNumber.px(x.position(front[0].decodeTPS))) \(ChartNumber.px(canvas.plotBottom))"
      for (rank, point) in front.enumerated() {
        if rank > 0 { path += " H\(ChartNumber.px(x.position(point.decodeTPS)))" }
        path += " V\(ChartNumber.px(y.position(point.accuracy)))"
      }
      path += " H\(ChartNumber.px(canvas.plotLeft))"
      nodes.append(
        .tag("path", ["d": path, "fill": "none", "stroke": "#444444", "stroke-dasharray": "4 3", "class": "front"]))
    }
    for (index, point) in points.enumerated() {
      let radius = largest > 0 ? 3 + 9 * ((Double(point.peakBytes ?? 0) / largest).squareRoot()) : 5
      let color = ChartCanvas.color(groups.firstIndex(of: point.group) ?? 0)
      let memory = point.peakBytes.map { String(format: ", peak %.0f MiB", Double($0) / 1_048_576) } ?? ""
      nodes.append(
        .tag(
          "circle",
          [
            "cx": ChartNumber.px(x.position(point.decodeTPS)), "cy": ChartNumber.px(y.position(point.accuracy)),
            "r": ChartNumber.px(radius), "fill": color, "fill-opacity": "0.55",
            "stroke": onFront.contains(index) ? "#000000" : color, "stroke-width": onFront.contains(index) ? "2" : "1",
          ],
          [
            .tag(
              "title",
              text: "\(point.label): \(ChartNumber.short(point.decodeTPS)) t/s, "
                + String(format: "%.1f%%", point.accuracy * 100) + memory + (onFront.contains(index) ? " (front)" : ""))
          ]))
    }
    // Front labels point inwards, so that those near the right edge are not cut.
    for (rank, point) in front.prefix(8).enumerated() {
      let px = x.position(point.decodeTPS)
      // Neighbours on the front alternate above and below their points.
      let dy = rank % 2 == 0 ? -10.0 : 18.0
      let inward = px > (canvas.plotLeft + canvas.plotRight) / 2
      nodes.append(
        .tag(
          "text",
          [
            "x": ChartNumber.px(px + (inward ? -10 : 10)), "y": ChartNumber.px(y.position(point.accuracy) + dy),
            "text-anchor": inward ? "end" : "start", "font-size": "10", "fill": "#222222",
          ], text: ChartText.fit(point.label, 48)))
    }
    nodes += canvas.legend(groups.enumerated().map { ($0.element, ChartCanvas.color($0.offset)) })
    return canvas.svg(title: title, kind: "pareto", nodes)
  }
}

extension ComparisonRow {
  /// The cell's other axes as `name=value`, sorted: what tells two cells of one model and quant apart.
  var settingsText: String {
    axes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
  }

  /// "engine model quant settings", with the host first when rows come from several.
  func label(withHost: Bool, withRun: Bool = false) -> String {
    [withHost ? host : "", withRun ? String(run.prefix(8)) : "", engine, model, quant, settingsText]
      .filter { !$0.isEmpty }.joined(separator: " ")
  }
}
