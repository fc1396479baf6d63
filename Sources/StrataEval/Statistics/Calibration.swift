/// One answered item: how sure the model was of the answer it chose, and whether
/// that answer was right.
public struct ConfidenceOutcome: Sendable, Hashable, Codable {
  /// Probability the model gave its chosen answer, in 0...1.
  public var confidence: Double
  public var correct: Bool

  public init(confidence: Double, correct: Bool) {
    self.confidence = confidence
    self.correct = correct
  }
}

/// A multiple-choice item's probabilities over all its options, and the right option.
///
/// `probabilities` may be raw (e.g. `exp(logprob)` of each option's letter, which
/// need not sum to 1: mass goes to tokens that are no option); they are
/// normalised over the options before use. They must be finite, non-negative and
/// not all zero.
public struct ChoiceForecast: Sendable, Hashable, Codable {
  public var probabilities: [Double]
  public var answerIndex: Int

  public init(probabilities: [Double], answerIndex: Int) {
    self.probabilities = probabilities
    self.answerIndex = answerIndex
  }

  /// The probabilities scaled to sum to 1.
  public func normalized() throws(CalibrationError) -> [Double] {
    guard probabilities.indices.contains(answerIndex) else {
      throw .answerOutOfRange(answerIndex, optionCount: probabilities.count)
    }
    guard probabilities.allSatisfy({ $0.isFinite && $0 >= 0 }) else { throw .invalidProbabilities(probabilities) }
    let total = probabilities.reduce(0, +)
    guard total > 0 else { throw .invalidProbabilities(probabilities) }
    return probabilities.map { $0 / total }
  }

  /// The option the model would pick (the most probable; the first on a tie),
  /// with its normalised probability as the confidence.
  public func chosen() throws(CalibrationError) -> ConfidenceOutcome {
    let p = try normalized()
    var best = 0
    for index in p.indices where p[index] > p[best] { best = index }
    return ConfidenceOutcome(confidence: p[best], correct: best == answerIndex)
  }
}

/// Input that calibration cannot be computed from.
public enum CalibrationError: Error, Sendable, Hashable, CustomStringConvertible {
  case noItems
  case confidenceOutOfRange(index: Int, value: Double)
  case invalidProbabilities([Double])
  case answerOutOfRange(Int, optionCount: Int)
  case invalidResampling(resamples: Int, confidenceLevel: Double)
  case invalidBinCount(Int)

  public var description: String {
    switch self {
    case .noItems:
      "calibration needs at least one item with a confidence\n  hint: check that the task asked for logprobs"
    case .confidenceOutOfRange(let index, let value):
      "item \(index) has confidence \(value), outside 0...1\n  hint: pass probabilities, not logprobs or percentages"
    case .invalidProbabilities(let values):
      "option probabilities \(values) must be finite, non-negative and not all zero"
    case .answerOutOfRange(let index, let count):
      "answer index \(index) is not one of the \(count) options"
    case .invalidResampling(let resamples, let level):
      "a bootstrap needs at least one resample and a confidence level strictly between 0 and 1 "
        + "(got \(resamples) resamples at \(level))"
    case .invalidBinCount(let count):
      "calibration needs at least one bin (got \(count)); the usual choice is 10"
    }
  }
}

/// One bin of a reliability diagram: the items whose confidence fell in
/// `[lower, upper)` (the last bin also holds 1.0).
public struct CalibrationBin: Sendable, Hashable, Codable {
  public var lower: Double
  public var upper: Double
  public var count: Int
  /// Mean confidence of the bin's items; nil for an empty bin.
  public var meanConfidence: Double?
  /// Fraction of the bin's items answered correctly; nil for an empty bin.
  public var accuracy: Double?
}

