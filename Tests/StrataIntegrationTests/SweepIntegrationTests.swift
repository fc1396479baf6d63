import Foundation
import StrataConfig
import StrataEngine
import StrataGGUF
import StrataMatrix
import StrataReport
import StrataRun
import StrataStore
import StrataTelemetry
import StrataTestSupport
import Synchronization
import Testing

@Suite("A real sweep against the real CPU llama-server", .tags(.integration), RealParts.gate)
struct SweepIntegrationTests {
  @Test("a 2-cell matrix runs to the end and stores plausible figures")
  func twoCells() async throws {
    try await ServerTestLock.run {
      let dir = try RealParts.project(matrix: RealParts.twoCellMatrix)
      let project = try ProjectLoader.load(directory: dir, expander: TestHost.expander)
      let plan = MatrixExpander.plan(project.matrix, quantsByModel: project.quantsByModel)
      #expect(plan.cells.count == 2)
      #expect(plan.groups.count == 2)

      let store = try ResultStore(path: "\(dir)/strata.sqlite")
      let registry = ProcessRegistry()
      let runId = UUID().uuidString.lowercased()
      // At the end of each cell, while its server still runs: how many of that server's samples are stored.
      let storedMidLife = Mutex<[Int]>([])
      let statuses = [SamplerStatus(sampler: "amdgpu-sysfs", available: false, reason: "no amdgpu device under /sys")]
      var context = RunContext(
        host: TestHost.live(under: dir), logDirectory: "\(dir)/logs", registry: registry,
        progress: { event in
          guard case .cellFinished = event, let server = try? store.servers(runId: runId).last?.id else { return }
          let count = (try? store.telemetrySamples(serverId: server).count) ?? 0
          storedMidLife.withLock { $0.append(count) }
        }, samplerStatuses: statuses)
      // The real probe, as `strata run` measures it: 3 × 128 MiB, two threads.
      context.measureBandwidth = { try? MemoryBandwidth.measure(threads: 2) }
      let outcome = try await Sweep(
        project: project, plan: plan, store: store, context: context, strataVersion: "test", runId: runId
      ).run()
      #expect(storedMidLife.withLock { $0.count } == 2)
      #expect(storedMidLife.withLock { $0.allSatisfy { $0 > 0 } }, "samples are written while the server runs")
      let inventory = try #require(try StoredInventory.read(from: store, runId: runId))
      #expect(inventory.samplers == statuses)
      #expect(inventory.host.logicalCores > 0 && inventory.host.cpuModel != "unknown")
      let bandwidth = try #require(inventory.host.memoryBandwidth, "the run stores the host's bandwidth")
      #expect(bandwidth.bytesPerSecond > 1e9 && bandwidth.threads == 2)

      #expect(outcome.done == 2 && outcome.failed == 0)
      #expect(registry.live.isEmpty)
      let cells = try store.cells(runId: outcome.runId)
      #expect(cells.map(\.status.rawValue) == ["done", "done"])
      let repetitions = try store.perfRepetitions(runId: outcome.runId)
      #expect(repetitions.count == 4)
      for r in repetitions {
        #expect(r.promptTokens == 64)
        #expect(r.generatedTokens == 16)
        #expect(r.cacheTokens == 0)
        #expect(r.ttftMs > 0 && r.serverDecodeTPS > 0 && r.serverPromptTPS > 0)
        #expect(r.decodeDepth == 64)
        // Client and server time the same tokens: they agree closely (3% in the benchmark).
        let client = try #require(r.clientDecodeTPS)
        #expect(abs(client / r.serverDecodeTPS - 1) < 0.15, "client \(client) vs server \(r.serverDecodeTPS) t/s")
        #expect((r.itlP50Ms ?? 0) > 0 && (r.itlP99Ms ?? 0) >= (r.itlP50Ms ?? 0))
      }
      let answers = try store.taskResults(runId: outcome.runId)
      #expect(answers.count == 8)
      #expect(Set(answers.map(\.itemId)).count == 4)
      let servers = try store.servers(runId: outcome.runId)
      #expect(servers.count == 2)
      #expect(servers.allSatisfy { $0.loadSeconds > 0 })
      #expect(servers.allSatisfy { FileManager.default.fileExists(atPath: $0.logPath) })
      // What a token reads, from the real GGUF's tensor table: SmolLM2 ties its output to the
      // embedding, so every weight byte; and 30 layers × 3 KV heads × 64 × K and V × f16 per cell.
      let shape = try ModelShape.read(path: RealParts.smollm2)
      for server in servers {
        let traffic = try JSONDecoder().decode(
          TokenTraffic.self, from: Data(try #require(server.tokenTrafficJSON).utf8))
        #expect(traffic.host.weightBytes == shape.weightBytes && traffic.device == TokenTraffic.Share())
        #expect(traffic.host.fullCellBytes == 30 * 3 * 64 * 2 * 2)
      }
      let run = try #require(try store.run(id: outcome.runId))
      #expect(run.status == .done)
      #expect(run.enginesJSON.contains("build 11434"), "the run records the engine's llama.cpp build")
      #expect(run.hostJSON.contains("cpuModel"))

      // Telemetry: a 10 Hz series for each server's whole life, and per-cell peaks.
      for server in servers {
        let samples = try store.telemetrySamples(serverId: try #require(server.id))
        #expect(samples.count >= 5)
        #expect(samples.contains { ($0.rssBytes ?? 0) > 50_000_000 }, "llama-server with a 98 MB model resident")
        #expect(zip(samples.dropFirst(), samples).allSatisfy { $0.monoNanos > $1.monoNanos })
      }
      let telemetry = try store.cellTelemetry(runId: outcome.runId)
      #expect(telemetry.count == 2)
      #expect(telemetry.values.allSatisfy { ($0.peakRSSBytes ?? 0) > 50_000_000 && $0.peakVRAMBytes == nil })
      #expect(telemetry.values.allSatisfy { $0.meanVRAMBytes == nil && $0.joulesPerGeneratedToken == nil })
      // Each cell's summary counts the tokens of its measured repetitions: 2 × 16.
      for figures in telemetry.values {
        let summary = try JSONDecoder().decode(
          TelemetrySummary.self, from: Data(try #require(figures.telemetryJSON).utf8))
        #expect(summary.generatedTokens == 32 && summary.meanRSSBytes != nil)
      }

      let rows = try ComparisonBuilder.rows(store: store, runId: outcome.runId)
      #expect(rows.count == 2)
      for row in rows {
        let accuracy = try #require(row.accuracy)
        #expect(accuracy.trials == 4)
        #expect(accuracy.successes == answers.filter { $0.cellHash == row.cell && $0.correct }.count)
        #expect((row.decodeTPS?.mean ?? 0) > 0)
        #expect((row.loadSeconds ?? 0) > 0)
        // Decode below its memory bound (about 40% here); the margin allows a loaded host.
        let share = try #require(row.fractionOfBound)
        #expect(share > 0.02 && share < 1.5, "decode at \(share) of its roofline bound")
      }
      let table = ReportRenderer.render(rows, format: .table)
      let lines = table.split(separator: "\n").filter { $0.hasPrefix("cpu ") }
      #expect(lines.count == 2)
      for (line, row) in zip(lines, rows) {
        // The row's own figures, as printed: decode mean and the accuracy.
        let decode = try #require(row.decodeTPS)
        #expect(line.contains(String(format: "%.1f ± %.1f", decode.mean, decode.standardDeviation)))
        #expect(line.contains("n=4") && line.contains("pp64-tg16") && line.hasSuffix("done"))
      }
      #expect(table.contains("flash_attn") && table.contains("peak RSS MiB") && !table.contains("peak VRAM MiB"))
      #expect(table.contains("decode of bound"))
      #expect(!table.contains("J/tok") && !table.contains("mean VRAM MiB"))
    }
  }

  @Test("with a GPU sampler (the recorded AMD 7900 XTX stand-in tree) the table grows VRAM and power columns")
  func gpuColumnsFromFixture() async throws {
    try await ServerTestLock.run {
      // The recorded sysfs tree of Tests/StrataTelemetryTests/Fixtures (a stand-in:
      // no GPU here). Its values are static: VRAM 6046314496 B used, power1_average
      // 338000000 µW = 338 W, so VRAM above baseline is 0 and mean power is 338 W.
      let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("StrataTelemetryTests/Fixtures/amd-7900xtx/sys").path
      let sampler = AMDGPUSysfsSampler(sysRoot: fixture)
      try #require(sampler.status().available)
      let dir = try RealParts.project(
        matrix: RealParts.twoCellMatrix.replacingOccurrences(of: "flash_attn: [on, off]", with: "flash_attn: [on]"))
      let project = try ProjectLoader.load(directory: dir, expander: TestHost.expander)
      let plan = MatrixExpander.plan(project.matrix, quantsByModel: project.quantsByModel)
      let store = try ResultStore(inMemory: ())
      let context = RunContext(
        host: TestHost.live(under: dir), logDirectory: "\(dir)/logs", registry: ProcessRegistry(),
        progress: { _ in }, deviceSamplers: [sampler])
      let outcome = try await Sweep(project: project, plan: plan, store: store, context: context, strataVersion: "t")
        .run()
      #expect(outcome.done == 1)
      let row = try #require(try ComparisonBuilder.rows(store: store, runId: outcome.runId).first)
      #expect(row.peakVRAMBytes == 0)
      #expect(row.meanPowerWatts == 338)
      #expect(row.meanVRAMBytes == 0)
      #expect((row.energyJoules ?? 0) > 0)
      // Constant 338 W: J/tok = 338 × (time the 2 repetitions ran) ÷ their 32 tokens. The
      // time is this run's own (first token, then the rest at the decode speed), so a
      // loaded machine moves both sides alike.
      let perToken = try #require(row.joulesPerGeneratedToken)
      let repetitions = try store.perfRepetitions(runId: outcome.runId)
      let seconds = repetitions.map { $0.ttftMs / 1000 + Double($0.generatedTokens) / $0.serverDecodeTPS }
        .reduce(0, +)
      let expected = 338 * seconds / Double(repetitions.map(\.generatedTokens).reduce(0, +))
      #expect(perToken > expected / 2 && perToken < expected * 2, "\(perToken) J/tok against \(expected)")
      let table = ReportRenderer.render([row], format: .table)
      #expect(table.contains("peak VRAM MiB") && table.contains("power W") && table.contains("338.0"))
      #expect(table.contains("mean VRAM MiB") && table.contains("J/tok"))
    }
  }

  @Test("idle power is read before each server starts and subtracted: 20 W idle under a 338 W load")
  func idlePowerSubtracted() async throws {
    try await ServerTestLock.run {
      // A copy of the recorded stand-in tree whose power this test sets: 20 W until the
      // server is ready, 338 W while it works.
      let recorded = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("StrataTelemetryTests/Fixtures/amd-7900xtx/sys").path
      let dir = try RealParts.project(
        matrix: RealParts.twoCellMatrix.replacingOccurrences(of: "flash_attn: [on, off]", with: "flash_attn: [on]"))
      try FileManager.default.copyItem(atPath: recorded, toPath: "\(dir)/sys")
      let hwmon = "\(dir)/sys/class/drm/card1/device/hwmon/hwmon2"
      let setWatts = { @Sendable (watts: Int) in
        for file in ["power1_average", "power1_input"] {
          try? "\(watts * 1_000_000)\n".write(toFile: "\(hwmon)/\(file)", atomically: true, encoding: .utf8)
        }
      }
      setWatts(20)
      let sampler = AMDGPUSysfsSampler(sysRoot: "\(dir)/sys")
      try #require(sampler.status().available)
      let project = try ProjectLoader.load(directory: dir, expander: TestHost.expander)
      let plan = MatrixExpander.plan(project.matrix, quantsByModel: project.quantsByModel)
      let store = try ResultStore(inMemory: ())
      var context = RunContext(
        host: TestHost.live(under: dir), logDirectory: "\(dir)/logs", registry: ProcessRegistry(),
        progress: { event in if case .serverReady = event { setWatts(338) } }, deviceSamplers: [sampler])
      context.idlePowerSeconds = 1
      let outcome = try await Sweep(project: project, plan: plan, store: store, context: context, strataVersion: "t")
        .run()
      #expect(outcome.done == 1)
      let row = try #require(try ComparisonBuilder.rows(store: store, runId: outcome.runId).first)
      #expect(row.idlePowerWatts == 20 && row.meanPowerWatts == 338)
      let gross = try #require(row.joulesPerGeneratedToken)
      let net = try #require(row.netJoulesPerGeneratedToken)
      // Constant power over the repetitions: the net share is (338 − 20) ÷ 338 of the gross.
      #expect(abs(net / gross - 318.0 / 338) < 0.01, "net \(net) J/tok of gross \(gross)")
      let server = try #require(try store.serverTelemetry(runId: outcome.runId).values.first)
      #expect(server.idlePowerWatts == 20, "the server's row says it too")
      let priced = try Tariff.parse("0.30/kWh").price([row])
      let table = ReportRenderer.render(priced, format: .table)
      #expect(table.contains("idle W") && table.contains("20.0") && table.contains("J/tok net"))
      #expect(table.contains("cost/Mtok") && table.contains("at 0.3/kWh"))
    }
  }

  @Test("a server that cannot load fails its cells with the log's reason, and the sweep goes on")
  func badModelFailsCell() async throws {
    try await ServerTestLock.run {
      let dir = try RealParts.project(matrix: RealParts.twoCellMatrix)
      // A file that is not a GGUF: llama-server exits during load.
      let bogus = "\(dir)/bogus.Q4_1.gguf"
      try "not a model".write(toFile: bogus, atomically: true, encoding: .utf8)
      try """
      models:
        - name: smollm2-135m
          files:
            Q4_1: \(bogus)
      """.write(toFile: "\(dir)/models.yaml", atomically: true, encoding: .utf8)
      let project = try ProjectLoader.load(directory: dir, expander: TestHost.expander)
      let plan = MatrixExpander.plan(project.matrix, quantsByModel: project.quantsByModel)
      let store = try ResultStore(inMemory: ())
      let context = RunContext(
        host: TestHost.live(under: dir), logDirectory: "\(dir)/logs", registry: ProcessRegistry(),
        progress: { _ in })
      let outcome = try await Sweep(project: project, plan: plan, store: store, context: context, strataVersion: "t")
        .run()
      #expect(outcome.failed == 2 && outcome.done == 0)
      let cells = try store.cells(runId: outcome.runId)
      #expect(cells.allSatisfy { $0.status == .failed && ($0.failure ?? "").contains("exited during load") })
      #expect(try store.run(id: outcome.runId)?.status == .partial)
      // The server that failed has a row with the reason, and the samples taken
      // while it loaded are kept under it.
      let servers = try store.servers(runId: outcome.runId)
      #expect(servers.count == 2, "flash_attn on and off: two servers")
      #expect(Set(cells.compactMap(\.serverId)) == Set(servers.compactMap(\.id)), "each failed cell names its server")
      for failed in servers {
        #expect((failed.loadFailure ?? "").contains("exited during load"))
        #expect(failed.port > 0 && failed.argumentsJSON.contains("bogus.Q4_1.gguf") && failed.buildInfo == nil)
        #expect(failed.loadSeconds > 0 && failed.loadSeconds < 60)
        #expect(try !store.telemetrySamples(serverId: try #require(failed.id)).isEmpty)
      }
    }
  }
}
