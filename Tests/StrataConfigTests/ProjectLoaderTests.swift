import Foundation
import Testing

@testable import StrataConfig

@Suite("loading a project directory")
struct ProjectLoaderTests {
  @Test func fixtureProjectLoadsWithEveryFile() throws {
    let directory = try TestSupport.projectDirectory()
    let project = try ProjectLoader.load(directory: directory, expander: TestSupport.expander)
    #expect(project.models.models.map(\.name) == ["smollm2-135m", "tiny", "qwen3-0.6b", "gpt-4o-mini"])
    #expect(project.model(named: "tiny")?.quants == ["Q8_0"])
    #expect(project.model(named: "missing") == nil)
    #expect(project.engines.keys.sorted() == ["cpu", "vulkan"])
    #expect(project.engines["cpu"]?.binary == "/cache/strata/bin/cpu/llama-server")
    #expect(project.engines["cpu"]?.args == ["--no-warmup"])
    #expect(project.engines["vulkan"]?.env == ["GGML_VK_VISIBLE_DEVICES": "0"])
    #expect(project.tasks["arc_challenge"]?.items == "/cache/strata/tasks/arc_challenge.jsonl")
    #expect(project.matrix.axes.engines == ["cpu", "vulkan"])
    #expect(project.matrix.axes.flags[.flashAttn] == [.string("on"), .string("off")])
    #expect(project.matrix.overrides.first?.repeats == 2)
    #expect(project.matrixPath == (directory as NSString).appendingPathComponent("matrix.yaml"))
    #expect(project.engines["cpu"]?.location.file == (directory as NSString).appendingPathComponent("engines/cpu.yaml"))
  }

