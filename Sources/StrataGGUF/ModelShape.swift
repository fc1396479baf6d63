import Foundation

/// The hyperparameters of a model that decide its memory, read from its GGUF
/// metadata under the architecture's own prefix (`llama.block_count`, …) with
/// llama.cpp's defaults where a key is optional.
public struct ModelShape: Sendable, Equatable {
  public var architecture: String
  public var layers: Int
  /// The context the model was trained with: llama-server's context when `-c` is 0 or absent.
  public var trainedContext: Int
  public var embedding: Int
  public var heads: Int
  /// KV heads per layer (grouped-query attention); 0 for a layer without attention.
  public var kvHeads: [Int]
  public var keyLength: Int
  public var valueLength: Int
  public var vocabulary: Int
  public var feedForward: Int
  /// The sliding window of SWA layers, and which layers use it; nil without SWA.
  public var slidingWindow: Int?
  public var slidingLayers: [Bool]
  /// Bytes of every tensor, over all parts of a split file.
  public var weightBytes: Int
  /// The files read: the first part, then the others of a split file.
  public var paths: [String]
  /// What one generated token reads of the weights, by layer (the roofline's numerator).
  public var decodeReads: DecodeReads

  /// Bytes of one KV cell of `layer`: its K and V rows at the cache types given.
  public func kvCellBytes(layer: Int, keyType: GGMLType, valueType: GGMLType) -> Int {
    let heads = kvHeads[layer]
    return keyType.bytes(elements: heads * keyLength) + valueType.bytes(elements: heads * valueLength)
  }

  /// Reads the model at `path` and, for a split GGUF (`-00001-of-00003.gguf`), every other part.
  public static func read(path: String) throws(GGUFError) -> ModelShape {
    let first = try GGUFFile.read(path: path)
    var files = [first]
    let parts = first["split.count"]?.integer ?? 1
    guard parts <= 99_999 else { throw .damaged(path: path, at: 0, message: "split.count is \(parts)") }
    if parts > 1 {
      for part in 2...parts {
        guard let split = SplitName(path), split.part == 1, split.count == parts else {
          throw .damaged(
            path: path, at: 0,
            message: "split.count is \(parts) but the name is not -00001-of-\(String(format: "%05d", parts))")
        }
        files.append(try GGUFFile.read(path: split.path(ofPart: part)))
      }
    }
    return try from(files)
  }

  public static func from(_ files: [GGUFFile]) throws(GGUFError) -> ModelShape {
    let first = files[0]
    let path = first.path
    func required(_ key: String) throws(GGUFError) -> Int {
      guard let raw = first[key] else { throw .missingKey(path: path, key: key) }
      guard let value = raw.integer else { throw .damaged(path: path, at: 0, message: "\(key) is not a whole number") }
      return value
    }
    guard let arch = first["general.architecture"]?.text else {
      throw .missingKey(path: path, key: "general.architecture")
    }
    // Bounds far above any real model keep a hostile header's values from overflowing
    // the estimate's arithmetic or allocating per-layer arrays of any size.
    func within(_ key: String, _ value: Int, _ range: ClosedRange<Int>) throws(GGUFError) -> Int {
      guard range.contains(value) else {
        throw .damaged(
          path: path, at: 0, message: "\(key) is \(value), outside \(range.lowerBound)…\(range.upperBound)")
      }
      return value
    }
    let layers = try within("\(arch).block_count", try required("\(arch).block_count"), 1...Self.maxLayers)
    let embedding = try within(
      "\(arch).embedding_length", try required("\(arch).embedding_length"), 1...Self.maxWidth)
    let headValues = Self.perLayer(first["\(arch).attention.head_count"], layers: layers)
    guard let heads = headValues?.max(), heads > 0 else {
      throw .missingKey(path: path, key: "\(arch).attention.head_count")
    }
    _ = try within("\(arch).attention.head_count", heads, 1...Self.maxHeads)
    let kvHeads = Self.perLayer(first["\(arch).attention.head_count_kv"], layers: layers) ?? headValues ?? []
    for value in kvHeads { _ = try within("\(arch).attention.head_count_kv", value, 0...Self.maxHeads) }
    let keyLength = try within(
      "\(arch).attention.key_length", first["\(arch).attention.key_length"]?.integer ?? embedding / heads,
      1...Self.maxWidth)
    let valueLength = try within(
      "\(arch).attention.value_length", first["\(arch).attention.value_length"]?.integer ?? embedding / heads,
      1...Self.maxWidth)
    let vocabulary: Int
    if case .array(let count, _)? = first["tokenizer.ggml.tokens"] {
      vocabulary = count
    } else {
      vocabulary = try required("\(arch).vocab_size")
    }
    _ = try within("vocabulary size", vocabulary, 1...Self.maxVocabulary)
    let feedForward = try within(
      "\(arch).feed_forward_length",
      Self.perLayer(first["\(arch).feed_forward_length"], layers: layers)?.max() ?? 4 * embedding, 0...Self.maxWidth)
    let trained = try within(
      "\(arch).context_length", first["\(arch).context_length"]?.integer ?? 2048, 1...Self.maxContext)
    let (window, sliding) = Self.slidingWindow(first, arch: arch, layers: layers)
    let expertCount = first["\(arch).expert_count"]?.integer ?? 0
    let experts =
      expertCount > 0 ? (used: first["\(arch).expert_used_count"]?.integer ?? expertCount, count: expertCount) : nil
    if let window { _ = try within("\(arch).attention.sliding_window", window, 1...Self.maxContext) }
    return ModelShape(
      architecture: arch, layers: layers, trainedContext: trained,
      embedding: embedding, heads: heads, kvHeads: kvHeads, keyLength: keyLength, valueLength: valueLength,
      vocabulary: vocabulary, feedForward: feedForward, slidingWindow: window, slidingLayers: sliding,
      weightBytes: files.reduce(0) { $0 + $1.tensorBytes }, paths: files.map(\.path),
      decodeReads: DecodeReads.from(files, layers: layers, experts: experts))
  }

