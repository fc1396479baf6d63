import Foundation
import StrataEval
import StrataStore
import Testing

@testable import StrataReport

@Suite("strata diff: matched cells, noise from the noise checks, significance, regressions, suspects")
struct DiffTests {
  static func store() throws -> (ResultStore, String) {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-diff-\(UUID())").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return (try ResultStore(path: "\(dir)/strata.sqlite"), dir)
  }

  static func side(_ store: ResultStore, _ id: String) throws -> DiffSide {
    DiffSide(store: store, run: RunSource(run: try #require(try store.run(id: id))))
  }

  static func renamed(_ cells: [DiffFixture.Cell], _ suffix: String) -> [DiffFixture.Cell] {
    cells.map { cell in
      var cell = cell
      cell.hash += suffix
      return cell
    }
  }

  @Test("the same matrix twice, a few percent apart: every cell matched, none called changed, no regression")
  func sameMatrix() throws {
    let (store, dir) = try Self.store()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try DiffFixture.run(store, id: "night-1", startedAt: 1_764_000_000, cells: DiffFixture.cells())
    try DiffFixture.run(
      store, id: "night-2", startedAt: 1_764_086_400, cells: DiffFixture.cells(wobble: [1.03, 0.98, 1.02, 0.97]),
      drift: 0.96)
    let diff = try RunDiff.build(before: try Self.side(store, "night-1"), after: try Self.side(store, "night-2"))
    #expect(diff.cells.count == 4 && diff.onlyBefore.isEmpty && diff.onlyAfter.isEmpty)
    #expect(diff.settings.isEmpty && diff.suspects.isEmpty)
    #expect(diff.changedCells.isEmpty, "\(DiffRenderer.render(diff, format: .table))")
    #expect(diff.regressions(beyond: 0.05).isEmpty)
    // 3 speeds and one way of answering per cell, in one family.
    #expect(diff.tests == 16)
    #expect(diff.noise.source == .measured && diff.noise.checks == 2 && diff.noise.hosts == ["lab1"])
    let decode = try #require(diff.noise.sigma[.decodeTPS])
    #expect(decode > 0.02 && decode < 0.03, "σ \(decode) from two 4% drifts")
  }

  @Test("the same figures tested on the repetitions alone would call the wobble a change")
  func withinRunOnlyIsFooled() throws {
    let (store, dir) = try Self.store()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try DiffFixture.run(store, id: "night-1", startedAt: 1_764_000_000, cells: DiffFixture.cells())
    try DiffFixture.run(
      store, id: "night-2", startedAt: 1_764_086_400, cells: DiffFixture.cells(scale: 1.06), drift: 0.94)
    let measured = try RunDiff.build(before: try Self.side(store, "night-1"), after: try Self.side(store, "night-2"))
    #expect(measured.changedCells.isEmpty, "\(DiffRenderer.render(measured, format: .table))")
    // σ ≈ 0 stands for a test that knows only each run's own spread: it calls a 6% drift a change.
    let naive = try RunDiff.build(
      before: try Self.side(store, "night-1"), after: try Self.side(store, "night-2"), noise: 1e-9)
    #expect(naive.changedCells.count == 4)
  }

  @Test("threads 8 → 4: the setting is named and left out of the match, the slower cells are called changed")
  func threadsChanged() throws {
    let (store, dir) = try Self.store()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try DiffFixture.run(store, id: "t8", startedAt: 1_764_000_000, cells: DiffFixture.cells())
    try DiffFixture.run(
      store, id: "t4", startedAt: 1_764_003_600, threads: 4, cells: Self.renamed(DiffFixture.cells(scale: 0.55), "-t4"))
    let diff = try RunDiff.build(before: try Self.side(store, "t8"), after: try Self.side(store, "t4"))
    #expect(diff.settings == [SettingChange(axis: "threads", before: "8", after: "4")])
    #expect(diff.cells.count == 4 && diff.cells.allSatisfy { $0.axes.keys.sorted() == ["flash_attn"] })
    #expect(diff.changedCells.count == 4)
    for cell in diff.cells {
      let decode = try #require(cell.speeds.first { $0.metric == .decodeTPS })
      #expect(abs(decode.test.ratio - 0.55) < 0.01 && decode.significant && decode.test.upper < 1)
      let ttft = try #require(cell.speeds.first { $0.metric == .ttftMs })
      #expect(ttft.test.ratio > 1.8 && ttft.worsening > 0.8)
    }
    let regressions = diff.regressions(beyond: 0.05)
    #expect(regressions.count == 12)
    #expect(diff.regressions(beyond: 0.9).isEmpty)
  }

  @Test("suspects: the engine's build and the host's kernel, named from the runs' own records")
  func suspects() throws {
    let (store, dir) = try Self.store()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try DiffFixture.run(store, id: "before", startedAt: 1_764_000_000, cells: DiffFixture.cells())
    try DiffFixture.run(
      store, id: "after", startedAt: 1_764_086_400, cells: DiffFixture.cells(scale: 0.8),
      hostJSON: DiffFixture.host(kernel: "Linux 6.12.9-amd64"), enginesJSON: DiffFixture.engines(build: 4600))
    let diff = try RunDiff.build(before: try Self.side(store, "before"), after: try Self.side(store, "after"))
    #expect(
      diff.suspects == [
        Suspect(subject: "kernel", before: "Linux 6.1.0-27-amd64", after: "Linux 6.12.9-amd64"),
        Suspect(subject: "engine cpu build", before: "4567 (c4567)", after: "4600 (c4600)"),
      ])
    #expect(!diff.regressions(beyond: 0.05).isEmpty)
  }

  @Test("accuracy: McNemar on the items both answered from the same prompt; a changed prompt is not compared")
  func accuracy() throws {
    let (store, dir) = try Self.store()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var worse = DiffFixture.cells()
    worse[0].right = []  // 10 right before, none now: b = 10, c = 0
    try DiffFixture.run(store, id: "a", startedAt: 1_764_000_000, cells: DiffFixture.cells())
    try DiffFixture.run(store, id: "b", startedAt: 1_764_086_400, cells: worse, changedPrompt: 19)
    let diff = try RunDiff.build(before: try Self.side(store, "a"), after: try Self.side(store, "b"))
    let way = try #require(diff.cells[0].accuracy.first)
    #expect(way.way == "arc_challenge/generative" && way.before.trials == 19 && way.unpaired == 2)
    #expect(way.test.b == 10 && way.test.c == 0)
    // p = 0.002 passes Benjamini–Hochberg's first line among the diff's 16 tests (0.05/16 = 0.0031); 9 of 19 would not.
    #expect(abs(way.test.pValue - 2 * pow(0.5, 10)) < 1e-12 && way.significant)
    #expect(diff.changedCells.map(\.beforeCell) == ["c1"])
    let regressions = diff.regressions(beyond: 0.05)
    #expect(regressions.count == 1 && regressions[0].what.contains("accuracy 53% → 0%"), "\(regressions)")
  }

  @Test(
    "a cell that ran before and fails now is a regression whatever the threshold; cells only one run has are listed")
  func stoppedWorking() throws {
    let (store, dir) = try Self.store()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var broken = DiffFixture.cells()
    broken[1].status = .failed
    broken.removeLast()
    try DiffFixture.run(store, id: "a", startedAt: 1_764_000_000, cells: DiffFixture.cells())
    try DiffFixture.run(store, id: "b", startedAt: 1_764_086_400, cells: broken)
    let diff = try RunDiff.build(before: try Self.side(store, "a"), after: try Self.side(store, "b"))
    #expect(diff.onlyBefore == ["cpu smollm2-135m Q4_1 flash_attn=on-late threads=8"])
    #expect(diff.cells[1].speeds.isEmpty && diff.cells[1].afterStatus == "failed: server died")
    #expect(diff.regressions(beyond: 1).map(\.what) == ["was done, now failed: server died"])
  }

  @Test("a cell B has not reached (a budget stopped it) is no regression; one whose engine is now unavailable is")
  func notReachedAndUnavailable() throws {
    let (store, dir) = try Self.store()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var later = DiffFixture.cells()
    later[0].status = .planned
    later[1].status = .skipped
    try DiffFixture.run(store, id: "a", startedAt: 1_764_000_000, cells: DiffFixture.cells())
    try DiffFixture.run(store, id: "b", startedAt: 1_764_086_400, cells: later)
    try store.updateCell(
      runId: "b", hash: "c2", status: .skipped, failure: "engine cpu unavailable: binary missing", kind: .excluded)
    let diff = try RunDiff.build(before: try Self.side(store, "a"), after: try Self.side(store, "b"))
    #expect(diff.cells.count == 4 && diff.onlyBefore.isEmpty)
    #expect(diff.regressions(beyond: 1).map(\.cell) == ["cpu smollm2-135m Q4_1 flash_attn=off threads=8"])
  }

  @Test("between-run noise: σ² = mean(d² − w)/2 over the checks, never below the floor; assumed without checks")
  func noiseEstimate() {
    let sample = { (d: Double, w: Double) in
      BetweenRunNoise.Sample(
        squaredDrift: [.decodeTPS: d * d, .promptTPS: d * d], explained: [.decodeTPS: w, .promptTPS: w], host: "h")
    }
    let noise = BetweenRunNoise.estimate([sample(0.10, 0.002), sample(0.06, 0.002)])
    let expected = ((0.01 - 0.002 + 0.0036 - 0.002) / 2 / 2).squareRoot()
    #expect(abs((noise.sigma[.decodeTPS] ?? 0) - expected) < 1e-12)
    #expect(noise.sigma[.ttftMs] == BetweenRunNoise.assumed, "no check measured TTFT: assumed")
    let quiet = BetweenRunNoise.estimate([sample(0.001, 0.0001)])
    #expect(quiet.sigma[.decodeTPS] == BetweenRunNoise.floor && quiet.measured[.decodeTPS] == 0)
    let none = BetweenRunNoise.estimate([])
    #expect(none.source == .assumed && none.sigma[.decodeTPS] == BetweenRunNoise.assumed)
    #expect(BetweenRunNoise.given(0.04).sigma.values.allSatisfy { $0 == 0.04 })
  }

  @Test(
    "runs without noise checks: the cells' spread where 4 or more matched, else an assumed 10%, and the header says so")
  func assumedNoise() throws {
    let (store, dir) = try Self.store()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try DiffFixture.run(store, id: "a", startedAt: 1_764_000_000, cells: DiffFixture.cells(), drift: nil)
    try DiffFixture.run(
      store, id: "b", startedAt: 1_764_086_400, cells: DiffFixture.cells(wobble: [1.1, 0.9, 1.0, 1.2]), drift: nil)
    try DiffFixture.run(
      store, id: "c", startedAt: 1_764_172_800, cells: Array(DiffFixture.cells().prefix(3)), drift: nil)
    let four = try RunDiff.build(before: try Self.side(store, "a"), after: try Self.side(store, "b"))
    #expect(four.noise.source == .assumed && four.noise.cellsCompared == 4)
    let spread = try #require(four.noise.sigma[.decodeTPS])
    #expect(spread > 0.05 && spread < 0.12, "σ \(spread) from ratios 1.1, 0.9, 1.0, 1.2")
    #expect(DiffRenderer.render(four, format: .table).contains("the spread across 4 matched cells"))
    let three = try RunDiff.build(before: try Self.side(store, "a"), after: try Self.side(store, "c"))
    #expect(three.noise.sigma[.decodeTPS] == BetweenRunNoise.assumed)
    #expect(DiffRenderer.render(three, format: .table).contains("assumed: neither run has a noise check"))
  }

  @Test("the cells' spread raises σ for a burst that slowed one cell, and ignores a change every cell shares")
  func acrossCells() {
    let checked = BetweenRunNoise.estimate([
      BetweenRunNoise.Sample(squaredDrift: [.decodeTPS: 0.0009], explained: [.decodeTPS: 0], host: "h")
    ])
    let cell = { (before: Double, after: Double) in
      ([before, before * 1.01, before * 0.99], [after, after * 1.01, after * 0.99])
    }
    // Every cell half as fast: the median takes the shift, the spread is nil, σ stays the checks' 2.1%.
    let shifted = checked.widened(acrossCells: [.decodeTPS: (1...5).map { cell(Double($0) * 10, Double($0) * 5) }])
    #expect(abs((shifted.sigma[.decodeTPS] ?? 0) - checked.sigma[.decodeTPS]!) < 1e-12)
    // One cell of five 50% faster, the others within ±8%: σ rises above the checks' figure.
    let ratios = [1.0, 1.08, 0.92, 1.03, 1.5]
    let burst = checked.widened(acrossCells: [.decodeTPS: ratios.map { cell(100, 100 * $0) }])
    #expect((burst.sigma[.decodeTPS] ?? 0) > 0.04, "\(burst.sigma)")
    #expect(burst.acrossCells[.decodeTPS] != nil && burst.cellsCompared == 5)
    // Fewer than four cells say nothing.
    let few = checked.widened(acrossCells: [.decodeTPS: ratios.prefix(3).map { cell(100, 100 * $0) }])
    #expect(few.sigma == checked.sigma && few.acrossCells.isEmpty)
  }

  @Test("references: a run id, its prefix, latest, previous, a file, FILE:RUN; clear errors otherwise")
  func references() throws {
    let (store, dir) = try Self.store()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try DiffFixture.run(store, id: "0a1b2c3d-old", startedAt: 1_764_000_000, cells: DiffFixture.cells())
    try DiffFixture.run(store, id: "0a1b9999-new", startedAt: 1_764_086_400, cells: DiffFixture.cells())
    let files: Set<String> = ["x.sqlite"]
    let parse = { (text: String) in
      DiffReference.parse(text, defaultDatabase: "strata.sqlite", fileExists: files.contains)
    }
    #expect(parse("x.sqlite") == DiffReference(database: "x.sqlite", run: nil))
    #expect(parse("x.sqlite:0a1b") == DiffReference(database: "x.sqlite", run: "0a1b"))
    #expect(parse("latest") == DiffReference(database: "strata.sqlite", run: "latest"))
    #expect(parse("y.sqlite:abc") == DiffReference(database: "strata.sqlite", run: "y.sqlite:abc"))
    let resolve = { (run: String?) throws(ReportSelectionError) in
      try DiffReference(database: store.path, run: run).resolve(in: store).id
    }
    #expect(try resolve(nil) == "0a1b9999-new")
    #expect(try resolve("latest") == "0a1b9999-new")
    #expect(try resolve("previous") == "0a1b2c3d-old")
    #expect(try resolve("0a1b2c") == "0a1b2c3d-old")
    #expect(throws: ReportSelectionError.self) { try resolve("0a1b") }
    #expect(throws: ReportSelectionError.unknownRun("0a1", store.path)) { try resolve("0a1") }
    do {
      _ = try resolve("0a1b")
    } catch {
      #expect(error.description.contains("starts 2 run ids"))
    }
  }

  @Test("model text is stripped in the terminal and escaped in Markdown")
  func hostileText() throws {
    let (store, dir) = try Self.store()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let model = "evil\u{1B}[2J<script>"
    try DiffFixture.run(store, id: "a", startedAt: 1_764_000_000, cells: DiffFixture.cells(), model: model)
    try DiffFixture.run(store, id: "b", startedAt: 1_764_086_400, cells: DiffFixture.cells(scale: 0.5), model: model)
    let diff = try RunDiff.build(before: try Self.side(store, "a"), after: try Self.side(store, "b"))
    let table = DiffRenderer.render(diff, format: .table)
    #expect(!table.contains("\u{1B}") && table.contains("evil<script>"))
    let markdown = DiffRenderer.render(diff, format: .markdown)
    #expect(!markdown.contains("<script>") && markdown.contains("evil&lt;script&gt;"))
  }

  static let formats: [ReportFormat] = [.table, .markdown, .csv, .json]

  @Test("golden files: threads 8 → 4 with a new build, in every format", arguments: formats)
  func golden(format: ReportFormat) throws {
    let (store, dir) = try Self.store()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try DiffFixture.run(store, id: "t8", startedAt: 1_764_000_000, cells: DiffFixture.cells())
    var slower = Self.renamed(DiffFixture.cells(scale: 0.55, wobble: [1, 1.8, 1, 1]), "-t4")
    slower[2].right = Set(0..<12)
    try DiffFixture.run(
      store, id: "t4", startedAt: 1_764_003_600, threads: 4, cells: slower,
      enginesJSON: DiffFixture.engines(build: 4600))
    var diff = try RunDiff.build(before: try Self.side(store, "t8"), after: try Self.side(store, "t4"))
    // The database's path is a temporary directory; the golden file holds a fixed one.
    diff.before.database = "strata.sqlite"
    diff.after.database = "strata.sqlite"
    try assertSnapshot(DiffRenderer.render(diff, format: format), named: "diff.\(format.rawValue)")
  }
}
