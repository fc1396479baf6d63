// libFuzzer entry point for every parser that reads outside data. Built only by
// scripts/fuzz (STRATA_FUZZ=1 swift build -sanitize=fuzzer), never by CI's build:
// libFuzzer supplies `main`. The target is chosen by STRATA_FUZZ_TARGET, so one
// instrumented binary serves them all.
import Foundation
import StrataClient
import StrataConfig
import StrataEval
import StrataTelemetry

/// The parsers under fuzz, by name. Each must return (or throw) for any bytes:
/// a crash, a trap or a hang is a finding.
let targets: [String: @Sendable (Data) -> Void] = [
  "sse": { data in
    // Fed in two pieces, so that state carried between feeds is exercised too.
    var parser = SSEParser()
    let split = data.count / 2
    _ = parser.feed(data.prefix(split))
    _ = parser.feed(data.dropFirst(split))
  },
  "server-json": { data in
    _ = try? JSONDecoder().decode(ServerProps.self, from: data)
    _ = try? JSONDecoder().decode(ServerTimings.self, from: data)
  },
  "fdinfo": { data in _ = DRMFDInfo.parse(String(decoding: data, as: UTF8.self)) },
  "proc-stat": { data in
    _ = ProcessSampler.parse(stat: String(decoding: data, as: UTF8.self), pid: 1, pageSize: 4096, ticksPerSecond: 100)
  },
  "sysfs": { data in
    let text = String(decoding: data, as: UTF8.self)
    _ = AMDGPUSysfsText.uevent(text)
    _ = AMDGPUSysfsText.currentLevelMHz(text)
  },
  "nvidia-smi": { data in _ = NvidiaSMI.parse(csv: String(decoding: data, as: UTF8.self)) },
  "items": { data in
    let text = String(decoding: data, as: UTF8.self)
    _ = try? TaskItemLoader.parse(MultipleChoiceItem.self, text, path: "fuzz.jsonl")
    _ = try? TaskItemLoader.parse(ExactAnswerItem.self, text, path: "fuzz.jsonl")
    _ = try? TaskItemLoader.parse(CodeItem.self, text, path: "fuzz.jsonl")
  },
  "yaml": { data in
    guard let text = String(data: data, encoding: .utf8) else { return }
    let expander = PathExpander(variables: ["HOME": "/home/fuzz", "STRATA_CACHE": "/cache"])
    _ = try? ModelsFileParser.parse(yaml: text, expander: expander)
    _ = try? MatrixSpecParser.parse(yaml: text)
    _ = try? EngineSpecParser.parse(yaml: text, file: "engines/cpu.yaml", expander: expander)
    _ = try? TaskSpecParser.parse(yaml: text, file: "tasks/t.yaml", expander: expander)
  },
]

let selected: @Sendable (Data) -> Void = {
  let name = ProcessInfo.processInfo.environment["STRATA_FUZZ_TARGET"] ?? ""
  guard let target = targets[name] else {
    FileHandle.standardError.write(
      Data("set STRATA_FUZZ_TARGET to one of: \(targets.keys.sorted().joined(separator: ", "))\n".utf8))
    exit(2)
  }
  return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
  guard let start else { return 0 }
  selected(Data(bytes: start, count: count))
  return 0
}
