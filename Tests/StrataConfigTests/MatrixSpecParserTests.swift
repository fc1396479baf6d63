import Foundation
import Testing

@testable import StrataConfig

@Suite("matrix.yaml parsing")
struct MatrixSpecParserTests {
  let yaml = """
    design: full
    repeats: 3
    axes:
      engine: [cpu, vulkan]
      model: [smollm2-135m, gemma3-270m]
      quant: [Q4_1, Q4_K_M, Q3_K_S]
      args:
        threads: [2]
        flash_attn: [on, off]
        ctk: f16
      sampling:
        temperature: [0, 0.7]
        seed: 42
    exclude:
      - {engine: vulkan, quant: Q3_K_S}
    overrides:
      - when: {engine: vulkan, flash_attn: false}
        scenarios: [pp64-tg16]
        tasks: [{name: arc_challenge, limit: 5}]
        repeats: 2
    scenarios: [pp512-tg128, pp1024-tg256]
    tasks:
      - name: arc_challenge
        limit: 20
      - hellaswag
    """

  func parsed() throws -> MatrixSpec {
    try MatrixSpecParser.parse(yaml: yaml, file: "matrix.yaml")
  }

  @Test func samplingPresetsExpandAndExplicitAxesWin() throws {
    let sweep = try MatrixSpecParser.parse(
      yaml: "axes: {engine: cpu, model: m, sampling: {preset: temperature_sweep, seed: 7}}\n", file: "matrix.yaml")
    #expect(sweep.axes.sampling[.temperature] == [.double(0.2), .double(0.7), .double(1.2)])
    #expect(sweep.axes.sampling[.seed] == [.int(7)])
    let pair = try MatrixSpecParser.parse(
      yaml: "axes: {engine: cpu, model: m, sampling: {preset: deterministic_pair}}\n", file: "matrix.yaml")
    #expect(pair.axes.sampling[.topP] == [.double(0.9), .double(1.0)])
    #expect(pair.axes.sampling[.seed] == [.int(42)])
    #expect(pair.axes.sampling[.temperature] == [.double(0.7)])
  }

  @Test func parallelSlotsAreALoadTimeFlag() throws {
    let spec = try MatrixSpecParser.parse(
      yaml: "axes: {engine: cpu, model: m, args: {parallel: [1, 4]}}\n", file: "matrix.yaml")
    #expect(spec.axes.flags[.parallel] == [.int(1), .int(4)])
    #expect(ServerFlag.parallel.arguments(for: .int(4)) == ["-np", "4"])
  }

  @Test("budget: hours and cells parse; a bad key or value says where and what")
  func budget() throws {
    let spec = try MatrixSpecParser.parse(
      yaml: "budget: {hours: 8, cells: 40}\naxes: {engine: cpu, model: m}\n", file: "matrix.yaml")
    #expect(spec.budget == MatrixBudget(hours: 8, cells: 40))
    #expect(try MatrixSpecParser.parse(yaml: "axes: {engine: cpu, model: m}\n").budget == nil)
    let errors = TestSupport.errors { () throws(ConfigErrors) in
      _ = try MatrixSpecParser.parse(
        yaml: "budget: {hours: -1, cels: 3}\naxes: {engine: cpu, model: m}\n", file: "matrix.yaml")
    }
    #expect(errors.contains { $0.message.contains("budget.hours") && $0.location?.line == 1 }, "\(errors)")
    #expect(errors.contains { $0.hint == "did you mean 'cells'?" }, "\(errors)")
  }

  @Test func unknownPresetAndOutOfRangeTopP() {
    let errors = TestSupport.errors { () throws(ConfigErrors) in
      _ = try MatrixSpecParser.parse(
        yaml: "axes: {engine: cpu, model: m, sampling: {preset: temperture_sweep, top_p: [1.5]}}\n", file: "matrix.yaml"
      )
    }
    #expect(errors.contains { $0.message.hasPrefix("unknown sampling preset 'temperture_sweep'") })
    #expect(errors.contains { $0.hint == "did you mean 'temperature_sweep'?" })
    #expect(errors.contains { $0.message.contains("must be between 0.0 and 1.0, found 1.5") })
  }

  @Test func axesAreParsedWithNormalisedValues() throws {
    let axes = try parsed().axes
    #expect(axes.engines == ["cpu", "vulkan"])
    #expect(axes.models == ["smollm2-135m", "gemma3-270m"])
    #expect(axes.quants == ["Q4_1", "Q4_K_M", "Q3_K_S"])
    #expect(axes.flags[.threads] == [.int(2)])
    #expect(axes.flags[.ctk] == [.string("f16")])
    #expect(axes.sampling[.temperature] == [.double(0), .double(0.7)])
    #expect(axes.sampling[.seed] == [.int(42)])
  }

