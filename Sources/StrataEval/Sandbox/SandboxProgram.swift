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

/// The proof that a program ran to its end: a random line that only the code
/// strata appends after the tests prints.
///
/// Exit status 0 alone proves nothing, because the program is the reply
/// followed by the tests: a reply that calls `sys.exit()`, `exit()`, `quit()`,
/// `raise SystemExit` or `os._exit(0)` — at module level, or inside the function
/// the tests call — ends with status 0 before a single assertion ran. The
/// reference harnesses count those as failures, and so does strata: a pass
/// needs status 0 *and* this line.
///
/// The marker is new for every run, so output cannot match it by chance. It is
/// in the program's own text, so code written to forge a pass (read its file,
/// print the line, exit) could; that is an attack on the score, not on the host,
/// and the sandbox contains the host either way.
public struct SandboxCompletionMarker: Sendable, Hashable {
  public let line: String

  public init() {
    var generator = SystemRandomNumberGenerator()
    let hex = (0..<4).map { _ in String(generator.next() as UInt32, radix: 16) }.joined(separator: "-")
    line = "strata-tests-completed-\(hex)"
  }

  init(line: String) { self.line = line }

  /// Appended after the program: flush what Python buffered, then write the line
  /// with a raw write, so a replaced or closed `sys.stdout` cannot swallow it and
  /// Python's own exit-time flush cannot split it.
  public var epilogue: String {
    """


    import os as _strata_os, sys as _strata_sys
    try:
        _strata_sys.stdout.flush()
    except Exception:
        pass
    _strata_os.write(1, b"\\n\(line)\\n")

    """
  }

  /// Whether `stdout` holds the line, on a line of its own.
  public func appears(in stdout: String) -> Bool {
    stdout.split(whereSeparator: \.isNewline).contains { $0 == line }
  }

  /// `stdout` without the marker's line (and the newline written before it).
  public func removed(from stdout: String) -> String {
    guard let range = stdout.range(of: "\n\(line)\n") ?? stdout.range(of: "\(line)\n") else { return stdout }
    var cleaned = stdout
    cleaned.removeSubrange(range)
    return cleaned
  }
}
