import Testing

@testable import StrataEval

@Suite("Calibration: ECE, reliability bins, Brier scores, bootstrap")
struct CalibrationTests {
  /// Six items worked by hand (10 bins of width 0.1):
  ///   0.95 right → bin 9;  0.85 right, 0.82 wrong → bin 8;  0.55 right → bin 5;
  ///   0.45 wrong → bin 4;  0.15 wrong → bin 1.
  static let six = [
    ConfidenceOutcome(confidence: 0.95, correct: true),
    ConfidenceOutcome(confidence: 0.85, correct: true),
    ConfidenceOutcome(confidence: 0.82, correct: false),
    ConfidenceOutcome(confidence: 0.55, correct: true),
    ConfidenceOutcome(confidence: 0.45, correct: false),
    ConfidenceOutcome(confidence: 0.15, correct: false),
  ]

  @Test("the in-place bootstrap of ECE gives the general bootstrap's interval to the last bit")
  func inPlaceBootstrapMatchesTheGeneralForm() throws {
    var generator = SplitMix64(seed: 99)
    for size in [1, 3, 20, 57] {
      let outcomes = (0..<size).map { _ in
        ConfidenceOutcome(
          confidence: Double(generator.next() % 1001) / 1000, correct: generator.next() % 3 != 0)
      }
      let fast = try Calibration.expectedCalibrationErrorInterval(outcomes, resamples: 300, seed: 5)
      let general = try Bootstrap.percentileInterval(
        outcomes, estimate: try Calibration.expectedCalibrationError(outcomes), resamples: 300, seed: 5
      ) { (try? Calibration.expectedCalibrationError($0)) ?? 0 }
      #expect(fast == general, "\(size) items")
    }
  }

  @Test("ECE and reliability bins match the hand computation")
  func sixItems() throws {
    let report = try CalibrationReport(Self.six)
    #expect(report.itemCount == 6)
    #expect(report.bins.map(\.count) == [0, 1, 0, 0, 1, 1, 0, 0, 2, 1])
    // bin 8: mean confidence (0.85 + 0.82) / 2 = 0.835, accuracy 1/2.
    let bin8 = report.bins[8]
    #expect(abs(try #require(bin8.meanConfidence) - 0.835) < 1e-12)
    #expect(bin8.accuracy == 0.5)
    #expect(bin8.lower == 0.8 && bin8.upper == 0.9)
    #expect(report.bins[0].meanConfidence == nil && report.bins[0].accuracy == nil)
    // ECE = Σ n_b/N · |acc_b − conf_b|
    //     = (1·|1 − 0.95| + 2·|0.5 − 0.835| + 1·|1 − 0.55| + 1·|0 − 0.45| + 1·|0 − 0.15|) / 6
    //     = (0.05 + 0.67 + 0.45 + 0.45 + 0.15) / 6 = 1.77 / 6 = 0.295
    #expect(abs(report.expectedCalibrationError - 0.295) < 1e-12)
    // Brier (binary) = (0.05² + 0.15² + 0.82² + 0.45² + 0.45² + 0.15²) / 6
    //               = (0.0025 + 0.0225 + 0.6724 + 0.2025 + 0.2025 + 0.0225) / 6 = 1.1249 / 6
    #expect(abs(report.brierScore - 1.1249 / 6) < 1e-12)
  }

  @Test(
    "bin i covers [i/10, (i+1)/10) and the last bin holds 1.0",
    arguments: [
      (0.0, 0), (0.0999, 0), (0.1, 1), (0.3, 3), (0.29999, 2), (0.6, 6), (0.7, 7), (0.9, 9), (0.99, 9), (1.0, 9),
    ])
  func binEdges(confidence: Double, bin: Int) {
    #expect(Calibration.binIndex(of: confidence, binCount: 10) == bin)
  }

  @Test("perfect calibration gives ECE 0; confident and always wrong gives 1")
  func extremes() throws {
    // Bin 7: four items at 0.75, one wrong → accuracy 3/4 = 0.75 = confidence.
    let calibrated = (0..<4).map { ConfidenceOutcome(confidence: 0.75, correct: $0 >= 1) }
    #expect(abs(try Calibration.expectedCalibrationError(calibrated + calibrated) - 0) < 1e-12)
    let wrong = [ConfidenceOutcome](repeating: .init(confidence: 1, correct: false), count: 4)
    #expect(try Calibration.expectedCalibrationError(wrong) == 1)
    #expect(try BrierScore.binary(wrong) == 1)
  }

