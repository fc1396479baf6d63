import Foundation
import Testing

@testable import StrataEval

#if canImport(Glibc)
  import Glibc
#endif

/// Proves the network namespace: a listener on the host's loopback accepts a
/// connection from a plain python3, and the same program inside the sandbox
/// cannot reach it.
@Suite("Code sandbox keeps generated code off the network")
struct SandboxNetworkTests {
  /// A TCP listener on 127.0.0.1 with a kernel-chosen port, non-blocking, so a
  /// test can ask whether anyone connected without waiting.
  final class LoopbackListener {
    let descriptor: Int32
    let port: UInt16

    init() throws {
      let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
      try #require(descriptor >= 0)
      self.descriptor = descriptor
      var address = sockaddr_in()
      address.sin_family = sa_family_t(AF_INET)
      address.sin_addr.s_addr = inet_addr("127.0.0.1")
      address.sin_port = 0
      var length = socklen_t(MemoryLayout<sockaddr_in>.size)
      let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
          bind(descriptor, pointer, length) == 0 && listen(descriptor, 8) == 0
            && getsockname(descriptor, pointer, &length) == 0
        }
      }
      try #require(bound)
      port = UInt16(bigEndian: address.sin_port)
      _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
    }

    /// Accepts one pending connection; false when none is waiting.
    func acceptPending() -> Bool {
      let client = accept(descriptor, nil, nil)
      guard client >= 0 else { return false }
      close(client)
      return true
    }

    deinit { close(descriptor) }
  }

  static func connectProgram(port: UInt16) -> String {
    """
    import socket
    print("interfaces", sorted(name for _, name in socket.if_nameindex()))
    try:
        socket.create_connection(("127.0.0.1", \(port)), timeout=2).close()
        print("connected")
    except OSError as error:
        print("blocked", type(error).__name__, error)

    """
  }

  func scratchSandbox() -> CodeSandbox {
    CodeSandbox.onThisMachine(limits: SandboxLimits(wallSeconds: 20, cpuSeconds: 3, memoryBytes: 512 << 20))
  }

  @Test("a loopback connection that works outside fails inside the sandbox")
  func loopbackBlocked() async throws {
    let listener = try LoopbackListener()
    let sandbox = scratchSandbox()
    let program = Self.connectProgram(port: listener.port)

    // Outside: the same program, run directly, reaches the listener.
    let outside = try Self.runOutside(python: try sandbox.resolvePython(), source: program)
    #expect(outside.contains("connected"), "outside the sandbox: \(outside)")
    #expect(listener.acceptPending())

    let inside = try await sandbox.run(SandboxProgram(source: program))
    #expect(inside.kind == .passed, "\(inside.stderrTail)")
    #expect(inside.stdoutTail.contains("blocked"), "inside the sandbox: \(inside.stdoutTail)")
    #expect(!inside.stdoutTail.contains("connected"))
    // A fresh network namespace has a loopback device and nothing else.
    #expect(inside.stdoutTail.contains("interfaces ['lo']"))
    #expect(!listener.acceptPending(), "the sandboxed program reached the host's listener")
  }

  /// This host may have no route to the internet at all, so the failed fetch
  /// alone proves little here; the interface list ties it to the namespace.
  @Test("urllib cannot reach an external name from inside")
  func externalNameBlocked() async throws {
    let source = """
      import socket, urllib.request
      print("interfaces", sorted(name for _, name in socket.if_nameindex()))
      try:
          urllib.request.urlopen("http://example.com/", timeout=3)
          print("reached")
      except Exception as error:
          print("blocked", type(error).__name__, error)

      """
    let outcome = try await scratchSandbox().run(SandboxProgram(source: source))
    #expect(outcome.kind == .passed, "\(outcome.stderrTail)")
    #expect(outcome.stdoutTail.contains("interfaces ['lo']\nblocked"), "\(outcome.stdoutTail)")
  }

  /// Runs `source` with the host's python3, outside any sandbox.
  static func runOutside(python: String, source: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = ["-c", source]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
  }
}