  static let maxLayers = 4096
  static let maxHeads = 1 << 16
  static let maxWidth = 1 << 24
  static let maxVocabulary = 1 << 24
  /// llama.cpp keeps context sizes in 32 bits.
  static let maxContext = Int(UInt32.max)

  /// A per-layer value that GGUF stores either once or as an array of one per layer.
  static func perLayer(_ value: GGUFValue?, layers: Int) -> [Int]? {
    switch value {
    case .array(let count, let values?) where count == layers:
      let numbers = values.compactMap(\.integer)
      return numbers.count == layers ? numbers : nil
    case let value?:
      return value.integer.map { Array(repeating: $0, count: layers) }
    case nil:
      return nil
    }
  }

  /// Which layers use a sliding window, as llama.cpp decides it: the file's
  /// `sliding_window_pattern` (a period, or one flag per layer), else the
  /// architecture's own period (Gemma 3: five SWA layers then one global; Gemma 2:
  /// alternate). Other architectures are taken as full attention, which can only
  /// over-estimate their cache.
  static func slidingWindow(_ file: GGUFFile, arch: String, layers: Int) -> (Int?, [Bool]) {
    let none = Array(repeating: false, count: layers)
    let defaultWindow: Int? = arch == "gemma2" ? 4096 : nil
    guard let window = file["\(arch).attention.sliding_window"]?.integer ?? defaultWindow, window > 0 else {
      return (nil, none)
    }
    var period: Int
    switch file["\(arch).attention.sliding_window_pattern"] {
    case .array(let count, let values?) where count == layers:
      return (window, values.map { $0.integer == 1 })
    case let value?:
      period = min(max(value.integer ?? 0, 0), layers + 1)
    case nil:
      switch arch {
      case "gemma3": period = 6
      case "gemma2": period = 2
      default: return (nil, none)
      }
    }
    // llama_hparams::set_swa_pattern without dense_first: a period of 0 makes every layer SWA.
    return (window, (0..<layers).map { period == 0 || $0 % period < period - 1 })
  }
}

/// `name-00002-of-00003.gguf`: part 2 of 3 of `name`, as llama.cpp's gguf-split names
/// the parts (five digits each). The Hub's file selection and the header reader share it.
public struct SplitName: Sendable, Equatable {
  public var stem: String
  public var part: Int
  public var count: Int

  public init?(_ path: String) {
    guard path.lowercased().hasSuffix(".gguf") else { return nil }
    let base = Array(path.dropLast(".gguf".count))
    // "-00001-of-00003" is 15 characters: '-', five digits, "-of-", five digits.
    guard base.count > 15 else { return nil }
    let tail = String(base.suffix(15))
    let pieces = tail.split(separator: "-", omittingEmptySubsequences: false)
    guard tail.hasPrefix("-"), pieces.count == 4, pieces[2] == "of",
      pieces[1].count == 5, pieces[3].count == 5,
      let part = Int(pieces[1]), let count = Int(pieces[3]), part >= 1, count >= 1, part <= count
    else { return nil }
    stem = String(base.dropLast(15))
    self.part = part
    self.count = count
  }

  /// The path of part `part` of the same split file.
  public func path(ofPart part: Int) -> String {
    stem + String(format: "-%05d-of-%05d.gguf", part, count)
  }
}
