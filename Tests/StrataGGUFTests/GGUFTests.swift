import Foundation
import StrataGGUF
import StrataTestSupport
import Testing

@Suite struct GGUFHeaderTests {
  static func scratch() throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-gguf-\(UUID())").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
  }

  /// A two-layer llama with GQA, a per-layer KV-head array and a vocabulary of 1000.
  static func tinyModel() -> GGUFWriter {
    var file = GGUFWriter(tensors: 2, metadata: 8)
    file.text("general.architecture", "llama")
    file.uint32("llama.block_count", 2)
    file.uint32("llama.context_length", 1000)
    file.uint32("llama.embedding_length", 64)
    file.uint32("llama.attention.head_count", 8)
    file.array("llama.attention.head_count_kv", int32: [2, 4])
    file.uint32("llama.feed_forward_length", 256)
    file.strings("tokenizer.ggml.tokens", count: 1000)
    file.tensor("token_embd.weight", [64, 1000], type: 8, offset: 0)
    file.tensor("blk.0.ffn_up.weight", [256, 64], type: 12, offset: 68_000)
    file.dataBytes = 68_000 + 9_216
    return file
  }

  @Test func readsMetadataTensorsAndTheShapeOfAHandMadeModel() throws {
    let dir = try Self.scratch()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let file = Self.tinyModel()
    let headerEnd = file.bytes.count
    try file.write("\(dir)/m.gguf")

    let gguf = try GGUFFile.read(path: "\(dir)/m.gguf")
    #expect(gguf.version == 3 && gguf.alignment == 32 && gguf.dataOffset == (headerEnd + 31) / 32 * 32)
    #expect(gguf.tensors.map(\.type.name) == ["q8_0", "q4_K"])
    // q8_0: 34 bytes per 32 values; q4_K: 144 per 256.
    #expect(gguf.tensors.map(\.bytes) == [64_000 / 32 * 34, 256 * 64 / 256 * 144])
    #expect(gguf["tokenizer.ggml.tokens"] == .array(count: 1000, values: nil))

    let shape = try ModelShape.read(path: "\(dir)/m.gguf")
    #expect(shape.layers == 2 && shape.kvHeads == [2, 4] && shape.keyLength == 8 && shape.vocabulary == 1000)
    #expect(shape.weightBytes == 68_000 + 9_216 && shape.slidingWindow == nil)
    // f16 K and V rows: 2 heads × 8 × 2 bytes × 2, then 4 heads.
    #expect(shape.kvCellBytes(layer: 0, keyType: LoadSettings.f16, valueType: LoadSettings.f16) == 64)
    let q8 = try #require(GGMLType.cacheType(named: "q8_0"))
    #expect(shape.kvCellBytes(layer: 1, keyType: q8, valueType: q8) == 2 * 34)
  }

  @Test func predictsTheCacheForTheContextSlotsAndCacheType() throws {
    let dir = try Self.scratch()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try Self.tinyModel().write("\(dir)/m.gguf")
    let shape = try ModelShape.read(path: "\(dir)/m.gguf")
    // No -c: the trained 1000, padded to 1024 cells; 64 + 128 bytes a cell over the two layers.
    let auto = MemoryEstimate.predict(shape, settings: LoadSettings(), onDevice: false)
    #expect(auto.contextCells == 1024 && auto.kvBytes == 1024 * 192 && auto.deviceBytes == 0)
    // -c 3000 -np 3: 1000 a slot, padded to 1024 each.
    let three = MemoryEstimate.predict(shape, settings: LoadSettings(context: 3000, slots: 3), onDevice: false)
    #expect(three.contextCells == 3072 && three.kvBytes == 3072 * 192)
    // Flash attention off adds the attention scores of every head against the whole cache.
    let off = MemoryEstimate.predict(shape, settings: LoadSettings(flashAttention: false), onDevice: false)
    #expect(Double(off.computeBytes - auto.computeBytes) > 0.9 * Double(512 * 1024 * 8 * 4))
    // A q8_0 cache takes 34 bytes for 32 values where f16 takes 64.
    let q8 = try #require(GGMLType.cacheType(named: "q8_0"))
    let small = MemoryEstimate.predict(shape, settings: LoadSettings(keyType: q8, valueType: q8), onDevice: false)
    // Rows of 16 and 32 values: one block of 34 bytes each, for K and for V.
    #expect(small.kvBytes == 1024 * (2 * 34 + 2 * 34))
    // On a device with half the layers there, part of it stays on the host.
    let split = MemoryEstimate.predict(shape, settings: LoadSettings(gpuLayers: 1), onDevice: true)
    #expect(split.deviceBytes > 0 && split.hostBytes > 0 && split.deviceBytes + split.hostBytes == split.totalBytes)
    let all = MemoryEstimate.predict(shape, settings: LoadSettings(), onDevice: true)
    #expect(all.deviceBytes + all.runtimeBytes == all.totalBytes && all.hostBytes == all.runtimeBytes)
  }

  @Test func refusesDamagedHeadersWithTheFileAndWhere() throws {
    let dir = try Self.scratch()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let truncated = "\(dir)/truncated.gguf"
    let whole = Self.tinyModel().bytes
    try Data(whole.prefix(whole.count - 10)).write(to: URL(fileURLWithPath: truncated))
    #expect(throws: GGUFError.truncated(path: truncated, at: whole.count - 10)) {
      try GGUFFile.read(path: truncated)
    }
    try Data("PK\u{3}\u{4}zip".utf8).write(to: URL(fileURLWithPath: "\(dir)/zip.gguf"))
    #expect(throws: GGUFError.notGGUF(path: "\(dir)/zip.gguf", found: "PK..")) {
      try GGUFFile.read(path: "\(dir)/zip.gguf")
    }
    // A count no file could hold is refused before anything is allocated for it.
    var huge = GGUFWriter(tensors: UInt64.max, metadata: 0)
    huge.put(UInt8(0))
    try huge.write("\(dir)/huge.gguf")
    #expect {
      try GGUFFile.read(path: "\(dir)/huge.gguf")
    } throws: { error in
      guard case .damaged(_, 16, let message) = error as? GGUFError else { return false }
      return message.contains("tensor count")
    }
    var unknown = GGUFWriter(tensors: 1, metadata: 0)
    unknown.tensor("x", [4], type: 4, offset: 0)
    try unknown.write("\(dir)/unknown.gguf")
    #expect(throws: GGUFError.unknownTensorType(path: "\(dir)/unknown.gguf", tensor: "x", type: 4)) {
      try GGUFFile.read(path: "\(dir)/unknown.gguf")
    }
    var old = GGUFWriter(version: 1, tensors: 0, metadata: 0)
    old.put(UInt8(0))
    try old.write("\(dir)/v1.gguf")
    #expect(throws: GGUFError.unsupportedVersion(path: "\(dir)/v1.gguf", version: 1)) {
      try GGUFFile.read(path: "\(dir)/v1.gguf")
    }
    var noArch = GGUFWriter(tensors: 0, metadata: 1)
    noArch.uint32("llama.block_count", 2)
    try noArch.write("\(dir)/noarch.gguf")
    #expect(throws: GGUFError.missingKey(path: "\(dir)/noarch.gguf", key: "general.architecture")) {
      try ModelShape.read(path: "\(dir)/noarch.gguf")
    }
  }
}

