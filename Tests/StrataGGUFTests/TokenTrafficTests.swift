import Foundation
import StrataTestSupport
import Testing

@testable import StrataGGUF

@Suite struct TokenTrafficTests {
  /// Two llama layers, the second a mixture of 8 experts with 2 routed per token; an
  /// untied f32 embedding of 1000 × 64 and a q8_0 output; f32 elsewhere.
  static func mixtureModel() -> GGUFWriter {
    var file = GGUFWriter(tensors: 5, metadata: 10)
    file.text("general.architecture", "llama")
    file.uint32("llama.block_count", 2)
    file.uint32("llama.context_length", 1000)
    file.uint32("llama.embedding_length", 64)
    file.uint32("llama.attention.head_count", 8)
    file.array("llama.attention.head_count_kv", int32: [2, 4])
    file.uint32("llama.feed_forward_length", 256)
    file.uint32("llama.expert_count", 8)
    file.uint32("llama.expert_used_count", 2)
    file.strings("tokenizer.ggml.tokens", count: 1000)
    file.tensor("token_embd.weight", [64, 1000], type: 0, offset: 0)  // 256,000 bytes
    file.tensor("output.weight", [64, 1000], type: 8, offset: 256_000)  // 68,000
    file.tensor("blk.0.attn_q.weight", [64, 64], type: 0, offset: 324_000)  // 16,384
    file.tensor("blk.1.ffn_up_exps.weight", [64, 64, 8], type: 0, offset: 340_384)  // 131,072
    file.tensor("output_norm.weight", [64], type: 0, offset: 471_456)  // 256
    file.dataBytes = 471_712
    return file
  }

  static func shape(_ file: GGUFWriter) throws -> ModelShape {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-traffic-\(UUID())").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try file.write("\(dir)/m.gguf")
    return try ModelShape.read(path: "\(dir)/m.gguf")
  }

  @Test("decode reads one embedding row, every block weight, the routed experts only, and the output layer")
  func decodeReads() throws {
    let shape = try Self.shape(Self.mixtureModel())
    #expect(shape.weightBytes == 471_712)
    // 2 of 8 experts: a quarter of the expert tensor.
    #expect(shape.decodeReads == DecodeReads(layers: [16_384, 32_768], output: 68_000 + 256, inputRow: 256))
    #expect(shape.decodeReads.total == 117_664)
  }

  @Test("a model whose output is tied to its embedding reads the whole embedding every token")
  func tiedEmbedding() throws {
    let shape = try Self.shape(GGUFHeaderTests.tinyModel())
    #expect(shape.decodeReads == DecodeReads(layers: [9_216, 0], output: 68_000, inputRow: 0))
    #expect(shape.decodeReads.total == shape.weightBytes)
  }

  @Test("on a CPU everything is host traffic: the weights plus 192 KV bytes per cell of depth")
  func hostTraffic() throws {
    let shape = try Self.shape(Self.mixtureModel())
    let traffic = TokenTraffic.predict(shape, settings: LoadSettings(), onDevice: false)
    #expect(traffic.device == TokenTraffic.Share())
    #expect(traffic.host == TokenTraffic.Share(weightBytes: 117_664, fullCellBytes: 64 + 128))
    #expect(traffic.bytes(depth: 100).host == 117_664 + 19_200)
    let bound = try #require(traffic.boundTokensPerSecond(depth: 100, hostBandwidth: 1e9, deviceBandwidth: nil))
    #expect(abs(bound - 1e9 / 136_864) < 1e-6)
    #expect(traffic.boundTokensPerSecond(depth: 100, hostBandwidth: nil, deviceBandwidth: 1e9) == nil)
  }

  @Test("-ngl puts the last layers and then the output on the device; --no-kv-offload keeps the cache home")
  func offload() throws {
    let shape = try Self.shape(Self.mixtureModel())
    let one = TokenTraffic.predict(shape, settings: LoadSettings(gpuLayers: 1), onDevice: true)
    #expect(one.device == TokenTraffic.Share(weightBytes: 32_768, fullCellBytes: 128))
    #expect(one.host == TokenTraffic.Share(weightBytes: 256 + 16_384 + 68_256, fullCellBytes: 64))
    // Part of the traffic is in device memory whose bandwidth nobody measured: no bound.
    #expect(one.boundTokensPerSecond(depth: 0, hostBandwidth: 1e9, deviceBandwidth: nil) == nil)
    let both = try #require(one.boundTokensPerSecond(depth: 0, hostBandwidth: 1e9, deviceBandwidth: 4e9))
    #expect(abs(1 / both - (84_896 / 1e9 + 32_768 / 4e9)) < 1e-12)
    let all = TokenTraffic.predict(shape, settings: LoadSettings(), onDevice: true)
    #expect(all.host == TokenTraffic.Share(weightBytes: 256))
    #expect(all.device == TokenTraffic.Share(weightBytes: 117_408, fullCellBytes: 192))
    #expect(TokenTraffic.predict(shape, settings: LoadSettings(gpuLayers: -1), onDevice: true) == all, "-ngl -1: auto")
    let home = TokenTraffic.predict(shape, settings: LoadSettings(kvOnHost: true), onDevice: true)
    #expect(home.host.fullCellBytes == 192 && home.device.fullCellBytes == 0)
    // A software device (llvmpipe) is predicted as host memory by the caller: onDevice false.
    #expect(TokenTraffic.predict(shape, settings: LoadSettings(gpuLayers: 99), onDevice: false).device.isZero)
  }

  @Test("a block number that is no whole number is no block")
  func hostileBlockNames() {
    #expect(DecodeReads.block(of: "blk.-1.attn_q.weight") == nil && DecodeReads.block(of: "blk.+1.x") == nil)
    #expect(DecodeReads.block(of: "blk.12.attn_q.weight") == 12 && DecodeReads.block(of: "blk..x") == nil)
  }

  @Test("traffic round-trips through the JSON the store keeps")
  func codable() throws {
    let traffic = TokenTraffic(
      host: .init(weightBytes: 1, fullCellBytes: 2, slidingCellBytes: 3), device: .init(weightBytes: 4),
      slidingWindow: 512)
    let data = try JSONEncoder().encode(traffic)
    #expect(try JSONDecoder().decode(TokenTraffic.self, from: data) == traffic)
  }
}

extension TokenTraffic.Share {
  var isZero: Bool { self == TokenTraffic.Share() }
}
