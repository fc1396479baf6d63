import CStrataStream

/// Host memory bandwidth, measured: STREAM's triad on arrays far larger than any cache,
/// best of several passes. Decode of a model whose weights sit in this memory cannot
/// beat bandwidth ÷ bytes read per token; the roofline compares a cell with that bound.
public struct MemoryBandwidth: Sendable, Hashable, Codable {
  public var bytesPerSecond: Double
  public var threads: Int
  /// Bytes of the three arrays together.
  public var arrayBytes: Int
  public var passes: Int

  /// 3 × 128 MiB by default: well beyond the last-level cache of any desktop CPU.
  public static func measure(
    threads: Int, arrayBytes: Int = 3 << 27, passes: Int = 5
  ) throws(MemoryBandwidthError) -> MemoryBandwidth {
    let elements = arrayBytes / 3 / MemoryLayout<Double>.size
    guard threads >= 1, threads <= 1024, elements > 0, passes >= 1 else {
      throw .invalidSettings(threads: threads, arrayBytes: arrayBytes, passes: passes)
    }
    let rate = strata_triad_bytes_per_second(elements, Int32(threads), Int32(passes))
    guard rate > 0 else { throw .failed(arrayBytes: arrayBytes, threads: threads) }
    return MemoryBandwidth(
      bytesPerSecond: rate, threads: threads, arrayBytes: elements * 3 * MemoryLayout<Double>.size, passes: passes)
  }
}

public enum MemoryBandwidthError: Error, Equatable, CustomStringConvertible {
  case invalidSettings(threads: Int, arrayBytes: Int, passes: Int)
  case failed(arrayBytes: Int, threads: Int)

  public var description: String {
    switch self {
    case .invalidSettings(let threads, let bytes, let passes):
      "bandwidth probe: \(threads) threads, \(bytes) bytes, \(passes) passes is not a measurement; use 1…1024 threads"
    case .failed(let bytes, let threads):
      "bandwidth probe: could not allocate \(bytes) bytes or start \(threads) threads; free memory or use fewer threads"
    }
  }
}
