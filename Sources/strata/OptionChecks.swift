import ArgumentParser
import StrataTelemetry

/// Range checks for numeric options, run by each command's `validate()` before
/// anything starts: a value like `inf`, `nan` or `-1` is refused with what is
/// allowed, instead of reaching a timer or a division.
enum OptionCheck {
  static func range(_ value: Double, _ option: String, _ allowed: ClosedRange<Double>, _ unit: String) throws {
    guard value.isFinite, allowed.contains(value) else {
      throw ValidationError(
        "\(option) must be a number from \(format(allowed.lowerBound)) to \(format(allowed.upperBound)) \(unit), not \(value)"
      )
    }
  }

  static func range(_ value: Int, _ option: String, _ allowed: ClosedRange<Int>, _ unit: String) throws {
    guard allowed.contains(value) else {
      throw ValidationError(
        "\(option) must be a whole number from \(allowed.lowerBound) to \(allowed.upperBound) \(unit), not \(value)")
    }
  }

  /// Telemetry rates the sampling loop keeps to (see `TelemetryRecorder`).
  static let telemetryRates = TelemetryRecorder.minRateHz...TelemetryRecorder.maxRateHz

  private static func format(_ value: Double) -> String {
    value == value.rounded() ? String(Int(value)) : String(value)
  }
}
