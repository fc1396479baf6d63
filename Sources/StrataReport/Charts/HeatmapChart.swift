import Foundation
import Plot

/// Accuracy of each cell (rows) in each task category (columns), one chart per task and
/// method: where a quantization or an engine lost quality shows as a lighter square.
public struct HeatmapChart: Sendable {
  /// "task/method".
  public var way: String
  public var rows: [String]
  public var columns: [String]
  /// `values[row][column]`: accuracy and the number of items, nil where the cell has none.
  public var values: [[(accuracy: Double, items: Int)?]]
  /// How many rows and columns there were before the caps.
  public var omittedRows = 0
  public var omittedColumns = 0

  static let maxRows = 60
  static let maxColumns = 48

  /// One chart per task and method of the per-category quality rows, in the order they first appear.
  public static func charts(_ quality: [QualityRow], withHost: Bool, withRun: Bool = false) -> [HeatmapChart] {
    let ways = quality.reduce(into: [String]()) { ways, row in
      let way = "\(row.task)/\(row.method)"
      if !ways.contains(way) { ways.append(way) }
    }
    return ways.map { way in
      HeatmapChart(way: way, quality.filter { "\($0.task)/\($0.method)" == way }, withHost: withHost, withRun: withRun)
    }
  }

  /// One chart row per cell of the per-category quality rows of one task and method.
  public init(way: String, _ quality: [QualityRow], withHost: Bool, withRun: Bool = false) {
    self.way = way
    var rowKeys: [String] = []
    var labels: [String: String] = [:]
    var columns: [String] = []
    var cells: [String: [String: (Double, Int)]] = [:]
    for row in quality {
      // A row is a cell of a run: the same cell of two runs is two rows, never one mixed.
      let key = row.run + "\u{1F}" + row.cell
      labels[key] = [withHost ? row.host : "", withRun ? String(row.run.prefix(8)) : "", row.label]
        .filter { !$0.isEmpty }.joined(separator: " ")
      let column = row.category ?? "(none)"
      if cells[key] == nil { rowKeys.append(key) }
      if !columns.contains(column) { columns.append(column) }
      cells[key, default: [:]][column] = (row.accuracy.value, row.accuracy.trials)
    }
    columns.sort()
    omittedRows = max(0, rowKeys.count - Self.maxRows)
    omittedColumns = max(0, columns.count - Self.maxColumns)
    let shownRows = Array(rowKeys.prefix(Self.maxRows))
    let shownColumns = Array(columns.prefix(Self.maxColumns))
    rows = shownRows.map { labels[$0] ?? $0 }
    self.columns = shownColumns
    values = shownRows.map { key in shownColumns.map { cells[key]?[$0].map { (accuracy: $0.0, items: $0.1) } } }
  }

  /// White for 0 %, deep blue for 100 %.
  static func fill(_ accuracy: Double) -> String {
    let lightness = 97 - 62 * min(1, max(0, accuracy))
    return "hsl(212, 70%, \(Int(lightness))%)"
  }

  public func svg() -> SVGNode {
    let title = "Accuracy by task category: \(way)"
    guard !rows.isEmpty, !columns.isEmpty else {
      return ChartCanvas().empty(title: title, kind: "heatmap", reason: "No task results with categories to plot.")
    }
    let cellWidth = 34.0
    let cellHeight = 18.0
    let labelWidth = 300.0
    let headerHeight = 110.0
    var canvas = ChartCanvas()
    canvas.left = labelWidth
    canvas.top = headerHeight
    canvas.width = labelWidth + cellWidth * Double(columns.count) + 20
    canvas.height = headerHeight + cellHeight * Double(rows.count) + 40
    canvas.width = max(canvas.width, 520)
    var nodes: [SVGNode] = []
    for (index, column) in columns.enumerated() {
      let x = labelWidth + cellWidth * (Double(index) + 0.5)
      let y = headerHeight - 6
      nodes.append(
        .tag(
          "text",
          [
            "x": ChartNumber.px(x), "y": ChartNumber.px(y),
            "transform": "rotate(-50 \(ChartNumber.px(x)) \(ChartNumber.px(y)))",
          ],
          text: ChartText.fit(column, 22)))
    }
    for (rowIndex, row) in rows.enumerated() {
      let y = headerHeight + cellHeight * Double(rowIndex)
      nodes.append(
        .tag(
          "text",
          [
            "x": ChartNumber.px(labelWidth - 6), "y": ChartNumber.px(y + cellHeight / 2), "text-anchor": "end",
            "dominant-baseline": "middle",
          ],
          text: ChartText.fit(row, 42)))
      for (columnIndex, value) in values[rowIndex].enumerated() {
        let x = labelWidth + cellWidth * Double(columnIndex)
        guard let value else {
          nodes.append(
            .tag(
              "rect",
              [
                "x": ChartNumber.px(x), "y": ChartNumber.px(y), "width": ChartNumber.px(cellWidth - 1),
                "height": ChartNumber.px(cellHeight - 1), "fill": "#f4f4f4",
              ]))
          continue
        }
        nodes.append(
          .tag(
            "rect",
            [
              "x": ChartNumber.px(x), "y": ChartNumber.px(y), "width": ChartNumber.px(cellWidth - 1),
              "height": ChartNumber.px(cellHeight - 1), "fill": Self.fill(value.accuracy),
            ],
            [
              .tag(
                "title",
                text: "\(row) — \(columns[columnIndex]): "
                  + String(format: "%.0f%% of %d", value.accuracy * 100, value.items))
            ]))
        nodes.append(
          .tag(
            "text",
            [
              "x": ChartNumber.px(x + cellWidth / 2), "y": ChartNumber.px(y + cellHeight / 2), "text-anchor": "middle",
              "dominant-baseline": "middle", "font-size": "10", "fill": value.accuracy > 0.6 ? "#ffffff" : "#222222",
            ], text: String(format: "%.0f", value.accuracy * 100)))
      }
    }
    if omittedRows > 0 || omittedColumns > 0 {
      nodes.append(
        .tag(
          "text", ["x": "10", "y": ChartNumber.px(canvas.height - 14), "fill": "#666666"],
          text:
            "\(omittedRows) more rows and \(omittedColumns) more categories are in the quality table (--by category)."))
    }
    return canvas.svg(title: title, kind: "heatmap", nodes)
  }
}
