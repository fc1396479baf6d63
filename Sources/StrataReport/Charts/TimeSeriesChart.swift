import Foundation
import Plot
import StrataStore

/// One server over its life: resident memory, CPU use and, where a device was sampled,
/// VRAM and power, as panels stacked on one time axis.
public struct TimeSeriesChart: Sendable {
  public struct Panel: Sendable, Equatable {
    public var name: String
    public var unit: String
    public var points: [(seconds: Double, value: Double)]

    public static func == (a: Panel, b: Panel) -> Bool {
      a.name == b.name && a.unit == b.unit && a.points.map(\.seconds) == b.points.map(\.seconds)
        && a.points.map(\.value) == b.points.map(\.value)
    }
  }

  public var title: String
  public var panels: [Panel]

  /// Panels from the downsampled buckets; a series nobody sampled gets no panel.
  public init(title: String, buckets: [TelemetryBucket]) {
    self.title = title
    let mebibyte = 1_048_576.0
    var panels: [Panel] = []
    let rss = buckets.compactMap { bucket in bucket.maxRSSBytes.map { (bucket.seconds, Double($0) / mebibyte) } }
    if !rss.isEmpty { panels.append(Panel(name: "resident memory (peak)", unit: "MiB", points: rss)) }
    // The counter's rise between consecutive buckets over the time between their ends.
    var cpu: [(seconds: Double, value: Double)] = []
    var previous: TelemetryBucket?
    for bucket in buckets {
      defer { if bucket.cpuSeconds != nil { previous = bucket } }
      guard let now = bucket.cpuSeconds, let before = previous, let then = before.cpuSeconds,
        bucket.seconds > before.seconds
      else { continue }
      cpu.append((bucket.seconds, max(0, (now - then) / (bucket.seconds - before.seconds) * 100)))
    }
    if !cpu.isEmpty { panels.append(Panel(name: "CPU (100 % = one core)", unit: "%", points: cpu)) }
    let vram = buckets.compactMap { bucket in bucket.maxVRAMBytes.map { (bucket.seconds, Double($0) / mebibyte) } }
    if !vram.isEmpty { panels.append(Panel(name: "VRAM used (peak, all devices)", unit: "MiB", points: vram)) }
    let power = buckets.compactMap { bucket in bucket.meanPowerWatts.map { (bucket.seconds, $0) } }
    if !power.isEmpty { panels.append(Panel(name: "power (mean)", unit: "W", points: power)) }
    self.panels = panels
  }

  public func svg() -> SVGNode {
    var canvas = ChartCanvas()
    let panelHeight = 84.0
    let gap = 40.0
    canvas.height = canvas.top + canvas.bottom + Double(max(1, panels.count)) * (panelHeight + gap)
    guard !panels.isEmpty else {
      return canvas.empty(title: title, kind: "timeseries", reason: "No telemetry samples were stored for this server.")
    }
    let times = panels.flatMap { $0.points.map(\.seconds) }
    let x = ChartScale.fitting(times, from: canvas.plotLeft, to: canvas.plotRight)
    var nodes: [SVGNode] = []
    for (index, panel) in panels.enumerated() {
      var frame = canvas
      frame.top = canvas.top + gap + Double(index) * (panelHeight + gap)
      frame.bottom = canvas.height - frame.top - panelHeight
      let y = ChartScale.fitting(panel.points.map(\.value), from: frame.plotBottom, to: frame.plotTop)
      // Only the last panel labels the time axis.
      let axes = frame.axes(
        x: x, y: y, xLabel: index == panels.count - 1 ? "seconds since the server started" : "", yLabel: panel.unit)
      nodes += axes
      nodes.append(
        .tag(
          "text", ["x": ChartNumber.px(frame.plotLeft), "y": ChartNumber.px(frame.plotTop - 8), "font-weight": "bold"],
          text: panel.name))
      let color = ChartCanvas.color(index)
      let points = panel.points.map {
        "\(ChartNumber.px(x.position($0.seconds))),\(ChartNumber.px(y.position($0.value)))"
      }
      nodes.append(
        .tag(
          "polyline",
          ["points": points.joined(separator: " "), "fill": "none", "stroke": color, "stroke-width": "1.5"],
          [
            .tag(
              "title",
              text: "\(panel.name): peak \(ChartNumber.short(panel.points.map(\.value).max() ?? 0)) \(panel.unit)")
          ]))
    }
    return canvas.svg(title: title, kind: "timeseries", nodes)
  }
}
