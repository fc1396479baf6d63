import Testing

@testable import StrataConfig

@Suite("models.yaml parsing")
struct ModelsFileParserTests {
  let yaml = """
    models:
      - name: smollm2-135m
        files:
          Q4_1: ${STRATA_CACHE}/models/SmolLM2-135M-Instruct.Q4_1.gguf
          Q3_K_S: ${STRATA_CACHE}/models/SmolLM2-135M-Instruct.Q3_K_S.gguf
      - name: tiny
        path: ~/models/tiny.Q8_0.gguf
      - name: explicit
        path: /models/weights.gguf
        quant: Q5_K_M
      - name: qwen3-0.6b
        repo_id: unsloth/Qwen3-0.6B-GGUF
        quant_tags: [Q8_0, Q4_K_M]
      - name: gpt-4o-mini
        provider: openai
        base_url: https://api.example.com/v1
        api_key_env: OPENAI_API_KEY
      - name: renamed
        provider: openai
        base_url: http://localhost:8080/v1
        api_key_env: LOCAL_KEY
        model: served-name
    """

  func parsed() throws -> ModelsFile {
    try ModelsFileParser.parse(yaml: yaml, file: "models.yaml", expander: TestSupport.expander)
  }

  @Test func thinkingModelsGetRoomToReason() throws {
    let file = try ModelsFileParser.parse(
      yaml: """
        models:
          - {name: qwen3, path: /m/qwen3.Q4_K_M.gguf, thinking: true}
          - {name: qwen3-short, path: /m/qwen3.Q8_0.gguf, thinking: true, thinking_budget: 512}
          - {name: plain, path: /m/plain.Q8_0.gguf}
        """, file: "models.yaml", expander: TestSupport.expander)
    let qwen3 = try #require(file.model(named: "qwen3"))
    #expect(qwen3.thinking && qwen3.thinkingBudget == nil)
    #expect(qwen3.generationBudget(taskMaxTokens: 8) == 2048)
    #expect(qwen3.generationBudget(taskMaxTokens: 4096) == 4096, "never less than the answer itself needs")
    #expect(file.model(named: "qwen3-short")?.generationBudget(taskMaxTokens: 8) == 512)
    #expect(file.model(named: "plain")?.generationBudget(taskMaxTokens: 8) == 8)
    let errors = TestSupport.errors { () throws(ConfigErrors) in
      _ = try ModelsFileParser.parse(
        yaml: "models:\n  - {name: m, path: /m/x.Q8_0.gguf, thinking_budget: 100}\n", file: "models.yaml",
        expander: TestSupport.expander)
    }
    #expect(errors.map(\.message) == ["thinking_budget is only used with thinking: true"])
  }

  @Test func localFilesFormExpandsStrataCacheAndSortsQuants() throws {
    let model = try #require(try parsed().model(named: "smollm2-135m"))
    #expect(
      model.source
        == .local(files: [
          "Q4_1": "/cache/strata/models/SmolLM2-135M-Instruct.Q4_1.gguf",
          "Q3_K_S": "/cache/strata/models/SmolLM2-135M-Instruct.Q3_K_S.gguf",
        ]))
    #expect(model.quants == ["Q3_K_S", "Q4_1"])
    #expect(model.location == SourceLocation(file: "models.yaml", line: 2, column: 5))
  }

  @Test func singlePathFormExpandsTildeAndInfersTheQuant() throws {
    let model = try #require(try parsed().model(named: "tiny"))
    #expect(model.source == .local(files: ["Q8_0": "/home/tester/models/tiny.Q8_0.gguf"]))
    #expect(model.quants == ["Q8_0"])
  }

  @Test func explicitQuantWinsOverTheFileName() throws {
    let model = try #require(try parsed().model(named: "explicit"))
    #expect(model.source == .local(files: ["Q5_K_M": "/models/weights.gguf"]))
  }

  @Test func huggingFaceFormKeepsTagsAndSortsQuants() throws {
    let model = try #require(try parsed().model(named: "qwen3-0.6b"))
    #expect(
      model.source == .huggingFace(repoID: "unsloth/Qwen3-0.6B-GGUF", quantTags: ["Q8_0", "Q4_K_M"], revision: nil))
    #expect(model.quants == ["Q4_K_M", "Q8_0"])
  }

  @Test func apiFormDefaultsTheModelToTheEntryName() throws {
    let models = try parsed()
    let api = try #require(models.model(named: "gpt-4o-mini"))
    #expect(
      api.source
        == .api(
          provider: "openai", baseURL: "https://api.example.com/v1", apiKeyEnv: "OPENAI_API_KEY", model: "gpt-4o-mini"))
    #expect(api.quants.isEmpty)
    let renamed = try #require(models.model(named: "renamed"))
    #expect(
      renamed.source
        == .api(provider: "openai", baseURL: "http://localhost:8080/v1", apiKeyEnv: "LOCAL_KEY", model: "served-name"))
  }

  @Test func entriesKeepTheirOrder() throws {
    #expect(
      try parsed().models.map(\.name) == ["smollm2-135m", "tiny", "explicit", "qwen3-0.6b", "gpt-4o-mini", "renamed"])
  }

  @Test func relativePathsResolveAgainstTheConfigFilesDirectory() throws {
    let file = try ModelsFileParser.parse(
      yaml: "models:\n  - name: rel\n    path: weights/m.Q4_0.gguf\n", file: "/project/models.yaml",
      expander: TestSupport.expander)
    #expect(file.models.first?.source == .local(files: ["Q4_0": "/project/weights/m.Q4_0.gguf"]))
  }

  @Test func everyProblemInTheFileIsReportedInLineOrder() {
    let errors = ConfigKind.models.errors(
      yaml: """
        models:
          - name: Bad Name
            path: /m.Q4_0.gguf
          - name: ok
            repo_id: nope
            quant_tags: [Q4_0]
        """, file: "models.yaml")
    #expect(errors.map { $0.location?.line } == [2, 5])
  }

  @Test(arguments: [
    ("tiny.Q8_0.gguf", "Q8_0"),
    ("SmolLM2-135M-Instruct.q4_k_m.gguf", "Q4_K_M"),
    ("qwen3_0.6b-IQ4_XS.gguf", "IQ4_XS"),
    ("model-bf16.gguf", "BF16"),
    ("model.F16.gguf", "F16"),
    ("gemma-3-270m-it-Q3_K_S.gguf", "Q3_K_S"),
    ("/dir.Q2_K/plain-Q6_K.gguf", "Q6_K"),
  ])
  func quantIsInferredFromFileNameTokens(fileName: String, quant: String) {
    #expect(QuantInference.quant(inFileName: fileName) == quant)
  }

  @Test(arguments: ["model.gguf", "q4model.gguf", "XQ4_0.gguf"])
  func fileNamesWithoutAStandaloneQuantTokenInferNothing(fileName: String) {
    #expect(QuantInference.quant(inFileName: fileName) == nil)
  }
}