/// Headers written to break the reader: each is refused with the file and what is wrong,
/// never a trap or an allocation of the size the header claims.
@Suite struct HostileGGUFTests {
  static func refuse(_ file: GGUFWriter, shape: Bool = false, containing text: String) throws {
    let dir = try GGUFHeaderTests.scratch()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = "\(dir)/hostile.gguf"
    try file.write(path)
    #expect {
      if shape { _ = try ModelShape.read(path: path) } else { _ = try GGUFFile.read(path: path) }
    } throws: { error in
      guard case .damaged(path, _, let message) = error as? GGUFError else { return false }
      return message.contains(text)
    }
  }

  @Test func dimensionsThatMultiplyPastAnyFile() throws {
    var file = GGUFWriter(tensors: 1, metadata: 0)
    file.tensor("x", [1 << 31 - 1, 1 << 31 - 1, 1 << 31 - 1], type: 0, offset: 0)
    try Self.refuse(file, containing: "past any file")
  }

  @Test func aTensorThatEndsPastTheEndOfTheFile() throws {
    var file = GGUFWriter(tensors: 1, metadata: 0)
    file.tensor("x", [1024], type: 0, offset: 0)
    file.dataBytes = 1000
    try Self.refuse(file, containing: "ends past the end of the file")
  }

  @Test func anAlignmentNoAllocatorWouldUse() throws {
    var file = GGUFWriter(tensors: 0, metadata: 1)
    file.uint32("general.alignment", 1 << 31)
    try Self.refuse(file, containing: "general.alignment")
  }

  /// Layer counts and widths outside what llama.cpp loads, in every encoding GGUF allows.
  @Test(arguments: [
    ("llama.block_count", GGUFValueBits.float32(1e30)),
    ("llama.block_count", .int32(-3)),
    ("llama.block_count", .uint64(1 << 40)),
    ("llama.context_length", .uint64(1 << 40)),
    ("llama.attention.head_count_kv", .uint64(1 << 20)),
  ])
  func shapesOutsideAnyModel(_ key: String, _ value: GGUFValueBits) throws {
    let fallbacks = [("llama.block_count", 2), ("llama.context_length", 4096)].filter { $0.0 != key }
    var file = GGUFWriter(tensors: 0, metadata: UInt64(5 + fallbacks.count))
    file.text("general.architecture", "llama")
    for (name, fallback) in fallbacks { file.uint32(name, UInt32(fallback)) }
    file.uint32("llama.embedding_length", 64)
    file.uint32("llama.attention.head_count", 8)
    file.uint32("llama.vocab_size", 100)
    value.write(key, into: &file)
    try Self.refuse(file, shape: true, containing: key.hasSuffix("block_count") ? "block_count" : key)
  }
}

