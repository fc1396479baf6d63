import Testing

@testable import StrataConfig

@Suite("never crash on hostile input")
struct RobustnessTests {
  static let junk: [String] = [
    "", " ", "\n\n", "~", "null", "42", "[]", "{}", "- - -", "\u{0}", "\u{1}\u{2}\u{7F}binary",
    "\u{FEFF}axes: {}", "{", "[", "]", "}", ":", "? [a]\n: b", "&a [*a]", "*undefined", "!!binary x",
    "!!int notanumber", "---\na: 1\n---\nb: 2\n", "\t", "a:\n\t- b", "models: !!map {}", "models:\n  - !!str x",
    "models:\n  - name: [x]\n", "models:\n  - {name: x, files: {[a]: b}}", "models:\n  - {name: x, files: {Q4: [a]}}",
    "axes: {engine: {a: b}, model: [[x]]}", "axes:\n  args: [threads]\n", "axes:\n  args: {threads: [[1]]}\n",
    "axes: {engine: a, model: b}\nexclude: {engine: a}\n", "axes: {engine: a, model: b}\nexclude: [[engine]]\n",
    "axes: {engine: a, model: b}\noverrides: [{when: [a]}]\n", "axes: {engine: a, model: b}\ntasks: [{}]\n",
    "axes: {engine: a, model: b}\ntasks: [{name: t, limit: -1}, {name: [t]}]\n",
    "repeats: 999999999999999999999999999\naxes: {engine: a, model: b}",
    "axes:\n  engine: a\n  model: b\n  sampling: {temperature: [.nan, .inf, 1e400], seed: [-1]}\n",
    "name: cpu\nenv: [a]\nargs: {}\n", "name: cpu\nenv: {1: 2, A: [b], B: ~}\n", "name: cpu\nseed: 1e400\n",
    "name: t\nkind: multiple_choice\nitems: ${\nseed: 18446744073709551616\n",
    String(repeating: "[", count: 2000), String(repeating: "- ", count: 500) + "x",
    String(repeating: "{a: ", count: 300) + "b" + String(repeating: "}", count: 300),
    "a: &x [1, 2]\nb: *x\nc: *x\n", "models: &m [*m]",
  ]

  @Test(arguments: [ConfigKind.models, .engine, .task, .matrix])
  func junkInputsGiveErrorsWithLocations(kind: ConfigKind) {
    for text in Self.junk {
      let errors = kind.errors(yaml: text, file: kind.defaultFile)
      for error in errors {
        #expect(error.location?.file == kind.defaultFile, "\(text.debugDescription): \(error)")
        #expect(!error.message.isEmpty)
      }
    }
  }

  @Test(arguments: [ConfigKind.models, .engine, .task, .matrix])
  func randomYAMLLikeTextNeverCrashes(kind: ConfigKind) {
    let pieces = [
      "models", "name", "axes", "engine", "model", "args", "threads", "flash_attn", "quant", "path", "repo_id",
      "files", "backend", "binary", "items", "kind", "tasks", "exclude", "overrides", "when", "x", "1", "-2", "0.5",
      "on", "true", "~", "${STRATA_CACHE}", "${X", ":", ": ", "- ", "\n", "\n  ", "\n    ", "[", "]", "{", "}", ",",
      "'", "\"", "&a ", "*a", "#", "\t", "|", ">", "!!str ", "? ",
    ]
    var generator = SplitMix64(seed: UInt64(kind.rawValue.count))
    for _ in 0..<400 {
      let count = Int.random(in: 1...40, using: &generator)
      let text = (0..<count).map { _ in pieces.randomElement(using: &generator) ?? "" }.joined()
      _ = kind.errors(yaml: text, file: kind.defaultFile)
    }
  }
}

/// A small seedable generator so that the random inputs are the same on every run.
struct SplitMix64: RandomNumberGenerator {
  var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