  @Test func flashAttnKeepsOnOffAsStringsAndMapsBooleans() throws {
    let spec = try MatrixSpecParser.parse(
      yaml: "axes:\n  engine: cpu\n  model: m\n  args:\n    flash_attn: [on, auto, false]\n", file: "matrix.yaml")
    #expect(spec.axes.flags[.flashAttn] == [.string("on"), .string("auto"), .string("off")])
  }

  @Test func duplicateAfterNormalisationIsAnError() {
    let duplicated = yaml.replacingOccurrences(of: "flash_attn: [on, off]", with: "flash_attn: [on, off, true]")
    let errors = ConfigKind.matrix.errors(yaml: duplicated, file: "matrix.yaml")
    #expect(errors.count == 1)
    #expect(
      errors.first?.message.hasPrefix("duplicate value 'on' in axes.args.flash_attn; first listed at line 9") == true)
    #expect(errors.first?.location == SourceLocation(file: "matrix.yaml", line: 9, column: 27))
  }

  @Test func topLevelFieldsExcludeAndOverridesAreParsed() throws {
    let spec = try parsed()
    #expect(spec.design == .full)
    #expect(spec.repeats == 3)
    #expect(spec.scenarios.map(\.name) == ["pp512-tg128", "pp1024-tg256"])
    #expect(spec.tasks == [TaskSelection(name: "arc_challenge", limit: 20), TaskSelection(name: "hellaswag")])
    #expect(spec.exclude.map(\.constraints) == [["engine": [.string("vulkan")], "quant": [.string("Q3_K_S")]]])
    #expect(spec.exclude.first?.location == SourceLocation(file: "matrix.yaml", line: 15, column: 5))
    let override = try #require(spec.overrides.first)
    #expect(override.when.constraints == ["engine": [.string("vulkan")], "flash_attn": [.string("off")]])
    #expect(override.scenarios == [Scenario(promptTokens: 64, generateTokens: 16)])
    #expect(override.tasks == [TaskSelection(name: "arc_challenge", limit: 5)])
    #expect(override.repeats == 2)
    #expect(spec.location == SourceLocation(file: "matrix.yaml", line: 1, column: 1))
    #expect(spec.axisLocations["engine"] == SourceLocation(file: "matrix.yaml", line: 4, column: 3))
    #expect(spec.axisLocations["threads"] == SourceLocation(file: "matrix.yaml", line: 8, column: 5))
    #expect(spec.axisLocations["temperature"] == SourceLocation(file: "matrix.yaml", line: 12, column: 5))
  }

  @Test func defaultsApplyToAMinimalMatrix() throws {
    let spec = try MatrixSpecParser.parse(yaml: "axes: {engine: cpu, model: tiny}", file: "matrix.yaml")
    #expect(spec.design == .full)
    #expect(spec.repeats == 3)
    #expect(spec.axes == AxisSet(engines: ["cpu"], models: ["tiny"]))
    #expect(spec.scenarios == [Scenario.standard])
    #expect(spec.tasks.isEmpty)
    #expect(spec.exclude.isEmpty)
    #expect(spec.overrides.isEmpty)
  }

  @Test func patternsMatchWhenEveryConstrainedAxisHasAnAllowedValue() {
    let pattern = AxisPattern(constraints: [
      "engine": [.string("vulkan")], "quant": [.string("Q3_K_S"), .string("Q4_1")],
    ])
    #expect(pattern.matches(["engine": .string("vulkan"), "quant": .string("Q4_1"), "model": .string("m")]))
    #expect(!pattern.matches(["engine": .string("cpu"), "quant": .string("Q4_1")]))
    #expect(!pattern.matches(["engine": .string("vulkan")]))
    #expect(AxisPattern(constraints: [:]).matches([:]))
  }

  @Test func patternQuantsAreLeftToTheProjectWhenTheQuantAxisIsOpen() throws {
    let spec = try MatrixSpecParser.parse(
      yaml: "axes: {engine: cpu, model: tiny}\nexclude:\n  - {quant: Q8_0}\n", file: "matrix.yaml")
    #expect(spec.exclude.first?.constraints == ["quant": [.string("Q8_0")]])
    #expect(
      spec.references.contains(
        MatrixReference(kind: .quant, name: "Q8_0", location: SourceLocation(file: "matrix.yaml", line: 3, column: 13)))
    )
  }
}
