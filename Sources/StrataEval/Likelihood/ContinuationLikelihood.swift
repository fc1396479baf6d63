import Foundation
import StrataConfig

/// One multiple-choice item in continuation form (the "rc" formulation of
/// OLMES, HellaSwag's endings): a context and the texts that may continue it.
public struct ContinuationItem: Sendable, Hashable {
  public var id: String
  public var context: String
  public var continuations: [String]
  /// Index of the right continuation.
  public var correct: Int

  public init(id: String, context: String, continuations: [String], correct: Int) {
    self.id = id
    self.context = context
    self.continuations = continuations
    self.correct = correct
  }

  /// The rc form of a lettered item: "Question: …\nAnswer:" continued by each
  /// option's text (no letters: the model is judged on the answer itself).
  public init?(_ item: MultipleChoiceItem) {
    guard let correct = item.choices.firstIndex(where: { $0.label == item.answer }) else { return nil }
    self.init(
      id: item.id, context: "Question: \(item.question)\nAnswer:", continuations: item.choices.map(\.text),
      correct: correct)
  }
}

/// The binary task file `llama-perplexity --multiple-choice` reads with `-bf`
/// (tools/perplexity/perplexity.cpp, `multiple_choice_score`): little-endian
/// u32 task count, u32 byte offset of each task, then per task the context as a
/// u32-length-prefixed string, `mc1` (u32 answer count, each answer as a
/// string, then one i32 label per answer, 1 = correct) and an empty `mc2`.
/// llama-perplexity joins context and answer with one space, so a leading space
/// of a continuation is dropped here.
public enum PerplexityTaskFile {
  public static func encode(_ items: [ContinuationItem]) -> Data {
    var bodies: [Data] = []
    for item in items {
      var body = Data()
      appendString(item.context, to: &body)
      appendU32(UInt32(item.continuations.count), to: &body)
      for continuation in item.continuations {
        appendString(String(continuation.drop { $0 == " " }), to: &body)
      }
      for index in item.continuations.indices { appendU32(index == item.correct ? 1 : 0, to: &body) }
      appendU32(0, to: &body)  // mc2: no answers
      bodies.append(body)
    }
    var data = Data()
    appendU32(UInt32(items.count), to: &data)
    var offset = UInt32(4 + 4 * items.count)
    for body in bodies {
      appendU32(offset, to: &data)
      offset += UInt32(body.count)
    }
    for body in bodies { data.append(body) }
    return data
  }

  static func appendU32(_ value: UInt32, to data: inout Data) {
    withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
  }

  static func appendString(_ text: String, to data: inout Data) {
    let bytes = Array(text.utf8)
    appendU32(UInt32(bytes.count), to: &data)
    data.append(contentsOf: bytes)
  }
}

/// Reads llama-perplexity's multiple-choice progress lines ("<n>\t<accuracy %>"
/// after the "task\tacc_norm" header, one per finished task, in file order) back
/// into per-item correctness: item n is right when the running count of correct
/// answers grew at line n.
public enum PerplexityMultipleChoiceOutput {
  public static func correctness(_ output: String, expected count: Int) throws(ContinuationScoringError) -> [Bool] {
    var results: [Bool] = []
    var correctSoFar = 0
    var started = false
    for line in output.split(separator: "\n") {
      if line.hasPrefix("task\tacc_norm") {
        started = true
        continue
      }
      guard started else { continue }
      let fields = line.split(separator: "\t")
      guard fields.count == 2, let n = Int(fields[0]), let percent = Double(fields[1]), n == results.count + 1
      else { continue }
      let correct = Int((percent * Double(n) / 100).rounded())
      results.append(correct > correctSoFar)
      correctSoFar = correct
    }
    guard results.count == count else {
      throw .incompleteOutput(expected: count, found: results.count, tail: String(output.suffix(600)))
    }
    return results
  }
}

public enum ContinuationScoringError: Error, Sendable, CustomStringConvertible {
  /// `path` is where the engine's build would have it; nil for a container engine.
  case noPerplexityBinary(engine: String, path: String?)
  case incompleteOutput(expected: Int, found: Int, tail: String)
  case failed(status: String, tail: String)

  public var description: String {
    switch self {
    case .noPerplexityBinary(let engine, let path?):
      "continuation likelihood on engine \(engine) needs llama-perplexity from the same build at \(path): run scripts/build-engines (it builds it beside llama-server)"
    case .noPerplexityBinary(let engine, nil):
      "continuation likelihood cannot be scored on engine \(engine): a container image ships llama-server only, and llama-perplexity does the scoring; use a process engine of the same build for it"
    case .incompleteOutput(let expected, let found, let tail):
      "llama-perplexity reported \(found) of \(expected) tasks; its last output:\n\(tail)"
    case .failed(let status, let tail):
      "llama-perplexity failed (\(status)); its last output:\n\(tail)"
    }
  }
}
