import Foundation
import StrataEval
import StrataStore

/// One run of a diff, where it is stored.
public struct DiffSide: Sendable {
  public var store: ResultStore
  public var run: RunSource

  public init(store: ResultStore, run: RunSource) {
    self.store = store
    self.run = run
  }
}

/// `strata diff A B`: the cells the two runs share side by side, every speed change
/// with its interval and every accuracy change with McNemar's test on the items both
/// answered, each called significant or not; what differs between the runs' settings,
/// engines and hosts.
public struct RunDiff: Sendable, Codable {
  public struct Run: Sendable, Hashable, Codable {
    public var id: String
    public var host: String
    public var startedAt: Double
    public var database: String
  }

  public var before: Run
  public var after: Run
  public var settings: [SettingChange]
  /// What else differs: engine builds, images, devices, the host's kernel and OS.
  public var suspects: [Suspect]
  public var noise: BetweenRunNoise
  public var cells: [CellDiff]
  /// Cell labels only one run has.
  public var onlyBefore: [String]
  public var onlyAfter: [String]
  /// Benjamini–Hochberg's q over every test of the diff.
  public var falseDiscoveryRate: Double
  public var tests: Int

  public var changedCells: [CellDiff] { cells.filter(\.changed) }
}

/// One difference between the two runs' engines or hosts.
public struct Suspect: Sendable, Hashable, Codable {
  /// "engine cpu build", "kernel".
  public var subject: String
  public var before: String
  public var after: String
}

/// A matched pair of cells.
public struct CellDiff: Sendable, Codable {
  public var engine: String
  public var model: String
  public var quant: String
  /// The other settings the two cells share (`flash_attn`).
  public var axes: [String: String]
  public var beforeCell: String
  public var afterCell: String
  public var beforeStatus: String
  public var afterStatus: String
  public var scenario: String?
  public var speeds: [SpeedChange]
  public var accuracy: [AccuracyChange]

  public var changed: Bool { speeds.contains(where: \.significant) || accuracy.contains(where: \.significant) }

  /// "cpu smollm2-135m Q4_1 flash_attn=on".
  public var label: String {
    ([engine, model, quant] + axes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }).joined(separator: " ")
  }

  /// Ran before and does not now: a regression whatever the figures say.
  /// A cell B has not reached yet (planned, running: a budget stopped it) is not one.
  public var stoppedWorking: Bool {
    beforeStatus == "done" && (afterStatus.hasPrefix("failed") || afterStatus.hasPrefix("skipped"))
  }
}

public struct SpeedChange: Sendable, Codable {
  public var metric: DiffMetric
  public var before: Summary
  public var after: Summary
  public var test: RatioTest
  public var significant: Bool

  /// +12.5 for 12.5% more.
  public var percent: Double { (test.ratio - 1) * 100 }
  /// How much worse, as a share (0.08: 8% slower, or a TTFT 8% longer); ≤ 0 when better.
  public var worsening: Double { metric.higherIsBetter ? 1 - test.ratio : test.ratio - 1 }
}

public struct AccuracyChange: Sendable, Codable {
  public var task: String
  public var method: String
  /// Over the items both cells answered with the same prompt.
  public var before: Proportion
  public var after: Proportion
  public var test: McNemarTest
  /// Items one cell answered and the other did not, or answered from another prompt: not compared.
  public var unpaired: Int
  public var significant: Bool

  public var way: String { "\(task)/\(method)" }
  /// Accuracy points lost (0.06 for 52% → 46%); ≤ 0 when better.
  public var worsening: Double { before.value - after.value }
}

/// A significant change for the worse beyond `--fail-on-regression`, or a cell that stopped working.
public struct Regression: Sendable, Hashable, Codable {
  public var cell: String
  public var what: String
}

