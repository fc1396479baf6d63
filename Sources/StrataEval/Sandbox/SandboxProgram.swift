/// The Python source one sandboxed run executes: a model's completion together
/// with the task's tests, assembled by the caller.
public struct SandboxProgram: Sendable, Hashable, Codable {
  public var source: String

  public init(source: String) { self.source = source }

  /// An MBPP item: the generated code, the item's setup code, then its `assert` lines.
  /// The program passes when it runs to the end.
  public static func mbpp(code: String, tests: [String], setup: String = "") -> SandboxProgram {
    var parts = [code]
    if !setup.isEmpty { parts.append(setup) }
    parts.append(tests.joined(separator: "\n"))
    return SandboxProgram(source: parts.joined(separator: "\n\n") + "\n")
  }

  /// A HumanEval item: the prompt (signature and docstring) continued by the
  /// completion, then the item's test code, which defines `check(candidate)`, and
  /// the call `check(entry_point)`, as the reference harness runs it.
  public static func humanEval(prompt: String, completion: String, test: String, entryPoint: String)
    -> SandboxProgram
  {
    SandboxProgram(source: prompt + completion + "\n\n" + test + "\n\n" + "check(\(entryPoint))\n")
  }
}
