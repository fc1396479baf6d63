import Foundation

/// A metadata value of a GGUF file. Arrays of strings (a tokenizer's vocabulary,
/// often 100k+ entries) keep only their length: nothing strata reads needs the text.
public enum GGUFValue: Sendable, Equatable {
  case uint(UInt64)
  case int(Int64)
  case float(Double)
  case bool(Bool)
  case string(String)
  /// `values` is nil for arrays of strings or arrays; `count` is always the length.
  case array(count: Int, values: [GGUFValue]?)

  public var integer: Int? {
    switch self {
    case .uint(let value): value <= UInt64(Int.max) ? Int(value) : nil
    case .int(let value): Int(value)
    case .float(let value): Int(exactly: value)
    case .bool(let value): value ? 1 : 0
    default: nil
    }
  }

  public var text: String? {
    if case .string(let value) = self { return value }
    return nil
  }
}

/// One tensor of the file's tensor table.
public struct GGUFTensor: Sendable, Equatable {
  public let name: String
  public let dimensions: [Int]
  public let type: GGMLType
  /// Offset of its data from the start of the data section.
  public let offset: Int
  public let elements: Int
  /// Bytes of its data, checked when the header was read to lie inside the file.
  public let bytes: Int

  /// nil when the dimensions multiply past what any file could hold.
  init?(name: String, dimensions: [Int], type: GGMLType, offset: Int) {
    var elements = 1
    for dimension in dimensions {
      let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
      guard !overflow, product <= 1 << 48 else { return nil }
      elements = product
    }
    self.name = name
    self.dimensions = dimensions
    self.type = type
    self.offset = offset
    self.elements = elements
    self.bytes = type.bytes(elements: elements)
  }
}

/// The header of a GGUF file: its metadata and tensor table, read without the
/// tensor data (a few MiB at most of a file that may be tens of GiB).
public struct GGUFFile: Sendable {
  public let path: String
  public let version: UInt32
  public let metadata: [String: GGUFValue]
  public let tensors: [GGUFTensor]
  /// Where the tensor data starts, aligned to `alignment`.
  public let dataOffset: Int
  public let alignment: Int

  /// Bytes of all tensor data, as llama.cpp maps or loads it.
  public var tensorBytes: Int { tensors.reduce(0) { $0 + $1.bytes } }

  public subscript(key: String) -> GGUFValue? { metadata[key] }

  /// Bounds that keep a damaged or hostile header from exhausting memory.
  static let maxTensors = 1 << 20
  static let maxMetadata = 1 << 16
  static let maxStringBytes = 1 << 26
  static let maxArrayCount = 1 << 28
  static let maxDimensions = 8

  public static func read(path: String) throws(GGUFError) -> GGUFFile {
    guard let handle = FileHandle(forReadingAtPath: path) else { throw .unreadable(path: path, message: "cannot open") }
    defer { try? handle.close() }
    var reader = ByteReader(handle: handle, path: path)
    let magic = try reader.bytes(4)
    guard magic == Array("GGUF".utf8) else {
      throw .notGGUF(path: path, found: String(decoding: magic.map { $0 < 32 || $0 > 126 ? 46 : $0 }, as: UTF8.self))
    }
    let version: UInt32 = try reader.integer()
    guard version == 2 || version == 3 else { throw .unsupportedVersion(path: path, version: version) }
    let tensorCount = try reader.count(max: maxTensors, what: "tensor count")
    let metadataCount = try reader.count(max: maxMetadata, what: "metadata count")
    var metadata: [String: GGUFValue] = [:]
    for _ in 0..<metadataCount {
      let key = try reader.string()
      let typeID: UInt32 = try reader.integer()
      metadata[key] = try reader.value(type: typeID, key: key, depth: 0)
    }
    var tensors: [GGUFTensor] = []
    tensors.reserveCapacity(min(tensorCount, 4096))
    for _ in 0..<tensorCount {
      let name = try reader.string()
      let dimensionCount: UInt32 = try reader.integer()
      guard dimensionCount >= 1, dimensionCount <= maxDimensions else {
        throw reader.damaged("tensor \(name) has \(dimensionCount) dimensions")
      }
      var dimensions: [Int] = []
      for _ in 0..<dimensionCount {
        dimensions.append(try reader.count(max: Int(Int32.max), what: "dimension of \(name)"))
      }
      let typeID: UInt32 = try reader.integer()
      guard let type = GGMLType.known(typeID) else { throw .unknownTensorType(path: path, tensor: name, type: typeID) }
      let offset: UInt64 = try reader.integer()
      guard offset <= UInt64(Int.max) else { throw reader.damaged("tensor \(name) has offset \(offset)") }
      guard offset <= 1 << 56,
        let tensor = GGUFTensor(name: name, dimensions: dimensions, type: type, offset: Int(offset))
      else { throw reader.damaged("tensor \(name): dimensions \(dimensions) or offset \(offset) past any file") }
      tensors.append(tensor)
    }
    let alignment = metadata["general.alignment"]?.integer ?? 32
    guard alignment > 0, alignment <= 1 << 20, alignment & (alignment - 1) == 0 else {
      throw reader.damaged("general.alignment is \(alignment)")
    }
    let dataOffset = (reader.position + alignment - 1) / alignment * alignment
    // Every tensor's data must lie inside the file, as llama.cpp checks before it maps it.
    let fileSize = Int((try? handle.seekToEnd()) ?? 0)
    if let outside = tensors.first(where: { dataOffset + $0.offset + $0.bytes > fileSize }) {
      throw .damaged(
        path: path, at: dataOffset + outside.offset,
        message:
          "tensor \(outside.name) (\(outside.bytes) bytes) ends past the end of the file (\(fileSize) bytes): the file is incomplete or damaged"
      )
    }
    return GGUFFile(
      path: path, version: version, metadata: metadata, tensors: tensors, dataOffset: dataOffset,
      alignment: alignment)
  }
}

