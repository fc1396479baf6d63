import Foundation
import Plot

/// The frame every chart draws in: a titled SVG of a fixed size, a plot area inside
/// margins, and the axes, grid and legend the charts share.
struct ChartCanvas {
  var width: Double = 680
  var height: Double = 380
  var left: Double = 64
  var right: Double = 20
  var top: Double = 34
  var bottom: Double = 48

  var plotLeft: Double { left }
  var plotRight: Double { width - right }
  var plotTop: Double { top }
  var plotBottom: Double { height - bottom }

  /// The palette of series and groups: distinguishable, and readable on white.
  static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"]

  static func color(_ index: Int) -> String { palette[index % palette.count] }

  /// The whole chart: `<svg>` with its size, an accessible title, and the children.
  func svg(title: String, kind: String, _ children: [SVGNode]) -> SVGNode {
    .tag(
      "svg",
      [
        "xmlns": "http://www.w3.org/2000/svg", "width": ChartNumber.px(width), "height": ChartNumber.px(height),
        "viewBox": "0 0 \(ChartNumber.px(width)) \(ChartNumber.px(height))", "role": "img",
        "class": "chart chart-\(kind)", "font-family": "DejaVu Sans, Verdana, sans-serif", "font-size": "11",
      ],
      [
        .tag("title", text: title),
        .tag("rect", ["width": "100%", "height": "100%", "fill": "#ffffff"]),
        .tag("text", ["x": "12", "y": "20", "font-size": "14", "font-weight": "bold"], text: title),
      ] + children)
  }

  /// Gridlines, ticks and labels of both axes, with their names.
  func axes(
    x: ChartScale, y: ChartScale, xLabel: String, yLabel: String, yFormat: (Double) -> String = ChartNumber.short,
    yTicks: Bool = true
  ) -> [SVGNode] {
    var nodes: [SVGNode] = []
    for tick in yTicks ? y.ticks : [] {
      let position = ChartNumber.px(y.position(tick))
      nodes.append(
        .tag(
          "line",
          [
            "x1": ChartNumber.px(plotLeft), "x2": ChartNumber.px(plotRight), "y1": position, "y2": position,
            "stroke": "#e3e3e3",
          ]))
      nodes.append(
        .tag(
          "text",
          ["x": ChartNumber.px(plotLeft - 6), "y": position, "text-anchor": "end", "dominant-baseline": "middle"],
          text: yFormat(tick)))
    }
    for tick in x.ticks {
      let position = ChartNumber.px(x.position(tick))
      nodes.append(
        .tag(
          "line",
          [
            "x1": position, "x2": position, "y1": ChartNumber.px(plotTop), "y2": ChartNumber.px(plotBottom),
            "stroke": "#eeeeee",
          ]))
      nodes.append(
        .tag(
          "text", ["x": position, "y": ChartNumber.px(plotBottom + 16), "text-anchor": "middle"],
          text: ChartNumber.short(tick)))
    }
    nodes.append(
      .tag(
        "rect",
        [
          "x": ChartNumber.px(plotLeft), "y": ChartNumber.px(plotTop), "width": ChartNumber.px(plotRight - plotLeft),
          "height": ChartNumber.px(plotBottom - plotTop), "fill": "none", "stroke": "#888888",
        ]))
    nodes.append(
      .tag(
        "text",
        ["x": ChartNumber.px((plotLeft + plotRight) / 2), "y": ChartNumber.px(height - 10), "text-anchor": "middle"],
        text: xLabel + (x.logarithmic ? " (log scale)" : "")))
    let middle = ChartNumber.px((plotTop + plotBottom) / 2)
    nodes.append(
      .tag(
        "text", ["x": "14", "y": middle, "text-anchor": "middle", "transform": "rotate(-90 14 \(middle))"],
        text: yLabel + (y.logarithmic ? " (log scale)" : "")))
    return nodes
  }

  /// A row of swatches and names along the top right.
  func legend(_ entries: [(name: String, color: String)]) -> [SVGNode] {
    var nodes: [SVGNode] = []
    var x = plotRight
    for entry in entries.reversed() {
      let name = ChartText.fit(entry.name, 28)
      let widthOfEntry = Double(name.count) * 6.4 + 18
      x -= widthOfEntry
      nodes.append(
        .tag(
          "rect",
          ["x": ChartNumber.px(x), "y": "10", "width": "10", "height": "10", "fill": entry.color]))
      nodes.append(.tag("text", ["x": ChartNumber.px(x + 14), "y": "19"], text: name))
    }
    return nodes
  }

  /// A chart with nothing to draw says why, rather than showing empty axes.
  func empty(title: String, kind: String, reason: String) -> SVGNode {
    var canvas = self
    canvas.height = 80
    return canvas.svg(
      title: title, kind: kind,
      [.tag("text", ["x": ChartNumber.px(left), "y": "52", "fill": "#666666"], text: reason)])
  }
}

/// Labels cut to what fits beside a chart (about 6.2 px a character at 11 px).
enum ChartText {
  static func fit(_ text: String, _ characters: Int) -> String {
    text.count > characters ? String(text.prefix(characters - 1)) + "…" : text
  }
}

extension SVGNode {
  /// The chart as a standalone `.svg` file.
  public func svgDocument() -> String {
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + render() + "\n"
  }
}
