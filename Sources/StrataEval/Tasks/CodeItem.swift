import Foundation
import StrataConfig

/// One programming problem (MBPP, HumanEval) in strata's task format, one JSON object per line:
/// `{"id", "prompt", "program"?, "entry_point"?, "tests", "test_imports"?,
/// "canonical_solution"?, "fewshot"?, "stop"?}`.
///
/// The program under test is `prompt + reply` or the reply alone (see `program`),
/// then `test_imports`, then `tests`; it passes when Python runs it without error.
public struct CodeItem: Sendable, Hashable, Codable {
  /// How a reply becomes the program under test.
  public enum Program: String, Sendable, Hashable, Codable {
    /// The reply is the whole program (MBPP: the prompt is an instruction).
    case completion
    /// The reply continues the prompt's code (HumanEval: signature and docstring, then the body).
    case promptAndCompletion = "prompt+completion"
  }

  public var id: String
  public var category: String?
  /// What the model continues or answers.
  public var prompt: String
  /// Absent in a user's file: the reply is the whole program.
  public var program: Program?
  /// The function the tests call (HumanEval).
  public var entryPoint: String?
  /// Python that raises when the program is wrong.
  public var tests: String
  /// Python run after the program and before the tests (set-up the tests need).
  public var testImports: String?
  /// The reference solution, in the same shape as a reply.
  public var canonicalSolution: String?
  /// Solved problems that may precede the prompt.
  public var fewshot: String?
  /// The source's stop sequences for this problem.
  public var stop: [String]?

  enum CodingKeys: String, CodingKey {
    case id, category, prompt, program, tests, fewshot, stop
    case entryPoint = "entry_point"
    case testImports = "test_imports"
    case canonicalSolution = "canonical_solution"
  }

  public init(
    id: String, category: String? = nil, prompt: String, program: Program? = nil, entryPoint: String? = nil,
    tests: String, testImports: String? = nil, canonicalSolution: String? = nil, fewshot: String? = nil,
    stop: [String]? = nil
  ) {
    self.id = id
    self.category = category
    self.prompt = prompt
    self.program = program
    self.entryPoint = entryPoint
    self.tests = tests
    self.testImports = testImports
    self.canonicalSolution = canonicalSolution
    self.fewshot = fewshot
    self.stop = stop
  }

  /// The Python source that runs `reply` against the tests.
  public func programText(reply: String) -> String {
    let head = (program ?? .completion) == .promptAndCompletion ? prompt + reply : reply
    return [head, testImports ?? "", tests].joined(separator: "\n")
  }
}

extension CodeItem: TaskItem {
  public static let kind = TaskKind.code

  public func problem() -> String? {
    if tests.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return "tests are empty" }
    if prompt.isEmpty { return "prompt is empty" }
    return nil
  }
}
