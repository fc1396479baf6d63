import StrataConfig
import Testing

@testable import StrataMatrix

private func matrix(_ yaml: String) throws -> MatrixSpec {
  try MatrixSpecParser.parse(yaml: yaml, file: "matrix.yaml")
}

private let quants = ["small": ["Q4_1", "Q3_K_S"], "big": ["Q4_K_M", "Q3_K_S"]]

@Suite("Matrix expansion, exclusion, overrides and load groups")
struct MatrixExpanderTests {
  @Test("full factorial over every axis, quants from each model when the axis is omitted")
  func factorial() throws {
    let spec = try matrix(
      """
      axes:
        engine: [cpu, vulkan]
        model: [small, big]
        args:
          flash_attn: [on, off]
      """)
    let plan = MatrixExpander.plan(spec, quantsByModel: quants)
    #expect(plan.cells.count == 2 * 2 * 2 * 2)
    #expect(plan.skipped.isEmpty)
    #expect(Set(plan.cells.map(\.cell.id)).count == 16)
  }

  @Test("a quant a model does not offer is skipped with that reason")
  func missingQuant() throws {
    let spec = try matrix("axes: {engine: [cpu], model: [small, big], quant: [Q4_1]}")
    let plan = MatrixExpander.plan(spec, quantsByModel: quants)
    #expect(plan.cells.map(\.cell.model) == ["small"])
    #expect(plan.skipped.count == 1)
    #expect(plan.skipped[0].reason == "model big has no quant Q4_1")
  }

  @Test("exclude rules drop matching cells and name the rule's position")
  func exclude() throws {
    let spec = try matrix(
      """
      axes:
        engine: [cpu, vulkan]
        model: [small]
        args: {flash_attn: [on, off]}
      exclude:
        - {engine: vulkan, flash_attn: on}
      """)
    let plan = MatrixExpander.plan(spec, quantsByModel: quants)
    #expect(plan.cells.count == 6)
    #expect(plan.skipped.count == 2)
    #expect(plan.skipped.allSatisfy { $0.cell.engine == "vulkan" && $0.reason.contains("matrix.yaml:6:") })
  }

  @Test("overrides change scenarios, tasks and repeats of matching cells; later ones win")
  func overrides() throws {
    let spec = try matrix(
      """
      repeats: 3
      axes: {engine: [cpu, vulkan], model: [small], quant: [Q4_1]}
      overrides:
        - when: {engine: vulkan}
          scenarios: [pp64-tg16]
          repeats: 2
        - when: {engine: vulkan}
          repeats: 1
      scenarios: [pp512-tg128]
      """)
    let plan = MatrixExpander.plan(spec, quantsByModel: quants)
    let cpu = try #require(plan.cells.first { $0.cell.engine == "cpu" })
    let vulkan = try #require(plan.cells.first { $0.cell.engine == "vulkan" })
    #expect(cpu.scenarios.map(\.name) == ["pp512-tg128"] && cpu.repeats == 3)
    #expect(vulkan.scenarios.map(\.name) == ["pp64-tg16"] && vulkan.repeats == 1)
  }

  @Test("cells that differ only in request-time parameters share one load group")
  func loadGroups() throws {
    let spec = try matrix(
      """
      axes:
        engine: [cpu]
        model: [small]
        quant: [Q4_1]
        args: {threads: [1, 2]}
        sampling: {temperature: [0.0, 0.7, 1.2]}
      """)
    let plan = MatrixExpander.plan(spec, quantsByModel: quants)
    #expect(plan.cells.count == 6)
    #expect(plan.groups.count == 2)
    #expect(plan.groups.allSatisfy { $0.cells.count == 3 })
    #expect(plan.groups.map { $0.cells[0].cell.flagArguments } == [["-t", "1"], ["-t", "2"]])
  }
}

@Suite("Cell identity")
struct CellHashTests {
  @Test("the hash is stable across runs and releases (golden value)")
  func golden() {
    let cell = Cell(
      engine: "cpu", model: "smollm2-135m", quant: "Q4_1",
      flags: [.flashAttn: .string("on"), .threads: .int(2)])
    #expect(cell.canonicalForm == "engine=cpu\nflash_attn=on\nmodel=smollm2-135m\nquant=Q4_1\nthreads=2")
    // FNV-1a 64 of the canonical form, computed independently (Python).
    #expect(cell.id == "3e2083393fc1c7ae")
    #expect(StableHash.hex("") == "cbf29ce484222325")
    #expect(StableHash.hex("a") == "af63dc4c8601ec8c")
  }

  @Test("the hash does not depend on the order axes or values are declared in")
  func orderIndependent() throws {
    let a = try matrix(
      """
      axes:
        engine: [cpu]
        model: [small]
        quant: [Q4_1]
        args: {threads: [2], flash_attn: [on]}
      """)
    let b = try matrix(
      """
      axes:
        args: {flash_attn: [on], threads: [2]}
        quant: [Q4_1]
        model: [small]
        engine: [cpu]
      """)
    let ca = MatrixExpander.plan(a, quantsByModel: quants).cells.map(\.cell.id)
    let cb = MatrixExpander.plan(b, quantsByModel: quants).cells.map(\.cell.id)
    #expect(ca == cb)
    #expect(ca.count == 1)
  }

  @Test("any changed value changes the hash")
  func sensitive() {
    let base = Cell(engine: "cpu", model: "m", quant: "Q4_1", flags: [.threads: .int(2)])
    var other = base
    other.flags[.threads] = .int(4)
    var sampled = base
    sampled.sampling[.temperature] = .double(0.7)
    #expect(Set([base.id, other.id, sampled.id]).count == 3)
    #expect(base.loadKey == sampled.loadKey)
    #expect(base.loadKey != other.loadKey)
  }
}

@Suite("Skipping unavailable engines")
struct EngineSkippingTests {
  @Test func cellsOfAnUnavailableEngineBecomeSkippedWithTheReason() throws {
    let spec = try MatrixSpecParser.parse(
      yaml: "axes: {engine: [cpu, rocm], model: [m], quant: [Q4_0]}\n", file: "matrix.yaml")
    let plan = MatrixExpander.plan(spec, quantsByModel: ["m": ["Q4_0"]])
    #expect(plan.engines == ["cpu", "rocm"])
    let skipping = plan.skipping(engines: ["rocm": "/dev/kfd is absent"])
    #expect(skipping.engines == ["cpu"])
    #expect(skipping.cells.count == 1)
    #expect(skipping.skipped.map(\.reason) == ["engine rocm unavailable: /dev/kfd is absent"])
    #expect(plan.skipping(engines: [:]).cells.count == 2)
  }
}
