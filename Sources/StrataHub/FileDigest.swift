import CCrypto
import Foundation

/// SHA-256 and SHA-1 digests through OpenSSL's EVP interface, fed in pieces.
public final class Digest {
  public enum Algorithm: Sendable {
    case sha256
    case sha1
  }

  private let context: OpaquePointer

  public init(_ algorithm: Algorithm) {
    // EVP_MD_CTX_new only fails when malloc does: nothing sensible is left to do then.
    guard let context = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new: out of memory") }
    self.context = context
    EVP_DigestInit_ex(context, algorithm == .sha256 ? EVP_sha256() : EVP_sha1(), nil)
  }

  deinit { EVP_MD_CTX_free(context) }

  public func update(_ bytes: UnsafeRawBufferPointer) {
    guard let base = bytes.baseAddress, bytes.count > 0 else { return }
    EVP_DigestUpdate(context, base, bytes.count)
  }

  public func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }

  /// The digest as lower-case hex; the object must not be fed afterwards.
  public func finish() -> String {
    var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
    var length: UInt32 = 0
    EVP_DigestFinal_ex(context, &output, &length)
    return output.prefix(Int(length)).map { String(format: "%02x", $0) }.joined()
  }
}

/// Digests of files on disk, read in 1 MiB pieces.
public enum FileDigest {
  /// The SHA-256 of the file at `path` (what the Hub reports as an LFS file's `oid`).
  public static func sha256(of path: String) throws(HubError) -> String {
    try digest(.sha256, of: path, prefix: [])
  }

  /// Git's blob id of the file: SHA-1 of `blob <size>\0` and the bytes (the Hub's `oid`
  /// of a file kept in git itself rather than in LFS).
  public static func gitBlobID(of path: String) throws(HubError) -> String {
    let size = FileSystem.size(of: path) ?? 0
    return try digest(.sha1, of: path, prefix: Array("blob \(size)\0".utf8))
  }

  private static func digest(_ algorithm: Digest.Algorithm, of path: String, prefix: [UInt8]) throws(HubError)
    -> String
  {
    guard let handle = FileHandle(forReadingAtPath: path) else {
      throw .io(path: path, message: "cannot open it for reading")
    }
    defer { try? handle.close() }
    let digest = Digest(algorithm)
    digest.update(prefix)
    while true {
      let chunk: Data
      do {
        chunk = try handle.read(upToCount: 1 << 20) ?? Data()
      } catch {
        throw .io(path: path, message: "read failed: \(error.localizedDescription)")
      }
      if chunk.isEmpty { break }
      chunk.withUnsafeBytes { digest.update($0) }
    }
    return digest.finish()
  }
}