extension RunDiff {
  /// Builds the diff. `noiseRuns`: further runs whose noise checks inform the
  /// between-run noise (the two compared runs always do); `noise`: σ given outright.
  public static func build(
    before: DiffSide, after: DiffSide, noiseRuns: [DiffSide] = [], noise given: Double? = nil,
    falseDiscoveryRate q: Double = 0.05
  ) throws(StoreError) -> RunDiff {
    let pairing = CellPairing(
      before: try before.store.cells(runId: before.run.id), after: try after.store.cells(runId: after.run.id))
    let figuresBefore = try SideFigures(before)
    let figuresAfter = try SideFigures(after)
    // Each pair's scenario and figures first: the spread across cells is part of the noise.
    let measured = pairing.pairs.map { pair -> (scenario: String?, values: [DiffMetric: ([Double], [Double])]) in
      let scenario = figuresBefore.scenarios(pair.before.hash).first {
        figuresAfter.scenarios(pair.after.hash).contains($0)
      }
      guard let scenario, pair.before.status == .done, pair.after.status == .done else { return (scenario, [:]) }
      let one = figuresBefore.repetitions(pair.before.hash, scenario)
      let other = figuresAfter.repetitions(pair.after.hash, scenario)
      var values: [DiffMetric: ([Double], [Double])] = [:]
      for metric in DiffMetric.allCases {
        let a = one.map(metric.value).filter { $0 > 0 && $0.isFinite }
        let b = other.map(metric.value).filter { $0 > 0 && $0.isFinite }
        if !a.isEmpty, !b.isEmpty { values[metric] = (a, b) }
      }
      return (scenario, values)
    }
    let noise: BetweenRunNoise
    if let given {
      noise = .given(given)
    } else {
      var samples: [BetweenRunNoise.Sample] = []
      var seen: Set<String> = []
      for side in [before, after] + noiseRuns where seen.insert(side.run.id).inserted {
        samples += try BetweenRunNoise.samples(store: side.store, run: side.run)
      }
      noise = BetweenRunNoise.estimate(samples).widened(
        acrossCells: Dictionary(
          uniqueKeysWithValues: DiffMetric.allCases.map { metric in (metric, measured.compactMap { $0.values[metric] })
          }))
    }
    var cells = zip(pairing.pairs, measured).map { pair, figures in
      var key = pair.key
      let (engine, model, quant) = (
        key.removeValue(forKey: "engine"), key.removeValue(forKey: "model"), key.removeValue(forKey: "quant")
      )
      var speeds: [SpeedChange] = []
      for metric in DiffMetric.allCases {
        guard let (a, b) = figures.values[metric], let summaryA = Summary(a), let summaryB = Summary(b),
          let test = try? RatioTest(
            before: a, after: b, betweenRunNoise: noise.sigma[metric] ?? BetweenRunNoise.assumed)
        else { continue }
        speeds.append(SpeedChange(metric: metric, before: summaryA, after: summaryB, test: test, significant: false))
      }
      return CellDiff(
        engine: engine ?? pair.before.engine, model: model ?? pair.before.model, quant: quant ?? pair.before.quant,
        axes: key, beforeCell: pair.before.hash, afterCell: pair.after.hash,
        beforeStatus: ComparisonBuilder.status(pair.before), afterStatus: ComparisonBuilder.status(pair.after),
        scenario: figures.scenario, speeds: speeds,
        accuracy: Self.accuracy(
          figuresBefore.answers[pair.before.hash] ?? [], figuresAfter.answers[pair.after.hash] ?? []))
    }
    // One family: every figure of every cell, so that a bigger matrix does not mean more false calls.
    let pValues = cells.flatMap { $0.speeds.map(\.test.pValue) + $0.accuracy.map(\.test.pValue) }
    var calls = FalseDiscovery.significant(pValues, q: q)[...]
    for index in cells.indices {
      for speed in cells[index].speeds.indices { cells[index].speeds[speed].significant = calls.removeFirst() }
      for way in cells[index].accuracy.indices { cells[index].accuracy[way].significant = calls.removeFirst() }
    }
    let label = { (cell: CellRecord) in
      "\(cell.engine) \(cell.model) \(cell.quant) \(cell.variant)".trimmingCharacters(in: .whitespaces)
    }
    return RunDiff(
      before: Run(before), after: Run(after), settings: pairing.settings,
      suspects: try Suspects.between(
        before, after, engines: Set(pairing.pairs.map { [$0.before.engine, $0.after.engine] })),
      noise: noise, cells: cells, onlyBefore: pairing.onlyBefore.map(label), onlyAfter: pairing.onlyAfter.map(label),
      falseDiscoveryRate: q, tests: pValues.count)
  }

