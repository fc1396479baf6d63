import Foundation
import StrataEval
import StrataStore
import Testing

@testable import StrataReport

/// Rows as ComparisonBuilder makes them, with figures chosen by hand.
private let rows: [ComparisonRow] = [
  ComparisonRow(
    cell: "3e2083393fc1c7ae", engine: "cpu", model: "smollm2-135m", quant: "Q4_1",
    axes: ["flash_attn": "on", "threads": "2"], status: "done", failure: nil, scenario: "pp512-tg128",
    loadSeconds: 0.94, ttftMs: Summary([1900, 2000, 2100]), promptTPS: Summary([250, 260, 270]),
    decodeTPS: Summary([85, 86, 87]), clientDecodeTPS: Summary([84.9, 86, 87.1]),
    accuracy: Proportion(successes: 7, trials: 20), tasks: ["arc_challenge"]),
  ComparisonRow(
    cell: "6efbf89d531231dc", engine: "vulkan", model: "smollm2-135m", quant: "Q4_1",
    axes: ["flash_attn": "off", "threads": "2"], status: "failed",
    failure: "llama-server exited during load (exit status 1)", scenario: nil, loadSeconds: nil,
    ttftMs: nil, promptTPS: nil, decodeTPS: nil, clientDecodeTPS: nil, accuracy: nil, tasks: []),
  // A GPU row: figures as the recorded AMD 7900 XTX stand-in tree gives them (no real GPU).
  ComparisonRow(
    cell: "9a1b2c3d4e5f6071", engine: "vulkan", model: "smollm2-135m", quant: "Q4_1",
    axes: ["flash_attn": "on", "threads": "2"], status: "done", failure: nil, scenario: "pp512-tg128",
    loadSeconds: 2.66, ttftMs: Summary([110, 120, 130]), promptTPS: Summary([4_200, 4_300, 4_400]),
    decodeTPS: Summary([310, 320, 330]), clientDecodeTPS: Summary([305, 315, 325]),
    accuracy: Proportion(successes: 8, trials: 20), tasks: ["arc_challenge"], peakRSSBytes: 412_090_368,
    peakVRAMBytes: 612_368_384, meanVRAMBytes: 580_911_104, meanPowerWatts: 338, energyJoules: 1_014,
    joulesPerGeneratedToken: 1.0563),
  // An APU row (Radeon 780M): its power is the SoC's, CPU included, and says so.
  ComparisonRow(
    cell: "b7c8d9e0f1a2b3c4", engine: "vulkan", model: "smollm2-135m", quant: "Q8_0",
    axes: ["flash_attn": "on", "threads": "2"], status: "done", failure: nil, scenario: "pp512-tg128",
    loadSeconds: 1.12, ttftMs: Summary([300, 310, 320]), promptTPS: Summary([1_500, 1_550, 1_600]),
    decodeTPS: Summary([95, 96, 97]), clientDecodeTPS: Summary([94, 95, 96]),
    accuracy: Proportion(successes: 8, trials: 20), tasks: ["arc_challenge"], peakRSSBytes: 398_458_880,
    peakVRAMBytes: 150_994_944, meanVRAMBytes: 148_897_792, meanPowerWatts: 27.4, energyJoules: 190,
    joulesPerGeneratedToken: 0.2871, powerIncludesCPU: true),
]

@Suite("Comparison table rendering")
struct ReportRendererTests {
  @Test("only axes that vary get a column")
  func varyingAxes() {
    #expect(ReportRenderer.varyingAxes(rows) == ["flash_attn"])
  }

  @Test("terminal table matches its golden file")
  func table() throws {
    try assertSnapshot(ReportRenderer.render(rows, format: .table), named: "table.txt")
  }

  @Test("an APU's power figures are marked SoC, with the legend that says why")
  func apuPowerIsLabelled() {
    let text = ReportRenderer.render(rows, format: .table)
    #expect(text.contains("27.4 SoC"))
    #expect(text.contains("338.0  "), "the discrete GPU's watts carry no mark")
    #expect(text.contains("SoC: an APU's power (amdgpu power1_* covers the whole chip, CPU cores included)"))
    #expect(!ReportRenderer.render(Array(rows.prefix(3)), format: .table).contains("SoC"))
  }

  @Test("markdown table matches its golden file")
  func markdown() throws {
    try assertSnapshot(ReportRenderer.render(rows, format: .markdown), named: "table.md")
  }

