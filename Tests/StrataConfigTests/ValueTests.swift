import Testing

@testable import StrataConfig

@Suite("values, flags, scenarios and path expansion")
struct ValueTests {
  @Test(arguments: [
    (ServerFlag.batch, AxisValue.int(512), ["-b", "512"]),
    (.ubatch, .int(128), ["-ub", "128"]),
    (.threads, .int(4), ["-t", "4"]),
    (.ctk, .string("q8_0"), ["-ctk", "q8_0", "-ctv", "q8_0"]),
    (.flashAttn, .string("on"), ["-fa", "on"]),
    (.flashAttn, .string("auto"), ["-fa", "auto"]),
    (.flashAttn, .bool(true), ["-fa", "on"]),
    (.flashAttn, .bool(false), ["-fa", "off"]),
    (.ngl, .int(0), ["-ngl", "0"]),
    (.ngl, .int(99), ["-ngl", "99"]),
    (.ctx, .int(4096), ["-c", "4096"]),
  ])
  func serverFlagsProduceLlamaServerArguments(flag: ServerFlag, value: AxisValue, expected: [String]) {
    #expect(flag.arguments(for: value) == expected)
  }

  @Test(arguments: [
    (AxisValue.string("Q4_K_M"), "Q4_K_M"),
    (.string("on"), "on"),
    (.int(512), "512"),
    (.double(0.7), "0.7"),
    (.double(1), "1.0"),
    (.bool(true), "true"),
    (.bool(false), "false"),
  ])
  func axisValuesHaveCanonicalText(value: AxisValue, text: String) {
    #expect(value.canonical == text)
    #expect(value.description == text)
  }

  @Test func axisValuesSortBoolsThenNumbersThenStrings() {
    let values: [AxisValue] = [
      .string("b"), .double(1.5), .int(2), .bool(true), .string("a"), .int(1), .double(1), .bool(false),
    ]
    #expect(
      values.sorted() == [
        .bool(false), .bool(true), .int(1), .double(1), .double(1.5), .int(2), .string("a"), .string("b"),
      ])
  }

  @Test(arguments: [
    ("pp512-tg128", 512, 128),
    ("pp1-tg1", 1, 1),
    ("pp32768-tg32768", 32768, 32768),
  ])
  func scenarioNamesParse(name: String, prompt: Int, generate: Int) throws {
    let scenario = try #require(Scenario(name: name))
    #expect(scenario.promptTokens == prompt)
    #expect(scenario.generateTokens == generate)
    #expect(scenario.name == name)
  }

  @Test(arguments: [
    "pp512tg128", "pp0-tg128", "pp512-tg0", "pp32769-tg1", "pp0512-tg128", "pp-tg1", "tg128-pp512", "pp512-tg128-x",
    "pp+5-tg1", "PP512-TG128", "",
  ])
  func malformedScenarioNamesAreRejected(name: String) {
    #expect(Scenario(name: name) == nil)
  }

  @Test func standardExpanderTakesHomeAndTheCacheFromTheHostContext() throws {
    let directories = HostDirectories.xdg(home: "/home/a", environment: [:], temporary: "/tmp")
    let host = HostContext(
      roots: .system, environment: ["HOME": "/elsewhere"], directories: directories,
      clock: HostClock(wall: { 0 }, monotonic: { 0 }), hostname: "h", interactive: false)
    #expect(try host.pathExpander.expand("${STRATA_CACHE}/models") == "/home/a/.cache/strata/models")
    #expect(try host.pathExpander.expand("~") == "/home/a")
    let custom = PathExpander.standard(
      environment: ["STRATA_CACHE": "/fast/cache"], home: "/home/a", cache: "/home/a/.cache/strata")
    #expect(try custom.expand("${STRATA_CACHE}/bin") == "/fast/cache/bin")
  }

  @Test(arguments: [
    ("~/models/x.gguf", "/home/tester/models/x.gguf"),
    ("${HOME}/a/${STRATA_CACHE}", "/home/tester/a//cache/strata"),
    ("/plain/path", "/plain/path"),
    ("relative/~/path", "relative/~/path"),
    ("~user/x", "~user/x"),
    ("cost$5", "cost$5"),
  ])
  func expanderReplacesBracedVariablesAndLeadingTilde(raw: String, expected: String) throws {
    #expect(try TestSupport.expander.expand(raw) == expected)
  }

  @Test(arguments: [
    ("${NOPE}/x", PathExpansionError.unknownVariable(name: "NOPE", path: "${NOPE}/x")),
    ("${HOME", .malformed(path: "${HOME")),
    ("${}", .malformed(path: "${}")),
    ("${1X}", .malformed(path: "${1X}")),
  ])
  func expanderRejectsUnknownAndMalformedVariables(raw: String, error: PathExpansionError) {
    #expect(throws: error) { try TestSupport.expander.expand(raw) }
  }

  @Test func tildeWithoutHomeIsAnUnknownVariable() {
    #expect(throws: PathExpansionError.unknownVariable(name: "HOME", path: "~/x")) {
      try PathExpander(variables: [:]).expand("~/x")
    }
  }

  @Test func configErrorDescriptionIsCompilerStyle() {
    let located = ConfigError(
      location: SourceLocation(file: "matrix.yaml", line: 3, column: 11), message: "unknown engine 'gpu'",
      hint: "did you mean 'cpu'?")
    #expect(located.description == "matrix.yaml:3:11: error: unknown engine 'gpu'\n  hint: did you mean 'cpu'?")
    let fileOnly = ConfigError(location: SourceLocation(file: "models.yaml"), message: "file not found")
    #expect(fileOnly.description == "models.yaml: error: file not found")
    #expect(ConfigError(location: nil, message: "boom").description == "error: boom")
    let all = ConfigErrors(errors: [fileOnly, located])
    #expect(all.description == fileOnly.description + "\n" + located.description)
  }

  @Test func errorsSortByFileThenLineThenColumn() {
    let a = ConfigError(location: SourceLocation(file: "b.yaml", line: 1, column: 1), message: "a")
    let b = ConfigError(location: SourceLocation(file: "a.yaml", line: 9, column: 1), message: "b")
    let c = ConfigError(location: SourceLocation(file: "a.yaml", line: 2, column: 7), message: "c")
    let d = ConfigError(location: SourceLocation(file: "a.yaml", line: 2, column: 3), message: "d")
    #expect(ConfigErrors(errors: [a, b, c, d]).sorted().errors.map(\.message) == ["d", "c", "b", "a"])
  }

  @Test func editDistanceSuggestsOnlyCloseNames() {
    #expect(Suggestions.closest(to: "quant_tag", in: ["name", "quant", "quant_tags"]) == "quant_tags")
    #expect(Suggestions.closest(to: "zzz", in: ["name", "quant"]) == nil)
    #expect(Suggestions.editDistance("kitten", "sitting") == 3)
  }
}
