import Foundation
import StrataStore

/// A fixed database for the report's golden files: what a merged database of two
/// hosts looks like. Every figure is chosen by hand (none is measured); the GPU row's
/// VRAM and power are what the recorded AMD 7900 XTX stand-in tree gives (no real GPU
/// ran). Text that came from outside strata is hostile on purpose: a failure carrying a
/// log line with escape sequences and markup, an item category with a `<script>`.
enum ReportFixture {
  /// Host "lab1": a CPU and a discrete GPU, two engines.
  static let lab1 = "r-2026-12-01-lab1"
  /// Host "lab2": CPU only; its newest run…
  static let lab2 = "r-2026-12-02-lab2"
  /// …and an older one of the same engine, which the hardware table must not mix in.
  static let lab2Old = "r-2026-11-20-lab2"

  static let hostileCategory = "<script>alert(1)</script>\u{1B}[2J"
  static let hostileFailure =
    "llama-server exited during load (exit status 1): \u{1B}]0;pwned\u{07}</textarea>| ggml_abort"

  static func make(path: String) throws -> ResultStore {
    let store = try ResultStore(path: path)
    try lab1Run(store)
    try lab2Run(store, id: lab2Old, startedAt: 1_763_600_000, decode: [60, 61, 62])
    try lab2Run(store, id: lab2, startedAt: 1_764_640_000, decode: [70, 71, 72])
    return store
  }

  static func host(_ name: String, cpu: String, threads: Int, gpus: String = "[]", bandwidth: String = "")
    -> String
  {
    #"{"hostname":"\#(name)","cpuModel":"\#(cpu)","logicalCores":\#(threads),"memoryBytes":68719476736,"os":"Debian GNU/Linux 12 (bookworm)","kernel":"Linux 6.1.0-27-amd64","gpus":\#(gpus)\#(bandwidth)}"#
  }

  /// lab1 measured its memory bandwidth (v10); lab2's run is older and did not.
  static let lab1Bandwidth =
    #","memoryBandwidth":{"bytesPerSecond":51200000000,"threads":16,"arrayBytes":402653184,"passes":5}"#

  /// What a token of SmolLM2 Q4_1 reads: 88 MB of weights and 23,040 KV bytes per cell;
  /// in device memory for the Vulkan server (no device bandwidth probed: no bound).
  static func traffic(onDevice: Bool) -> String {
    let share = #"{"weightBytes":88000000,"fullCellBytes":23040,"slidingCellBytes":0}"#
    let empty = #"{"weightBytes":0,"fullCellBytes":0,"slidingCellBytes":0}"#
    return onDevice ? #"{"host":\#(empty),"device":\#(share)}"# : #"{"host":\#(share),"device":\#(empty)}"#
  }

  static let cpuEngine =
    #""cpu":{"mode":"process","backend":"cpu","build":4567,"commit":"1a2b3c4","devices":[]}"#

