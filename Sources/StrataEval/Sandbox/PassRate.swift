/// pass@k, the share of problems solved by at least one of k sampled programs.
public enum PassRate {
  /// pass@1 over one outcome per problem: the share that passed, with its Wilson interval.
  public static func passAt1(_ outcomes: [SandboxOutcome]) -> Proportion {
    Proportion(successes: outcomes.filter(\.passed).count, trials: outcomes.count)
  }

  /// The unbiased estimate of pass@k for one problem from `samples` programs of
  /// which `correct` passed (Chen et al. 2021, "Evaluating Large Language Models
  /// Trained on Code"): 1 − C(n−c, k) / C(n, k), computed as a product so that
  /// large n does not overflow. nil when k is not in 1...n.
  public static func passAtK(samples n: Int, correct c: Int, k: Int) -> Double? {
    guard k >= 1, k <= n, c >= 0, c <= n else { return nil }
    if c == 0 { return 0 }
    if n - c < k { return 1 }
    var allWrong = 1.0
    for i in (n - c + 1)...n { allWrong *= 1 - Double(k) / Double(i) }
    return 1 - allWrong
  }

  /// Mean pass@k over problems, each with its list of sampled outcomes; nil when
  /// there are no problems or one has fewer than k samples.
  public static func passAtK(_ outcomesByProblem: [[SandboxOutcome]], k: Int) -> Double? {
    guard !outcomesByProblem.isEmpty else { return nil }
    var total = 0.0
    for outcomes in outcomesByProblem {
      guard let value = passAtK(samples: outcomes.count, correct: outcomes.filter(\.passed).count, k: k)
      else { return nil }
      total += value
    }
    return total / Double(outcomesByProblem.count)
  }
}