  /// Each way both cells answered, on the items both answered from the same prompt.
  static func accuracy(_ before: [TaskResultRecord], _ after: [TaskResultRecord]) -> [AccuracyChange] {
    struct Way: Hashable {
      var task: String
      var method: String
    }
    let later = Dictionary(grouping: after) { Way(task: $0.task, method: $0.method) }
    var order: [Way] = []
    let earlier = Dictionary(grouping: before) { answer in
      let way = Way(task: answer.task, method: answer.method)
      if !order.contains(way) { order.append(way) }
      return way
    }
    return order.compactMap { way in
      guard let one = earlier[way], let other = later[way] else { return nil }
      let answered = Dictionary(other.map { ($0.itemId, $0) }) { first, _ in first }
      var pairs: [(Bool, Bool)] = []
      for answer in one {
        if let twin = answered[answer.itemId], twin.promptHash == answer.promptHash {
          pairs.append((answer.correct, twin.correct))
        }
      }
      guard !pairs.isEmpty, let test = try? McNemarTest(first: pairs.map(\.0), second: pairs.map(\.1)) else {
        return nil
      }
      return AccuracyChange(
        task: way.task, method: way.method,
        before: Proportion(successes: pairs.filter(\.0).count, trials: pairs.count),
        after: Proportion(successes: pairs.filter(\.1).count, trials: pairs.count), test: test,
        unpaired: one.count + other.count - 2 * pairs.count, significant: false)
    }
  }

  /// Significant changes for the worse by more than `threshold` (0.05: 5% slower, a
  /// TTFT 5% longer, 5 accuracy points fewer), and cells that ran before and fail now.
  public func regressions(beyond threshold: Double) -> [Regression] {
    var found: [Regression] = []
    for cell in cells {
      if cell.stoppedWorking { found.append(Regression(cell: cell.label, what: "was done, now \(cell.afterStatus)")) }
      for speed in cell.speeds where speed.significant && speed.worsening > threshold {
        found.append(
          Regression(
            cell: cell.label,
            what: "\(speed.metric.label) \(DiffText.percent(speed.percent)) \(DiffText.interval(speed.test))"))
      }
      for way in cell.accuracy where way.significant && way.worsening > threshold {
        found.append(
          Regression(
            cell: cell.label,
            what:
              "\(way.way) accuracy \(DiffText.share(way.before.value)) → \(DiffText.share(way.after.value)) (McNemar p \(DiffText.p(way.test.pValue)))"
          ))
      }
    }
    return found
  }
}

extension RunDiff.Run {
  init(_ side: DiffSide) {
    self.init(
      id: side.run.id, host: side.run.host.hostname, startedAt: side.run.run.startedAt, database: side.store.path)
  }
}

/// One run's repetitions and answers, grouped by cell.
private struct SideFigures {
  var byCell: [String: [PerfRepetitionRecord]]
  var answers: [String: [TaskResultRecord]]

  init(_ side: DiffSide) throws(StoreError) {
    byCell = Dictionary(grouping: try side.store.perfRepetitions(runId: side.run.id), by: \.cellHash)
    answers = Dictionary(grouping: try side.store.taskResults(runId: side.run.id), by: \.cellHash)
  }

  /// The cell's scenarios in the order it ran them.
  func scenarios(_ cell: String) -> [String] {
    var seen: [String] = []
    for repetition in byCell[cell] ?? [] where !seen.contains(repetition.scenario) { seen.append(repetition.scenario) }
    return seen
  }

  func repetitions(_ cell: String, _ scenario: String) -> [PerfRepetitionRecord] {
    (byCell[cell] ?? []).filter { $0.scenario == scenario }
  }
}