/// Why a GGUF header could not be read; each names the file.
public enum GGUFError: Error, Sendable, Equatable, CustomStringConvertible {
  case unreadable(path: String, message: String)
  case notGGUF(path: String, found: String)
  case unsupportedVersion(path: String, version: UInt32)
  case truncated(path: String, at: Int)
  case damaged(path: String, at: Int, message: String)
  case unknownTensorType(path: String, tensor: String, type: UInt32)
  /// Metadata a memory estimate needs is absent.
  case missingKey(path: String, key: String)

  public var description: String {
    switch self {
    case .unreadable(let path, let message): "\(path): \(message)"
    case .notGGUF(let path, let found):
      "\(path) is not a GGUF file (it starts with '\(found)', not 'GGUF'); point models.yaml at a .gguf file"
    case .unsupportedVersion(let path, let version):
      "\(path) is GGUF version \(version); strata reads versions 2 and 3 (re-convert it with a current llama.cpp)"
    case .truncated(let path, let at):
      "\(path) ends at byte \(at), inside its header: the file is incomplete (download it again)"
    case .damaged(let path, let at, let message): "\(path): damaged header at byte \(at): \(message)"
    case .unknownTensorType(let path, let tensor, let type):
      "\(path): tensor \(tensor) has ggml type \(type), which this strata does not know (a newer llama.cpp format?)"
    case .missingKey(let path, let key): "\(path) has no '\(key)' in its metadata"
    }
  }
}

/// Sequential little-endian reads over a file, a MiB at a time.
struct ByteReader {
  let handle: FileHandle
  let path: String
  private var buffer: [UInt8] = []
  private var index = 0
  private(set) var position = 0

  init(handle: FileHandle, path: String) {
    self.handle = handle
    self.path = path
  }

  func damaged(_ message: String) -> GGUFError { .damaged(path: path, at: position, message: message) }

  mutating func bytes(_ count: Int) throws(GGUFError) -> [UInt8] {
    var result: [UInt8] = []
    result.reserveCapacity(count)
    while result.count < count {
      if index == buffer.count { try refill() }
      let take = min(count - result.count, buffer.count - index)
      result.append(contentsOf: buffer[index..<index + take])
      index += take
      position += take
    }
    return result
  }

  private mutating func refill() throws(GGUFError) {
    let chunk: Data?
    do { chunk = try handle.read(upToCount: 1 << 20) } catch {
      throw .unreadable(path: path, message: "\(error)")
    }
    guard let chunk, !chunk.isEmpty else { throw .truncated(path: path, at: position) }
    buffer = Array(chunk)
    index = 0
  }

  /// Moves past `count` bytes without keeping them.
  mutating func skip(_ count: Int) throws(GGUFError) {
    var left = count
    while left > 0 {
      if index == buffer.count { try refill() }
      let take = min(left, buffer.count - index)
      index += take
      position += take
      left -= take
    }
  }

  mutating func integer<T: FixedWidthInteger>() throws(GGUFError) -> T {
    let raw = try bytes(MemoryLayout<T>.size)
    return raw.reversed().reduce(T.zero) { $0 << 8 | T($1) }
  }

  mutating func count(max: Int, what: String) throws(GGUFError) -> Int {
    let value: UInt64 = try integer()
    guard value <= UInt64(max) else { throw damaged("\(what) \(value) is over \(max)") }
    return Int(value)
  }

  mutating func string() throws(GGUFError) -> String {
    let length = try count(max: GGUFFile.maxStringBytes, what: "string length")
    return String(decoding: try bytes(length), as: UTF8.self)
  }

  mutating func value(type: UInt32, key: String, depth: Int) throws(GGUFError) -> GGUFValue {
    switch type {
    case 0: return .uint(UInt64(try integer() as UInt8))
    case 1: return .int(Int64(try integer() as Int8))
    case 2: return .uint(UInt64(try integer() as UInt16))
    case 3: return .int(Int64(try integer() as Int16))
    case 4: return .uint(UInt64(try integer() as UInt32))
    case 5: return .int(Int64(try integer() as Int32))
    case 6: return .float(Double(Float(bitPattern: try integer())))
    case 7: return .bool(try integer() as UInt8 != 0)
    case 8: return .string(try string())
    case 9:
      guard depth == 0 else { throw damaged("\(key): nested arrays") }
      let elementType: UInt32 = try integer()
      let count = try count(max: GGUFFile.maxArrayCount, what: "\(key) length")
      let keep = elementType != 8 && elementType != 9 && count <= 65_536
      var values: [GGUFValue] = []
      if keep { values.reserveCapacity(count) }
      if elementType == 8 {
        for _ in 0..<count { try skip(try self.count(max: GGUFFile.maxStringBytes, what: "string length")) }
        return .array(count: count, values: nil)
      }
      for _ in 0..<count {
        let element = try value(type: elementType, key: key, depth: depth + 1)
        if keep { values.append(element) }
      }
      return .array(count: count, values: keep ? values : nil)
    case 10: return .uint(try integer())
    case 11: return .int(try integer())
    case 12: return .float(Double(bitPattern: try integer()))
    default: throw damaged("\(key) has value type \(type)")
    }
  }
}