/// How well one cell's confidences on one task match its accuracy.
///
/// - `expectedCalibrationError` (ECE): Σ_bins (n_b / N) · |accuracy_b − meanConfidence_b|
///   over equal-width bins (Guo et al., 2017, "On Calibration of Modern Neural
///   Networks", eq. 3); empty bins add nothing. 0 is perfect; it is biased upward
///   for small N, so compare cells at equal item counts.
/// - `brierScore`: the binary Brier score on the chosen answer,
///   mean over items of (confidence − correct)², correct ∈ {0, 1}; in 0...1.
///   `BrierScore.multipleChoice` gives the full-vector form.
public struct CalibrationReport: Sendable, Hashable, Codable {
  public var itemCount: Int
  public var bins: [CalibrationBin]
  public var expectedCalibrationError: Double
  public var brierScore: Double

  /// `binCount` equal-width bins over 0...1; bin i covers [i/binCount, (i+1)/binCount).
  public init(_ outcomes: [ConfidenceOutcome], binCount: Int = 10) throws(CalibrationError) {
    try Calibration.validate(outcomes)
    guard binCount > 0 else { throw .invalidBinCount(binCount) }
    var counts = [Int](repeating: 0, count: binCount)
    var confidenceSums = [Double](repeating: 0, count: binCount)
    var correctCounts = [Int](repeating: 0, count: binCount)
    for outcome in outcomes {
      let bin = Calibration.binIndex(of: outcome.confidence, binCount: binCount)
      counts[bin] += 1
      confidenceSums[bin] += outcome.confidence
      if outcome.correct { correctCounts[bin] += 1 }
    }
    bins = (0..<binCount).map { bin in
      let count = counts[bin]
      return CalibrationBin(
        lower: Double(bin) / Double(binCount), upper: Double(bin + 1) / Double(binCount), count: count,
        meanConfidence: count > 0 ? confidenceSums[bin] / Double(count) : nil,
        accuracy: count > 0 ? Double(correctCounts[bin]) / Double(count) : nil)
    }
    itemCount = outcomes.count
    expectedCalibrationError = bins.reduce(0) { sum, bin in
      guard let confidence = bin.meanConfidence, let accuracy = bin.accuracy else { return sum }
      return sum + Double(bin.count) / Double(outcomes.count) * abs(accuracy - confidence)
    }
    brierScore = try BrierScore.binary(outcomes)
  }
}

/// Calibration figures and their uncertainty.
public enum Calibration {
  /// Expected calibration error alone (see `CalibrationReport`).
  public static func expectedCalibrationError(_ outcomes: [ConfidenceOutcome], binCount: Int = 10)
    throws(CalibrationError) -> Double
  {
    try CalibrationReport(outcomes, binCount: binCount).expectedCalibrationError
  }

