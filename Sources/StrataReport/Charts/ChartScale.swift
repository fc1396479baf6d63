import Foundation

/// Maps data values onto a pixel range, linearly or (for figures that span decades,
/// such as TTFT across a CPU and a GPU) logarithmically, with round tick values.
struct ChartScale: Sendable {
  var lower: Double
  var upper: Double
  var start: Double
  var end: Double
  var logarithmic = false

  /// A scale over `values`, drawn from `start` to `end` (a y axis runs bottom to top, so
  /// `start` may exceed `end`), with some headroom, from zero where every value is positive
  /// and `fromZero` asks; logarithmic when the values span more than `logAbove`×.
  static func fitting(
    _ values: [Double], from start: Double, to end: Double, fromZero: Bool = true, logAbove: Double? = nil,
    fixed: ClosedRange<Double>? = nil
  ) -> ChartScale {
    let finite = values.filter(\.isFinite)
    if let fixed { return ChartScale(lower: fixed.lowerBound, upper: fixed.upperBound, start: start, end: end) }
    let low = finite.min() ?? 0
    let high = finite.max() ?? 1
    if let logAbove, low > 0, high / low > logAbove {
      return ChartScale(
        lower: pow(10, floor(log10(low))), upper: pow(10, ceil(log10(high))), start: start,
        end: end, logarithmic: true)
    }
    var lower = fromZero && low >= 0 ? 0 : low
    var upper = high
    if upper - lower < 1e-12 {
      lower -= max(1, abs(lower) * 0.1)
      upper += max(1, abs(upper) * 0.1)
      if fromZero, low >= 0 { lower = 0 }
    }
    let step = Self.niceStep((upper - lower) / 5)
    lower = floor(lower / step) * step
    upper = ceil(upper * 1.0001 / step) * step
    return ChartScale(lower: lower, upper: upper, start: start, end: end)
  }

  func position(_ value: Double) -> Double {
    let fraction: Double
    if logarithmic {
      let clamped = max(value, lower)
      fraction = (log10(clamped) - log10(lower)) / (log10(upper) - log10(lower))
    } else {
      fraction = (value - lower) / (upper - lower)
    }
    return start + (end - start) * fraction
  }

  /// Round values inside the domain: 1-2-5 steps, or powers of ten on a log scale.
  var ticks: [Double] {
    if logarithmic {
      var ticks: [Double] = []
      var tick = lower
      while tick <= upper * 1.0001 {
        ticks.append(tick)
        tick *= 10
      }
      return ticks
    }
    let step = Self.niceStep((upper - lower) / 5)
    var ticks: [Double] = []
    var tick = (lower / step).rounded(.up) * step
    while tick <= upper + step * 1e-9 {
      ticks.append(abs(tick) < step * 1e-9 ? 0 : tick)
      tick += step
    }
    return ticks
  }

  static func niceStep(_ rough: Double) -> Double {
    guard rough > 0, rough.isFinite else { return 1 }
    let magnitude = pow(10, floor(log10(rough)))
    let residual = rough / magnitude
    let nice: Double = residual <= 1 ? 1 : residual <= 2 ? 2 : residual <= 5 ? 5 : 10
    return nice * magnitude
  }
}

/// Short numbers for axes and labels: 0.25, 12, 1.5k, 2M.
enum ChartNumber {
  static func short(_ value: Double) -> String {
    let magnitude = abs(value)
    if magnitude >= 1_000_000 { return trimmed(value / 1_000_000) + "M" }
    if magnitude >= 10_000 { return trimmed(value / 1000) + "k" }
    if magnitude >= 100 || value == value.rounded() { return String(format: "%.0f", value) }
    if magnitude >= 10 { return String(format: "%.1f", value) }
    return trimmed(value)
  }

  private static func trimmed(_ value: Double) -> String {
    var text = String(format: "%.2f", value)
    while text.contains("."), text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    return text
  }

  /// Coordinates with one decimal: enough for a screen, and small files.
  static func px(_ value: Double) -> String {
    // A figure no axis can hold (an infinite speed from a bad import) must not trap.
    guard value.isFinite, abs(value) < 1e9 else { return "0" }
    let rounded = (value * 10).rounded() / 10
    return rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%.1f", rounded)
  }
}
