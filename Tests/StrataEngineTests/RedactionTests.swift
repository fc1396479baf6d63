import Testing

@testable import StrataEngine

@Suite("Secrets are redacted from what strata writes about a server")
struct RedactionTests {
  @Test("secret options lose their values in both forms; everything else is kept in order")
  func arguments() {
    let argv = [
      "/bin/llama-server", "--api-key", "k1", "-m", "m.gguf", "--hf-token=k2", "-hft", "k3", "--api-key-file", "f",
      "--port", "8080", "--api-key",
    ]
    #expect(
      Redaction.arguments(argv) == [
        "/bin/llama-server", "--api-key", "<redacted>", "-m", "m.gguf", "--hf-token=<redacted>", "-hft",
        "<redacted>", "--api-key-file", "f", "--port", "8080", "--api-key",
      ])
  }

  @Test("env: values are redacted by name; derived variables stay readable")
  func environment() {
    let env = ["HF_TOKEN": "secret", "GGML_VK_VISIBLE_DEVICES": "1"]
    #expect(
      Redaction.environment(env, secretNames: ["HF_TOKEN"]) == ["GGML_VK_VISIBLE_DEVICES=1", "HF_TOKEN=<redacted>"])
  }
}