  static func lab1Run(_ store: ResultStore) throws {
    let gpus =
      #"[{"device":"0000:03:00.0","vendorID":4098,"deviceID":29772,"vramTotalBytes":25753026560,"nodes":[],"samplers":["amdgpu-sysfs"]}]"#
    let engines =
      "{" + cpuEngine
      + #","vulkan":{"mode":"process","backend":"vulkan","build":4567,"commit":"1a2b3c4","devices":["Vulkan0: AMD Radeon RX 7900 XTX (RADV NAVI31) (24560 MiB, 24000 MiB free)"]}}"#
    try store.insert(
      RunRecord(
        id: lab1, startedAt: 1_764_550_000, finishedAt: 1_764_551_200, status: .done, strataVersion: "0.1.0",
        matrixPath: "matrix.yaml", matrixHash: "m1",
        hostJSON: host(
          "lab1", cpu: "AMD Ryzen 7 5800X 8-Core Processor", threads: 16, gpus: gpus, bandwidth: lab1Bandwidth),
        enginesJSON: engines))
    let cells: [(hash: String, engine: String, quant: String, flash: String, status: CellStatus)] = [
      ("a1cpu4fa0n000001", "cpu", "Q4_1", "on", .done),
      ("a1cpu4fa0ff00002", "cpu", "Q4_1", "off", .done),
      ("a1vk4fa0n0000003", "vulkan", "Q4_1", "on", .done),
      ("a1cpu8fa0n000004", "cpu", "Q8_0", "on", .failed),
    ]
    try store.insert(
      cells.map { cell in
        CellRecord(
          runId: lab1, hash: cell.hash, loadGroup: "g-\(cell.hash)", engine: cell.engine, model: "smollm2-135m",
          quant: cell.quant,
          assignmentJSON:
            #"{"engine":"\#(cell.engine)","model":"smollm2-135m","quant":"\#(cell.quant)","flash_attn":"\#(cell.flash)","threads":"8"}"#,
          variant: "flash_attn=\(cell.flash) threads=8", status: .planned)
      })
    let speeds: [String: (prompt: [Double], decode: [Double], ttft: [Double], load: Double)] = [
      "a1cpu4fa0n000001": ([410, 420, 430], [120, 122, 124], [1_250, 1_230, 1_210], 0.41),
      "a1cpu4fa0ff00002": ([380, 385, 390], [118, 119, 120], [1_340, 1_330, 1_320], 0.43),
      "a1vk4fa0n0000003": ([9_800, 10_000, 10_200], [410, 420, 430], [55, 52, 49], 1.92),
    ]
    for cell in cells {
      guard let speed = speeds[cell.hash] else {
        try store.updateCell(
          runId: lab1, hash: cell.hash, status: .failed, failure: hostileFailure, kind: .serverDied)
        continue
      }
      var record = ServerRecord(
        runId: lab1, loadGroup: "g-\(cell.hash)", engine: cell.engine, argumentsJSON: "[]", port: 8080,
        loadSeconds: speed.load, buildInfo: "b4567-1a2b3c4", logPath: "server.log", startedAt: 1_764_550_100)
      record.predictedHostBytes = 340_000_000
      record.predictedDeviceBytes = cell.engine == "vulkan" ? 190_000_000 : 0
      record.tokenTrafficJSON = traffic(onDevice: cell.engine == "vulkan")
      let server = try store.insert(record)
      try store.updateCell(runId: lab1, hash: cell.hash, status: .done, serverId: server)
      try repetitions(store, run: lab1, cell: cell.hash, speed: (speed.prompt, speed.decode, speed.ttft))
      try answers(store, run: lab1, cell: cell.hash, right: cell.engine == "vulkan" ? 7 : 6)
      let gpu = cell.engine == "vulkan"
      try samples(store, server: server, gpu: gpu)
      try store.setTelemetry(
        TelemetryFigures(
          peakRSSBytes: gpu ? 180_355_072 : 351_272_960, peakVRAMBytes: gpu ? 201_326_592 : nil,
          meanPowerWatts: gpu ? 212.5 : nil, energyJoules: gpu ? 1_530 : nil, telemetryJSON: "{}",
          meanVRAMBytes: gpu ? 197_132_288 : nil, joulesPerGeneratedToken: gpu ? 0.506 : nil,
          // 18.5 W idle over the 1/420 s a token takes: 0.044 J of the 0.506.
          idlePowerWatts: gpu ? 18.5 : nil, netJoulesPerGeneratedToken: gpu ? 0.462 : nil),
        runId: lab1, cellHash: cell.hash)
    }
    try store.finishRun(id: lab1, status: .partial, at: 1_764_551_200)
  }

  static func lab2Run(
    _ store: ResultStore, id: String, startedAt: Double, decode: [Double], prompts: Bool = true
  ) throws {
    try store.insert(
      RunRecord(
        id: id, startedAt: startedAt, status: .done, strataVersion: "0.1.0", matrixPath: "matrix.yaml",
        matrixHash: "m2", hostJSON: host("lab2", cpu: "Intel(R) Core(TM) i5-8250U CPU @ 1.60GHz", threads: 8),
        enginesJSON: "{" + cpuEngine + "}"))
    let hash = "b2cpu4fa0n00000" + (id == lab2 ? "1" : "0")
    try store.insert([
      CellRecord(
        runId: id, hash: hash, loadGroup: "g", engine: "cpu", model: "smollm2-135m", quant: "Q4_1",
        assignmentJSON: #"{"engine":"cpu","model":"smollm2-135m","quant":"Q4_1","flash_attn":"on","threads":"8"}"#,
        variant: "flash_attn=on threads=8", status: .planned)
    ])
    var record = ServerRecord(
      runId: id, loadGroup: "g", engine: "cpu", argumentsJSON: "[]", port: 8080, loadSeconds: 0.88,
      buildInfo: "b4567-1a2b3c4", logPath: "server.log", startedAt: startedAt + 10)
    record.predictedHostBytes = 340_000_000
    record.predictedDeviceBytes = 0
    let server = try store.insert(record)
    try store.updateCell(runId: id, hash: hash, status: .done, serverId: server)
    try repetitions(store, run: id, cell: hash, speed: ([150, 155, 160], decode, [3_300, 3_250, 3_200]))
    try answers(store, run: id, cell: hash, right: 5, prompts: prompts)
    try samples(store, server: server, gpu: false)
    try store.setTelemetry(
      TelemetryFigures(
        peakRSSBytes: 349_175_808, peakVRAMBytes: nil, meanPowerWatts: nil, energyJoules: nil, telemetryJSON: "{}"),
      runId: id, cellHash: hash)
    try store.finishRun(id: id, status: .done, at: startedAt + 600)
  }