  /// A percentile bootstrap interval for ECE: `resamples` resamples of the items
  /// with replacement, drawn by SplitMix64 from `seed`, so the same inputs and
  /// seed give the same interval on every machine. Because ECE is biased upward,
  /// the interval can sit above the point estimate when N is small.
  public static func expectedCalibrationErrorInterval(
    _ outcomes: [ConfidenceOutcome], binCount: Int = 10, resamples: Int = 1000, confidenceLevel: Double = 0.95,
    seed: UInt64
  ) throws(CalibrationError) -> BootstrapInterval {
    try validate(outcomes)
    let estimate = try expectedCalibrationError(outcomes, binCount: binCount)
    guard resamples > 0, confidenceLevel > 0, confidenceLevel < 1 else {
      throw .invalidResampling(resamples: resamples, confidenceLevel: confidenceLevel)
    }
    // Bootstrap.percentileInterval with ECE computed in place: each item's bin is found
    // once and a resample only adds into three buffers, so a report of thousands of
    // cells × categories does not build a million CalibrationReports. The draws, the
    // order of the sums and so every interval are the same as the general form's.
    let bins = outcomes.map { binIndex(of: $0.confidence, binCount: binCount) }
    let count = outcomes.count
    var generator = SplitMix64(seed: seed)
    var values: [Double] = []
    values.reserveCapacity(resamples)
    var counts = [Int](repeating: 0, count: binCount)
    var confidenceSums = [Double](repeating: 0, count: binCount)
    var correctCounts = [Int](repeating: 0, count: binCount)
    for _ in 0..<resamples {
      for bin in 0..<binCount {
        counts[bin] = 0
        confidenceSums[bin] = 0
        correctCounts[bin] = 0
      }
      for _ in 0..<count {
        let index = Bootstrap.uniformIndex(below: count, using: &generator)
        let bin = bins[index]
        counts[bin] += 1
        confidenceSums[bin] += outcomes[index].confidence
        if outcomes[index].correct { correctCounts[bin] += 1 }
      }
      var ece = 0.0
      for bin in 0..<binCount where counts[bin] > 0 {
        let binCount = Double(counts[bin])
        let gap = abs(Double(correctCounts[bin]) / binCount - confidenceSums[bin] / binCount)
        ece += binCount / Double(count) * gap
      }
      values.append(ece)
    }
    values.sort()
    let tail = (1 - confidenceLevel) / 2
    return BootstrapInterval(
      estimate: estimate, lower: Bootstrap.quantile(values, tail), upper: Bootstrap.quantile(values, 1 - tail),
      resamples: resamples, confidenceLevel: confidenceLevel, seed: seed)
  }

  /// The bin of a confidence: i such that i/binCount ≤ c < (i+1)/binCount, with 1.0
  /// in the last bin. The boundaries are the doubles nearest i/binCount, so 0.3
  /// lands in bin 3 even though 0.3 · 10 need not be exactly 3 in binary.
  static func binIndex(of confidence: Double, binCount: Int) -> Int {
    var bin = min(binCount - 1, max(0, Int((confidence * Double(binCount)).rounded(.down))))
    if bin > 0, confidence < Double(bin) / Double(binCount) { bin -= 1 }
    if bin < binCount - 1, confidence >= Double(bin + 1) / Double(binCount) { bin += 1 }
    return bin
  }

  static func validate(_ outcomes: [ConfidenceOutcome]) throws(CalibrationError) {
    guard !outcomes.isEmpty else { throw .noItems }
    for (index, outcome) in outcomes.enumerated() where !(0...1).contains(outcome.confidence) {
      throw .confidenceOutOfRange(index: index, value: outcome.confidence)
    }
  }
}

/// Brier scores: mean squared distance between forecast probabilities and what happened.
public enum BrierScore {
  /// The binary form on the chosen answer: mean of (confidence − y)², y = 1 when
  /// the chosen answer was right. 0 is perfect, 1 is confidently wrong every time.
  /// It ignores how the rest of the probability was spread.
  public static func binary(_ outcomes: [ConfidenceOutcome]) throws(CalibrationError) -> Double {
    try Calibration.validate(outcomes)
    let total = outcomes.reduce(0.0) { sum, outcome in
      let error = outcome.confidence - (outcome.correct ? 1 : 0)
      return sum + error * error
    }
    return total / Double(outcomes.count)
  }

  /// Brier's original multi-category form (Brier, 1950): mean over items of
  /// Σ_k (p_k − y_k)², with p the probabilities normalised over the options and y
  /// one-hot on the right option. 0 is perfect, 2 is all mass on a wrong option;
  /// a uniform guess over K options scores 1 − 1/K.
  public static func multipleChoice(_ forecasts: [ChoiceForecast]) throws(CalibrationError) -> Double {
    guard !forecasts.isEmpty else { throw .noItems }
    var total = 0.0
    for forecast in forecasts {
      let p = try forecast.normalized()
      for (k, probability) in p.enumerated() {
        let error = probability - (k == forecast.answerIndex ? 1 : 0)
        total += error * error
      }
    }
    return total / Double(forecasts.count)
  }
}
