import Foundation
import StrataTestSupport
import Testing

/// A real `strata run` whose engine files carry a marker secret in `env:` (and in
/// `--api-key`), across a process server that runs, a process server that fails
/// to load and a podman container that fails to load — each path that writes the
/// arguments somewhere. Afterwards no file strata wrote, and nothing it printed,
/// holds the marker.
@Suite(
  "Secrets in engine files reach no output", .tags(.integration), RealParts.gate, RealParts.strataGate,
  Podman.gate)
struct SecretsIntegrationTests {
  @Test("a sweep with a marker secret in env: and --api-key leaves it in no file and no output")
  func markerSecretIsNowhere() async throws {
    try await ServerTestLock.run {
      let binary = try #require(StrataExecutable.path)
      let secret = "strata-marker-secret-\(UUID().uuidString)"
      let dir = try RealParts.project(
        matrix: """
          repeats: 1
          axes:
            engine: [cpu, cpu-bad, container-bad]
            model: [smollm2-135m]
          scenarios: [pp64-tg16]
          tasks: [{name: arc_challenge, limit: 2}]
          """)
      try """
      name: cpu
      backend: cpu
      binary: \(RealParts.cpuServer)
      env:
        STRATA_TEST_TOKEN: \(secret)
      """.write(toFile: "\(dir)/engines/cpu.yaml", atomically: true, encoding: .utf8)
      // llama-server refuses the unknown flag and exits while loading. (Not
      // `--hf-token=…`: llama-server does not take that form, and its own error
      // then echoes the value into its log, which is the server's to write.)
      try """
      name: cpu-bad
      backend: cpu
      binary: \(RealParts.cpuServer)
      env:
        STRATA_TEST_TOKEN: \(secret)
      args: ["--api-key", "\(secret)", "--no-such-flag"]
      """.write(toFile: "\(dir)/engines/cpu-bad.yaml", atomically: true, encoding: .utf8)
      try """
      name: container-bad
      backend: cpu
      mode: container
      image: \(Podman.image)
      runtime: podman
      pull: never
      env:
        STRATA_TEST_TOKEN: \(secret)
      args: ["--api-key", "\(secret)", "--no-such-flag"]
      """.write(toFile: "\(dir)/engines/container-bad.yaml", atomically: true, encoding: .utf8)

      let process = Process()
      process.executableURL = URL(fileURLWithPath: binary)
      process.arguments = ["run", "--project", dir, "--db", "\(dir)/strata.sqlite"]
      let stdoutPath = "\(dir)/../\(URL(fileURLWithPath: dir).lastPathComponent).stdout"
      let stderrPath = "\(dir)/../\(URL(fileURLWithPath: dir).lastPathComponent).stderr"
      FileManager.default.createFile(atPath: stdoutPath, contents: nil)
      FileManager.default.createFile(atPath: stderrPath, contents: nil)
      defer {
        try? FileManager.default.removeItem(atPath: stdoutPath)
        try? FileManager.default.removeItem(atPath: stderrPath)
      }
      process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
      process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
      try process.run()
      process.waitUntilExit()
      let stdout = (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? ""
      let stderr = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""

      // The good cell ran, both bad engines failed to load, and said so.
      #expect(stdout.contains("cpu"), "stdout: \(stdout)\nstderr: \(stderr)")
      #expect(stderr.contains("--no-such-flag") || stdout.contains("--no-such-flag"), "stderr: \(stderr)")
      #expect(!stdout.contains(secret), "stdout holds the secret")
      #expect(!stderr.contains(secret), "stderr holds the secret")

      // Every file strata wrote: the database (and its WAL), the server logs.
      var scanned: [String] = []
      let files = FileManager.default.enumerator(atPath: dir)
      while let relative = files?.nextObject() as? String {
        let path = "\(dir)/\(relative)"
        guard !relative.hasPrefix("engines/"), let data = FileManager.default.contents(atPath: path) else { continue }
        scanned.append(relative)
        #expect(data.range(of: Data(secret.utf8)) == nil, "\(relative) holds the secret")
      }
      #expect(scanned.contains("strata.sqlite"), "scanned: \(scanned)")
      let logs = scanned.filter { $0.hasSuffix(".log") }
      #expect(logs.count >= 3, "a log per server, the failed ones too: \(scanned)")
      // The log headers name the variable and the option, with the value redacted.
      let headers = logs.compactMap { try? String(contentsOfFile: "\(dir)/\($0)", encoding: .utf8) }
      #expect(headers.contains { $0.contains("STRATA_TEST_TOKEN=<redacted>") }, "\(headers.map { $0.prefix(400) })")
      #expect(headers.contains { $0.contains("--api-key <redacted>") })
      #expect(headers.contains { $0.contains("--env STRATA_TEST_TOKEN ") })
    }
  }
}