  static func repetitions(
    _ store: ResultStore, run: String, cell: String, speed: (prompt: [Double], decode: [Double], ttft: [Double])
  ) throws {
    for index in speed.decode.indices {
      try store.insert(
        PerfRepetitionRecord(
          runId: run, cellHash: cell, scenario: "pp512-tg128", repetition: index + 1, promptTokens: 512,
          generatedTokens: 128, decodeDepth: 512, ttftMs: speed.ttft[index],
          serverPromptMs: 512_000 / speed.prompt[index],
          serverPromptTPS: speed.prompt[index], clientPromptTPS: speed.prompt[index] * 0.98,
          serverDecodeTPS: speed.decode[index], clientDecodeTPS: speed.decode[index] * 0.99,
          itlP50Ms: 1000 / speed.decode[index],
          itlP90Ms: 1100 / speed.decode[index], itlP99Ms: 1300 / speed.decode[index], cacheTokens: 0))
    }
  }

  /// Prompts as the report's drill-down shows them: markup and an escape sequence in the question.
  static func prompt(_ index: Int) -> String {
    "Question: which tag is <b>bold</b> & which ends a </textarea>?\u{1B}[1m (item \(index))\nAnswer:"
  }

  /// Forty seconds of a server's life at 10 Hz: memory climbing while the model loads, two
  /// cores busy, and on the GPU a device with VRAM and power (the figures of the stand-in tree).
  static func samples(_ store: ResultStore, server: Int64, gpu: Bool) throws {
    let records = (0..<400).map { tick -> TelemetrySampleRecord in
      let seconds = Double(tick) / 10
      let rss = Int64(min(1, seconds / 4) * 300_000_000) + 40_000_000
      let device =
        gpu
        ? #"[{"device":"0000:03:00.0","vramUsedBytes":\#(Int(min(1, seconds / 3) * 190_000_000)),"powerWatts":\#(seconds < 4 ? 30 : 212.5),"temperaturesCelsius":{}}]"#
        : "[]"
      return TelemetrySampleRecord(
        serverId: server, monoNanos: 5_000_000_000 + Int64(tick) * 100_000_000, rssBytes: rss,
        cpuSeconds: seconds * (seconds < 4 ? 0.5 : 1.9), threads: 9, devicesJSON: device)
    }
    try store.insert(records)
  }

  /// Ten ARC items, the first `right` answered correctly, with confidences that fall
  /// across the bins; two categories, one of them hostile.
  static func answers(_ store: ResultStore, run: String, cell: String, right: Int, prompts: Bool = true) throws {
    let confidences = [0.95, 0.9, 0.82, 0.77, 0.7, 0.64, 0.55, 0.48, 0.41, 0.33]
    for index in 0..<10 {
      let correct = index < right
      try store.insert(
        TaskResultRecord(
          runId: run, cellHash: cell, task: "arc_challenge", method: "letter_likelihood", itemId: "Mercury_\(index)",
          category: index % 2 == 0 ? "Mercury" : hostileCategory, promptHash: "p\(index)",
          response: correct ? "A" : "<script>alert('x')</script></textarea>\u{1B}[31mB", extracted: correct ? "A" : "B",
          expected: "A", correct: correct, confidence: confidences[index], latencyMs: 80),
        prompt: prompts ? prompt(index) : nil)
    }
    try store.insert(
      TaskRunRecord(
        runId: run, cellHash: cell, task: "arc_challenge", method: "letter_likelihood", items: 10, concurrency: 1,
        wallSeconds: 0.9))
  }
}
