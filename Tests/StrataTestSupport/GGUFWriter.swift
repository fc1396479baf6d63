import Foundation

/// A GGUF file written byte by byte, for headers no real model has (a damaged one,
/// a model too big for any host).
public struct GGUFWriter {
  public var bytes: [UInt8] = Array("GGUF".utf8)
  /// Zero bytes `write` appends after the header for the tensor data (plus 32 for alignment).
  public var dataBytes = 0

  public init(version: UInt32 = 3, tensors: UInt64, metadata: UInt64) {
    put(version)
    put(tensors)
    put(metadata)
  }

  public mutating func put<T: FixedWidthInteger>(_ value: T) {
    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
  }

  public mutating func string(_ text: String) {
    put(UInt64(text.utf8.count))
    bytes.append(contentsOf: text.utf8)
  }

  public mutating func uint32(_ key: String, _ value: UInt32) {
    string(key)
    put(UInt32(4))
    put(value)
  }

  public mutating func text(_ key: String, _ value: String) {
    string(key)
    put(UInt32(8))
    string(value)
  }

  public mutating func array(_ key: String, int32 values: [Int32]) {
    string(key)
    put(UInt32(9))
    put(UInt32(5))
    put(UInt64(values.count))
    for value in values { put(value) }
  }

  public mutating func strings(_ key: String, count: Int) {
    string(key)
    put(UInt32(9))
    put(UInt32(8))
    put(UInt64(count))
    for index in 0..<count { string("t\(index)") }
  }

  public mutating func tensor(_ name: String, _ dimensions: [UInt64], type: UInt32, offset: UInt64) {
    string(name)
    put(UInt32(dimensions.count))
    for dimension in dimensions { put(dimension) }
    put(type)
    put(offset)
  }

  public func write(_ path: String) throws {
    let data = dataBytes > 0 ? [UInt8](repeating: 0, count: dataBytes + 32) : []
    try Data(bytes + data).write(to: URL(fileURLWithPath: path))
  }

}

extension GGUFWriter {
  /// A llama-architecture header whose KV cache alone, at its trained context, takes
  /// `layers × context × 2 × kvHeads × 128 × 2` bytes; its one tensor is tiny.
  public static func llama(layers: UInt32, context: UInt32, kvHeads: UInt32 = 8) -> GGUFWriter {
    var file = GGUFWriter(tensors: 1, metadata: 7)
    file.text("general.architecture", "llama")
    file.uint32("llama.block_count", layers)
    file.uint32("llama.context_length", context)
    file.uint32("llama.embedding_length", 4096)
    file.uint32("llama.attention.head_count", 32)
    file.uint32("llama.attention.head_count_kv", kvHeads)
    file.strings("tokenizer.ggml.tokens", count: 16)
    file.tensor("token_embd.weight", [4096, 16], type: 0, offset: 0)
    file.dataBytes = 4096 * 16 * 4
    return file
  }
}