  @Test("CSV quotes fields with commas and carries every figure")
  func csv() throws {
    let text = ReportRenderer.render(rows, format: .csv)
    let lines = text.split(separator: "\n")
    #expect(lines.count == 5)
    #expect(lines[4].contains("27.4000,0.2871,190.0000,1,"), "the APU row says its power includes the CPU")
    #expect(lines[3].contains("1014.0000,,"), "a discrete GPU's row does not")
    #expect(lines[0].hasPrefix("run,host,cell,engine,model,quant,flash_attn,threads,scenario,load_s,ttft_ms_mean"))
    #expect(lines[1].contains("260.0000,10.0000,86.0000,1.0000"))
    #expect(lines[1].contains("0.3500,0.1812,0.5671,20,done"))
    try assertSnapshot(text, named: "table.csv")
  }

  @Test("hardware columns appear only where some row has the figure: none for CPU rows, all for a GPU row")
  func hardwareColumns() {
    let cpuOnly = Array(rows.prefix(2))
    #expect(ReportRenderer.hardwareColumns(cpuOnly).isEmpty)
    #expect(
      ReportRenderer.hardwareColumns(rows).map(\.header) == [
        "peak RSS MiB", "peak VRAM MiB", "mean VRAM MiB", "power W", "J/tok", "energy J",
      ])
    #expect(!ReportRenderer.render(cpuOnly, format: .table).contains("J/tok"))
  }

  @Test(
    "J/tok keeps three significant digits from joules down to millijoules",
    arguments: [
      (12.345, "12.3"), (1.0563, "1.06"), (0.2, "0.200"), (0.01234, "0.0123"), (150.4, "150"),
    ])
  func joules(value: Double, text: String) {
    #expect(ReportRenderer.joules(value) == text)
  }

  @Test("JSON round-trips the rows")
  func json() throws {
    let text = ReportRenderer.render(rows, format: .json)
    let decoded = try JSONDecoder().decode([ComparisonRow].self, from: Data(text.utf8))
    #expect(decoded == rows)
  }
}

@Suite("Comparison rows from the store")
struct ComparisonBuilderTests {
  @Test("aggregates repetitions and items per cell, with the server's load time")
  func aggregates() throws {
    let store = try ResultStore(inMemory: ())
    try store.insert(
      RunRecord(
        id: "r", startedAt: 0, status: .done, strataVersion: "t", matrixPath: "m", matrixHash: "h",
        hostJSON: "{}", enginesJSON: "{}"))
    try store.insert([
      CellRecord(
        runId: "r", hash: "c", loadGroup: "g", engine: "cpu", model: "m", quant: "Q4_1",
        assignmentJSON: #"{"engine":"cpu","model":"m","quant":"Q4_1","threads":"2"}"#, variant: "threads=2",
        status: .planned)
    ])
    let server = try store.insert(
      ServerRecord(
        runId: "r", loadGroup: "g", engine: "cpu", argumentsJSON: "[]", port: 1, loadSeconds: 1.25,
        buildInfo: nil, logPath: "l", startedAt: 0))
    try store.updateCell(runId: "r", hash: "c", status: .done, serverId: server)
    for (n, decode) in [(1, 80.0), (2, 90.0)] {
      try store.insert(
        PerfRepetitionRecord(
          runId: "r", cellHash: "c", scenario: "pp512-tg128", repetition: n, promptTokens: 512, generatedTokens: 128,
          decodeDepth: 512, ttftMs: 2000, serverPromptMs: 1900, serverPromptTPS: 260, clientPromptTPS: 250,
          serverDecodeTPS: decode, clientDecodeTPS: decode, itlP50Ms: 11, itlP90Ms: 12, itlP99Ms: 13, cacheTokens: 0))
    }
    for (id, correct) in [("a", true), ("b", false), ("c", true), ("d", true)] {
      try store.insert(
        TaskResultRecord(
          runId: "r", cellHash: "c", task: "arc_challenge", itemId: id, category: nil, promptHash: "p",
          response: "A", extracted: "A", expected: correct ? "A" : "B", correct: correct, latencyMs: 1))
    }
    try store.setTelemetry(
      TelemetryFigures(
        peakRSSBytes: 300, peakVRAMBytes: 4_096, meanPowerWatts: 120.5, energyJoules: 60, telemetryJSON: "{}",
        meanVRAMBytes: 2_048, joulesPerGeneratedToken: 0.75),
      runId: "r", cellHash: "c")
    let row = try #require(try ComparisonBuilder.rows(store: store, runId: "r").first)
    #expect(row.meanVRAMBytes == 2_048 && row.joulesPerGeneratedToken == 0.75 && row.meanPowerWatts == 120.5)
    #expect(row.peakVRAMBytes == 4_096 && row.peakRSSBytes == 300)
    #expect(row.loadSeconds == 1.25)
    #expect(row.decodeTPS?.mean == 85)
    #expect(row.decodeTPS?.count == 2)
    #expect(row.accuracy?.successes == 3 && row.accuracy?.trials == 4)
    #expect(row.axes == ["threads": "2"])
    #expect(row.scenario == "pp512-tg128")
  }
}
