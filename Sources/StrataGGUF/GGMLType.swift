/// The tensor element types of ggml, with the block layout that decides a tensor's
/// size in bytes (ggml.c `type_traits`, llama.cpp as pinned by scripts/build-engines).
public struct GGMLType: Sendable, Hashable, CustomStringConvertible {
  public let id: UInt32
  public let name: String
  /// Elements per block.
  public let blockSize: Int
  /// Bytes per block.
  public let typeSize: Int

  public var description: String { name }

  /// Bytes of a tensor of `elements` values (a whole number of rows, so of blocks).
  public func bytes(elements: Int) -> Int {
    (elements + blockSize - 1) / blockSize * typeSize
  }

  public static func known(_ id: UInt32) -> GGMLType? { table[id] }

  /// ggml's ids, names, block sizes and block bytes; ids 4, 5 and 31…33, 36…38 were
  /// removed from ggml and never appear in a file it can load.
  static let table: [UInt32: GGMLType] = Dictionary(
    uniqueKeysWithValues: [
      (0, "f32", 1, 4), (1, "f16", 1, 2), (2, "q4_0", 32, 18), (3, "q4_1", 32, 20),
      (6, "q5_0", 32, 22), (7, "q5_1", 32, 24), (8, "q8_0", 32, 34), (9, "q8_1", 32, 36),
      (10, "q2_K", 256, 84), (11, "q3_K", 256, 110), (12, "q4_K", 256, 144), (13, "q5_K", 256, 176),
      (14, "q6_K", 256, 210), (15, "q8_K", 256, 292), (16, "iq2_xxs", 256, 66), (17, "iq2_xs", 256, 74),
      (18, "iq3_xxs", 256, 98), (19, "iq1_s", 256, 50), (20, "iq4_nl", 32, 18), (21, "iq3_s", 256, 110),
      (22, "iq2_s", 256, 82), (23, "iq4_xs", 256, 136), (24, "i8", 1, 1), (25, "i16", 1, 2),
      (26, "i32", 1, 4), (27, "i64", 1, 8), (28, "f64", 1, 8), (29, "iq1_m", 256, 56), (30, "bf16", 1, 2),
      (34, "tq1_0", 256, 54), (35, "tq2_0", 256, 66), (39, "mxfp4", 32, 17),
    ].map { (UInt32($0.0), GGMLType(id: UInt32($0.0), name: $0.1, blockSize: $0.2, typeSize: $0.3)) })

  /// The KV-cache types llama-server accepts for `-ctk`/`-ctv`, by the name it takes.
  public static func cacheType(named name: String) -> GGMLType? {
    table.values.first { $0.name == name.lowercased() }
  }
}