  @Test("the multiple-choice Brier score uses the whole normalised vector")
  func multipleChoiceBrier() throws {
    let forecasts = [
      // Σ_k (p_k − y_k)² = (0.7 − 1)² + 0.2² + 0.1² = 0.09 + 0.04 + 0.01 = 0.14
      ChoiceForecast(probabilities: [0.7, 0.2, 0.1], answerIndex: 0),
      // raw [2, 1, 1] normalises to [0.5, 0.25, 0.25]; right is option 2:
      // 0.5² + 0.25² + (0.25 − 1)² = 0.25 + 0.0625 + 0.5625 = 0.875
      ChoiceForecast(probabilities: [2, 1, 1], answerIndex: 2),
    ]
    // mean = (0.14 + 0.875) / 2 = 0.5075
    #expect(abs(try BrierScore.multipleChoice(forecasts) - 0.5075) < 1e-12)
    // The binary form on the chosen (argmax) answer: item 1 picks A at 0.7, right
    // → (0.7 − 1)² = 0.09; item 2 picks A at 0.5, wrong → 0.5² = 0.25; mean 0.17.
    let chosen = try forecasts.map { try $0.chosen() }
    #expect(chosen.map(\.correct) == [true, false])
    #expect(abs(chosen[0].confidence - 0.7) < 1e-12 && chosen[1].confidence == 0.5)
    #expect(abs(try BrierScore.binary(chosen) - 0.17) < 1e-12)
    // A uniform guess over K = 4 options scores 1 − 1/K = 0.75.
    #expect(abs(try BrierScore.multipleChoice([.init(probabilities: [1, 1, 1, 1], answerIndex: 3)]) - 0.75) < 1e-12)
  }

  @Test("bad inputs are typed errors")
  func errors() {
    #expect(throws: CalibrationError.noItems) { try CalibrationReport([]) }
    #expect(throws: CalibrationError.confidenceOutOfRange(index: 1, value: 1.5)) {
      try CalibrationReport([.init(confidence: 0.5, correct: true), .init(confidence: 1.5, correct: true)])
    }
    #expect(throws: CalibrationError.invalidProbabilities([0, 0])) {
      try BrierScore.multipleChoice([.init(probabilities: [0, 0], answerIndex: 0)])
    }
    #expect(throws: CalibrationError.answerOutOfRange(4, optionCount: 4)) {
      try BrierScore.multipleChoice([.init(probabilities: [1, 1, 1, 1], answerIndex: 4)])
    }
    #expect(throws: CalibrationError.invalidResampling(resamples: 0, confidenceLevel: 0.95)) {
      try Calibration.expectedCalibrationErrorInterval(Self.six, resamples: 0, seed: 1)
    }
    #expect(throws: CalibrationError.invalidBinCount(0)) { try CalibrationReport(Self.six, binCount: 0) }
  }

  /// 300 items from a fixed generator: confidence uniform in [0.5, 1), correct with
  /// probability confidence − 0.1 (an overconfident model).
  static let overconfident: [ConfidenceOutcome] = {
    var generator = SplitMix64(seed: 42)
    return (0..<300).map { _ in
      let confidence = 0.5 + 0.5 * Double(generator.next() >> 11) / Double(1 << 53)
      let draw = Double(generator.next() >> 11) / Double(1 << 53)
      return ConfidenceOutcome(confidence: confidence, correct: draw < confidence - 0.1)
    }
  }()

  @Test("the ECE bootstrap is deterministic for a seed and brackets the estimate")
  func bootstrap() throws {
    let first = try Calibration.expectedCalibrationErrorInterval(Self.overconfident, seed: 7)
    let again = try Calibration.expectedCalibrationErrorInterval(Self.overconfident, seed: 7)
    let other = try Calibration.expectedCalibrationErrorInterval(Self.overconfident, seed: 8)
    #expect(first == again)
    #expect(first.lower != other.lower || first.upper != other.upper)
    #expect(first.resamples == 1000 && first.confidenceLevel == 0.95)
    #expect(first.estimate == (try Calibration.expectedCalibrationError(Self.overconfident)))
    #expect(first.lower < first.estimate && first.estimate < first.upper)
    // The model is about 0.1 overconfident, so the interval sits well above 0.
    #expect(first.lower > 0.03 && first.upper < 0.2)
  }

  @Test("percentile quantiles interpolate between order statistics like numpy")
  func quantiles() {
    // numpy.quantile([1, 2, 3, 4], 0.25) = 1 + 0.75 · (2 − 1) = 1.75 (position 0.75)
    #expect(Bootstrap.quantile([1, 2, 3, 4], 0.25) == 1.75)
    #expect(Bootstrap.quantile([1, 2, 3, 4], 1) == 4)
    #expect(Bootstrap.quantile([5], 0.5) == 5)
  }
}
