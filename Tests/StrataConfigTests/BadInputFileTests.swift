import Foundation
import Testing

@testable import StrataConfig

/// Bad inputs that are files rather than YAML text: too big, not UTF-8, not a
/// file, and a big-but-legal models.yaml. Each is refused (or read) with the
/// file named, without a crash, and in well under a second.
@Suite("bad input files are refused with the file, the limit and what to do")
struct BadInputFileTests {
  /// Loads a project whose models.yaml is `write`'s and returns the errors and the time taken.
  func load(models write: (String) throws -> Void) throws -> (errors: [ConfigError], seconds: Double) {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try TestSupport.write("name: cpu\nbackend: cpu\nbinary: /b\n", to: "engines/cpu.yaml", in: directory)
    try TestSupport.write("axes:\n  engine: cpu\n  model: m\n", to: "matrix.yaml", in: directory)
    try write(directory + "/models.yaml")
    let start = Date()
    let errors = TestSupport.errors { () throws(ConfigErrors) in
      try ProjectLoader.load(directory: directory, expander: TestSupport.expander)
    }
    return (errors, Date().timeIntervalSince(start))
  }

  @Test("a config file over 4 MiB is refused before it is read, with the limit named")
  func oversized() throws {
    let (errors, seconds) = try load { path in
      // Sparse: the size is what counts, and no test should write 5 MiB to refuse it.
      FileManager.default.createFile(atPath: path, contents: nil)
      let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
      try handle.truncate(atOffset: UInt64(YAMLLoader.maxConfigBytes + 1))
      try handle.close()
    }
    let error = try #require(errors.first { $0.location?.file.hasSuffix("models.yaml") == true })
    #expect(error.message.contains("over the limit of \(YAMLLoader.maxConfigBytes) bytes (4 MiB)"), "\(error)")
    #expect(seconds < 1)
  }

  @Test("a config file that is not UTF-8 is refused with what to do")
  func notUTF8() throws {
    let (errors, seconds) = try load { path in
      try Data([0x6d, 0x6f, 0x64, 0x65, 0x6c, 0x73, 0x3a, 0x0a, 0xff, 0xfe, 0x00, 0xc3]).write(
        to: URL(fileURLWithPath: path))
    }
    let error = try #require(errors.first { $0.location?.file.hasSuffix("models.yaml") == true })
    #expect(error.message == "the file is not UTF-8 text")
    #expect(error.hint == "save it as UTF-8")
    #expect(seconds < 1)
  }

  @Test("a directory where models.yaml should be is named as one")
  func directory() throws {
    let (errors, _) = try load { path in
      try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    #expect(errors.contains { $0.message == "expected a file, found a directory" }, "\(errors)")
  }

  @Test("a binary file (NUL bytes) is a YAML error at its position, not a crash")
  func binary() throws {
    let (errors, seconds) = try load { path in
      try Data([0x6d, 0x3a, 0x20, 0x00, 0x01, 0x02]).write(to: URL(fileURLWithPath: path))
    }
    let error = try #require(errors.first { $0.location?.file.hasSuffix("models.yaml") == true })
    #expect(error.message.hasPrefix("YAML syntax error"), "\(error)")
    #expect(error.location?.line == 1)
    #expect(seconds < 1)
  }

  @Test("a models.yaml of 20,000 entries naming an unknown model: a one-line hint, capped list, fast")
  func manyModels() throws {
    let (errors, _) = try load { path in
      var text = "models:\n"
      for index in 0..<20_000 { text += "  - name: model-\(index)\n    path: /m/model-\(index).Q4_0.gguf\n" }
      try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
    let error = try #require(errors.first { $0.message == "unknown model 'm'" }, "\(errors)")
    #expect(error.hint.hasSuffix("and 19980 more"), "\(error.hint)")
    #expect(!error.hint.contains("\n"))
    #expect(error.hint.count < 400, "\(error.hint.count) characters")
  }
}
