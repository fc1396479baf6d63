import Foundation
import StrataStore

/// Runs for `strata diff`, every figure chosen by hand (none measured): a host "lab1"
/// whose runs wobble by a few percent, as the same configuration does between nights.
enum DiffFixture {
  struct Cell {
    var hash: String
    var flash: String
    var decode: [Double]
    var status: CellStatus = .done
    /// Which of 20 ARC items the cell got right.
    var right: Set<Int> = Set(0..<10)
  }

  static func host(_ name: String = "lab1", kernel: String = "Linux 6.1.0-27-amd64") -> String {
    #"{"hostname":"\#(name)","cpuModel":"AMD Ryzen 7 5800X 8-Core Processor","logicalCores":16,"memoryBytes":68719476736,"os":"Debian GNU/Linux 12 (bookworm)","kernel":"\#(kernel)","gpus":[]}"#
  }

  static func engines(build: Int = 4567) -> String {
    #"{"cpu":{"mode":"process","backend":"cpu","build":\#(build),"commit":"c\#(build)","devices":[]}}"#
  }

  /// One run: cells with `threads`, three repetitions each (prompt t/s = 3 × decode,
  /// TTFT from 64 prompt tokens), 20 answers each, and a noise check of the first cell
  /// whose decode is `drift` times the cell's own.
  static func run(
    _ store: ResultStore, id: String, startedAt: Double, threads: Int = 8, cells: [Cell], drift: Double? = 1.04,
    hostJSON: String = host(), enginesJSON: String = engines(), changedPrompt: Int? = nil,
    model: String = "smollm2-135m"
  ) throws {
    try store.insert(
      RunRecord(
        id: id, startedAt: startedAt, finishedAt: startedAt + 600, status: .done, strataVersion: "0.1.0",
        matrixPath: "matrix.yaml", matrixHash: "m\(threads)", hostJSON: hostJSON, enginesJSON: enginesJSON))
    try store.insert(
      cells.map { cell in
        CellRecord(
          runId: id, hash: cell.hash, loadGroup: "g-\(cell.hash)", engine: "cpu", model: model, quant: "Q4_1",
          assignmentJSON:
            #"{"engine":"cpu","flash_attn":"\#(cell.flash)","model":"\#(model)","quant":"Q4_1","threads":"\#(threads)"}"#,
          variant: "flash_attn=\(cell.flash) threads=\(threads)", status: cell.status,
          failure: cell.status == .failed ? "llama-server exited (signal 9)" : nil,
          startedAt: startedAt + Double(cells.firstIndex { $0.hash == cell.hash } ?? 0) * 60,
          failureKind: cell.status == .failed ? .serverDied : nil)
      })
    for cell in cells where cell.status == .done {
      for (index, decode) in cell.decode.enumerated() {
        try store.insert(repetition(run: id, cell: cell.hash, repetition: index + 1, decode: decode))
      }
      for item in 0..<20 {
        let prompt = item == changedPrompt ? "p\(item)-new" : "p\(item)"
        try store.insert(
          TaskResultRecord(
            runId: id, cellHash: cell.hash, task: "arc_challenge", itemId: "arc-\(item)", category: nil,
            promptHash: prompt, response: "A", extracted: "A", expected: cell.right.contains(item) ? "A" : "B",
            correct: cell.right.contains(item), latencyMs: 100))
      }
    }
    if let drift, let first = cells.first(where: { $0.status == .done }) {
      for (index, decode) in first.decode.enumerated() {
        let again = repetition(run: id, cell: first.hash, repetition: index + 1, decode: decode * drift)
        try store.insert(
          NoiseCheckRecord(
            runId: id, cellHash: first.hash, scenario: again.scenario, repetition: again.repetition,
            promptTokens: again.promptTokens, generatedTokens: again.generatedTokens, ttftMs: again.ttftMs,
            serverPromptTPS: again.serverPromptTPS, serverDecodeTPS: again.serverDecodeTPS,
            measuredAt: startedAt + 590))
      }
    }
  }

  static func repetition(run: String, cell: String, repetition: Int, decode: Double) -> PerfRepetitionRecord {
    let prompt = decode * 3
    return PerfRepetitionRecord(
      runId: run, cellHash: cell, scenario: "pp64-tg16", repetition: repetition, promptTokens: 64,
      generatedTokens: 16, decodeDepth: 64, ttftMs: 64 / prompt * 1000, serverPromptMs: 64 / prompt * 1000,
      serverPromptTPS: prompt, clientPromptTPS: prompt * 0.95, serverDecodeTPS: decode, clientDecodeTPS: decode,
      itlP50Ms: 1000 / decode, itlP90Ms: 1100 / decode, itlP99Ms: 1200 / decode, cacheTokens: 0)
  }

  /// Four cells; `scale` multiplies every decode figure.
  static func cells(scale: Double = 1, wobble: [Double] = [1, 1, 1, 1]) -> [Cell] {
    [
      Cell(hash: "c1", flash: "on", decode: [100, 102, 98].map { $0 * scale * wobble[0] }),
      Cell(hash: "c2", flash: "off", decode: [90, 91, 89].map { $0 * scale * wobble[1] }),
      Cell(hash: "c3", flash: "auto", decode: [95, 97, 96].map { $0 * scale * wobble[2] }),
      Cell(hash: "c4", flash: "on-late", decode: [80, 78, 79].map { $0 * scale * wobble[3] }),
    ]
  }
}