/// A GGUF metadata value by its wire type, for hostile headers.
enum GGUFValueBits: Sendable, CustomStringConvertible {
  case float32(Float)
  case int32(Int32)
  case uint64(UInt64)

  var description: String {
    switch self {
    case .float32(let value): "float32 \(value)"
    case .int32(let value): "int32 \(value)"
    case .uint64(let value): "uint64 \(value)"
    }
  }

  func write(_ key: String, into file: inout GGUFWriter) {
    file.string(key)
    switch self {
    case .float32(let value):
      file.put(UInt32(6))
      file.put(value.bitPattern)
    case .int32(let value):
      file.put(UInt32(5))
      file.put(value)
    case .uint64(let value):
      file.put(UInt32(10))
      file.put(value)
    }
  }
}

/// The demo models set-up fetched: real files from PyPI wheels.
@Suite(RealPartGate.needs("the demo GGUF models from scripts/fetch-models") { DemoModels.available })
struct RealGGUFTests {
  @Test(arguments: DemoModels.files)
  func theTensorTableAccountsForEveryByteOfTheFile(_ name: String) throws {
    let path = "\(DemoModels.directory)/\(name)"
    let file = try GGUFFile.read(path: path)
    let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
    // Each tensor's data starts where the one before it ends, aligned; the last ends the file.
    let sorted = file.tensors.sorted { $0.offset < $1.offset }
    for (previous, next) in zip(sorted, sorted.dropFirst()) {
      let end = previous.offset + previous.bytes
      #expect(next.offset == (end + file.alignment - 1) / file.alignment * file.alignment, "\(next.name)")
    }
    let last = try #require(sorted.last)
    #expect(file.dataOffset + last.offset + last.bytes == size)
  }

  @Test func readsTheShapesOfSmolLM2AndGemma3() throws {
    let smol = try ModelShape.read(path: "\(DemoModels.directory)/SmolLM2-135M-Instruct.Q4_1.gguf")
    #expect(smol.architecture == "llama" && smol.layers == 30 && smol.embedding == 576)
    #expect(smol.heads == 9 && smol.kvHeads == Array(repeating: 3, count: 30) && smol.keyLength == 64)
    #expect(smol.vocabulary == 49_152 && smol.trainedContext == 8192 && smol.slidingWindow == nil)
    let gemma = try ModelShape.read(path: "\(DemoModels.directory)/gemma-3-270m.Q4_K_M.gguf")
    #expect(gemma.architecture == "gemma3" && gemma.layers == 18 && gemma.slidingWindow == 512)
    // Five sliding-window layers, then one global, three times.
    #expect(gemma.slidingLayers == (0..<18).map { $0 % 6 != 5 })
  }