  @Test func unknownEngineModelAndTaskAreAllReportedAtTheirValues() throws {
    let directory = try TestSupport.projectDirectory()
    let matrixPath = (directory as NSString).appendingPathComponent("matrix-unknown-names.yaml")
    var thrown: ConfigErrors?
    do {
      _ = try ProjectLoader.load(directory: directory, matrixPath: matrixPath, expander: TestSupport.expander)
    } catch {
      thrown = error
    }
    let errors = try #require(thrown).errors
    #expect(
      errors.map(\.message) == ["unknown engine 'gpu'", "unknown model 'llama-9000'", "unknown task 'hellaswag'"])
    #expect(
      errors.map(\.location) == [
        SourceLocation(file: matrixPath, line: 2, column: 17),
        SourceLocation(file: matrixPath, line: 3, column: 25),
        SourceLocation(file: matrixPath, line: 4, column: 24),
      ])
    #expect(errors[0].hint.contains("cpu, vulkan"))
    #expect(errors[1].hint.contains("smollm2-135m, tiny, qwen3-0.6b, gpt-4o-mini"))
    #expect(errors[2].hint.contains("arc_challenge"))
  }

  @Test func quantsNotOfferedByAnySelectedModelAreReported() throws {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try TestSupport.write("models:\n  - name: tiny\n    path: /m/tiny.Q8_0.gguf\n", to: "models.yaml", in: directory)
    try TestSupport.write("name: cpu\nbackend: cpu\nbinary: /b\n", to: "engines/cpu.yaml", in: directory)
    try TestSupport.write(
      "axes:\n  engine: cpu\n  model: tiny\n  quant: [Q8_0, Q4_0]\n", to: "matrix.yaml", in: directory)
    let errors = TestSupport.errors { () throws(ConfigErrors) in
      try ProjectLoader.load(directory: directory, expander: TestSupport.expander)
    }
    #expect(errors.map(\.message) == ["quant 'Q4_0' is not offered by any selected model"])
    #expect(errors.first?.location?.line == 4)
    #expect(errors.first?.location?.column == 17)
    #expect(errors.first?.hint == "tiny offers Q8_0")
  }

  @Test("a matrix may select a repo_id model (pulled before the sweep); a provider model is refused at its position")
  func modelsASweepCannotRunAreErrors() throws {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try TestSupport.write(
      """
      models:
        - name: tiny
          path: /m/tiny.Q8_0.gguf
        - name: qwen
          repo_id: unsloth/Qwen3-0.6B-GGUF
          quant_tags: [Q8_0]
        - name: mini
          provider: openai
          base_url: https://api.example.com/v1
          api_key_env: OPENAI_API_KEY
          model: gpt-4o-mini
      """, to: "models.yaml", in: directory)
    try TestSupport.write("name: cpu\nbackend: cpu\nbinary: /b\n", to: "engines/cpu.yaml", in: directory)
    try TestSupport.write("axes:\n  engine: cpu\n  model: [tiny, qwen, mini]\n", to: "matrix.yaml", in: directory)
    let errors = TestSupport.errors { () throws(ConfigErrors) in
      try ProjectLoader.load(directory: directory, expander: TestSupport.expander)
    }
    // `qwen` is pulled before the sweep; only the API model is refused.
    #expect(errors.count == 1, "\(errors)")
    #expect(errors.first?.message.contains("model 'mini'") == true)
    #expect(errors.first?.message.contains("is an API model (openai), which sweeps do not run") == true)
    #expect(errors.first?.message.contains("models.yaml:7:") == true, "names where it is declared")
    #expect(errors.first?.location?.line == 3)
    #expect(errors.first?.location?.column == 23)
  }

  @Test func missingFilesAreReportedWithWhatToCreate() throws {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let errors = TestSupport.errors { () throws(ConfigErrors) in
      try ProjectLoader.load(directory: directory, expander: TestSupport.expander)
    }
    let modelsPath = (directory as NSString).appendingPathComponent("models.yaml")
    let matrixPath = (directory as NSString).appendingPathComponent("matrix.yaml")
    #expect(errors.map(\.location) == [SourceLocation(file: matrixPath), SourceLocation(file: modelsPath)])
    #expect(
      errors.first?.description.hasPrefix("\(matrixPath): error: file not found\n  hint: create matrix.yaml") == true)
    #expect(
      errors.last?.description.hasPrefix("\(modelsPath): error: file not found\n  hint: create models.yaml") == true)
  }

  @Test func missingEnginesFolderIsAnErrorOnlyWhenTheMatrixNamesEngines() throws {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try TestSupport.write("models:\n  - name: tiny\n    path: /m/tiny.Q8_0.gguf\n", to: "models.yaml", in: directory)
    try TestSupport.write("axes:\n  engine: [cpu, gpu]\n  model: tiny\n", to: "matrix.yaml", in: directory)
    let errors = TestSupport.errors { () throws(ConfigErrors) in
      try ProjectLoader.load(directory: directory, expander: TestSupport.expander)
    }
    #expect(errors.count == 1)
    #expect(errors.first?.message.hasPrefix("engines folder not found") == true)
    #expect(errors.first?.location?.line == 2)
    #expect(errors.first?.location?.column == 12)
  }

  @Test func missingTasksFolderIsFineWhenNoTaskIsNamed() throws {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try TestSupport.write("models:\n  - name: tiny\n    path: /m/tiny.Q8_0.gguf\n", to: "models.yaml", in: directory)
    try TestSupport.write("name: cpu\nbackend: cpu\nbinary: /b\n", to: "engines/cpu.yaml", in: directory)
    try TestSupport.write("axes: {engine: cpu, model: tiny}\n", to: "matrix.yaml", in: directory)
    let project = try ProjectLoader.load(directory: directory, expander: TestSupport.expander)
    #expect(project.tasks.isEmpty)
  }

  @Test func errorsFromSeveralFilesComeBackTogetherSortedByFile() throws {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try TestSupport.write("models:\n  - name: tiny\n    path: /m/tiny.gguf\n", to: "models.yaml", in: directory)
    try TestSupport.write("name: cpu\nbackend: cpu\nmode: container\n", to: "engines/cpu.yaml", in: directory)
    try TestSupport.write("axes: {engine: cpu, model: tiny}\nrepeats: 0\n", to: "matrix.yaml", in: directory)
    let errors = TestSupport.errors { () throws(ConfigErrors) in
      try ProjectLoader.load(directory: directory, expander: TestSupport.expander)
    }
    let files = errors.compactMap { $0.location.map { ($0.file as NSString).lastPathComponent } }
    #expect(files == ["cpu.yaml", "matrix.yaml", "models.yaml"])
    // Names whose own file is broken are not reported again as unknown.
    #expect(!errors.contains { $0.message.contains("unknown") })
  }
}