  /// Both demo models tie their output to the embedding, so decode reads every byte; the
  /// sliding-window layers of Gemma 3 read at most 512 cells however deep the context.
  @Test func theRooflineTrafficOfSmolLM2AndGemma3() throws {
    let smol = try ModelShape.read(path: "\(DemoModels.directory)/SmolLM2-135M-Instruct.Q4_1.gguf")
    #expect(smol.decodeReads.total == smol.weightBytes && smol.decodeReads.inputRow == 0)
    let cpu = TokenTraffic.predict(smol, settings: LoadSettings(), onDevice: false)
    // 30 layers × 3 KV heads × 64 × (K + V) × 2 bytes.
    #expect(cpu.host.fullCellBytes == 30 * 3 * 64 * 2 * 2 && cpu.host.slidingCellBytes == 0)
    let gemma = try ModelShape.read(path: "\(DemoModels.directory)/gemma-3-270m.Q4_K_M.gguf")
    let traffic = TokenTraffic.predict(gemma, settings: LoadSettings(), onDevice: false)
    #expect(traffic.host.slidingCellBytes > 0 && traffic.slidingWindow == 512)
    let deeper = traffic.bytes(depth: 10_000).host - traffic.bytes(depth: 5_000).host
    #expect(deeper == Double(traffic.host.fullCellBytes) * 5_000)
  }

  /// The sizes the pinned llama-server itself logs (`-lv 4`) for these models with
  /// strata's arguments (`-np 1`, no `-c`): the KV cache to the byte, the compute
  /// buffer (which llama.cpp sizes only when it builds its graph) within 10%.
  @Test(arguments: [
    ("SmolLM2-135M-Instruct.Q4_1.gguf", true, 8192, 180.00, 22.64),
    ("SmolLM2-135M-Instruct.Q4_1.gguf", false, 8192, 180.00, 167.51),
    ("gemma-3-270m.Q4_K_M.gguf", true, 32768, 96.00 + 15.00, 51.28),
    ("gemma-3-270m.Q4_K_M.gguf", false, 32768, 96.00 + 15.00, 334.27),
  ])
  func predictsWhatLlamaServerAllocates(
    _ name: String, _ flash: Bool, _ cells: Int, _ kvMiB: Double, _ computeMiB: Double
  ) throws {
    let shape = try ModelShape.read(path: "\(DemoModels.directory)/\(name)")
    let estimate = MemoryEstimate.predict(
      shape, settings: LoadSettings.from(arguments: ["-np", "1", "-t", "2", "-fa", flash ? "on" : "off"]),
      onDevice: false)
    let mib = { (bytes: Int) in Double(bytes) / 1_048_576 }
    #expect(estimate.contextCells == cells)
    #expect(mib(estimate.kvBytes) == kvMiB)
    // llama.cpp's output buffer (one row of logits) is counted with compute here.
    let compute = mib(estimate.computeBytes) - mib(shape.vocabulary * 4)
    #expect(abs(compute - computeMiB) / computeMiB < 0.10, "predicted \(compute) MiB, llama.cpp \(computeMiB) MiB")
  }
}

enum DemoModels {
  static var directory: String {
    let env = ProcessInfo.processInfo.environment
    return "\(env["STRATA_CACHE"] ?? "\(env["HOME"] ?? "/root")/.cache/strata")/models"
  }
  static let files = [
    "SmolLM2-135M-Instruct.Q4_1.gguf", "SmolLM2-135M-Instruct.Q3_K_S.gguf", "gemma-3-270m.Q4_K_M.gguf",
    "gemma-3-270m.Q3_K_S.gguf",
  ]
  static var available: Bool { files.allSatisfy { FileManager.default.fileExists(atPath: "\(directory)/\($0)") } }
}
