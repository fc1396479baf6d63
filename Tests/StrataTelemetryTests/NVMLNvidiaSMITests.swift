import Foundation
import Testing

@testable import StrataTelemetry

/// The nvidia-smi fallback: CSV parsing over the stand-in captures in Fixtures/nvidia-smi
/// (written from the documented format, see its README), bus-id normalisation, and the sampler
/// running stand-in executables (shell scripts written by the test, not nvidia-smi).
@Suite("NVML fallback: nvidia-smi CSV and sampler")
struct NVMLNvidiaSMITests {
  static func fixture(_ name: String) throws -> String {
    let fixtures = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
    return try String(contentsOf: fixtures.appendingPathComponent("nvidia-smi/\(name)"), encoding: .utf8)
  }

  static let h100Pair = [
    DeviceSample(
      device: "0000:18:00.0", vramUsedBytes: 24567 * 1_048_576, vramTotalBytes: 81559 * 1_048_576, busyPercent: 87,
      memoryBusyPercent: 41, powerWatts: 312.45, temperaturesCelsius: ["gpu": 64], coreClockMHz: 1980,
      memoryClockMHz: 2619),
    DeviceSample(
      device: "0000:2a:00.0", vramUsedBytes: 0, vramTotalBytes: 81559 * 1_048_576, busyPercent: 0,
      memoryBusyPercent: 0, powerWatts: 69.87, temperaturesCelsius: ["gpu": 31], coreClockMHz: 345,
      memoryClockMHz: 2619),
  ]

  @Test("noheader,nounits stand-in capture: every field in strata's units")
  func parsesNoUnits() throws {
    let rows = NvidiaSMI.parseRows(csv: try Self.fixture("h100-pair-nounits.csv"))
    #expect(rows.map(\.sample) == Self.h100Pair)
    #expect(rows.map(\.name) == ["NVIDIA H100 80GB HBM3", "NVIDIA H100 80GB HBM3"])
  }

  @Test("header and units stand-in capture: header maps columns, [N/A] and [Not Supported] become nil")
  func parsesHeaderAndUnits() throws {
    let rows = NvidiaSMI.parseRows(csv: try Self.fixture("header-units-na.csv"))
    #expect(
      rows.map(\.sample) == [
        DeviceSample(
          device: "0000:01:00.0", vramUsedBytes: 21 * 1_048_576, vramTotalBytes: 24576 * 1_048_576, busyPercent: 0,
          memoryBusyPercent: 0, powerWatts: nil, temperaturesCelsius: ["gpu": 45], coreClockMHz: 210,
          memoryClockMHz: 405),
        DeviceSample(
          device: "0000:65:00.0", vramUsedBytes: 5 * 1_048_576, vramTotalBytes: 2048 * 1_048_576, busyPercent: nil,
          memoryBusyPercent: nil, powerWatts: nil, temperaturesCelsius: ["gpu": 38], coreClockMHz: 300,
          memoryClockMHz: 405),
      ])
    #expect(rows.map(\.name) == ["NVIDIA GeForce RTX 3090", "NVIDIA T400"])
  }

  @Test("nvidia-smi's driver-not-loaded message is no GPU row")
  func driverNotLoadedIsNoRow() throws {
    #expect(NvidiaSMI.parse(csv: try Self.fixture("driver-not-loaded.txt")).isEmpty)
    #expect(NvidiaSMI.parse(csv: "").isEmpty)
  }

  @Test("CRLF line ends parse like LF")
  func crlf() throws {
    let csv = try Self.fixture("h100-pair-nounits.csv").replacingOccurrences(of: "\n", with: "\r\n")
    #expect(NvidiaSMI.parse(csv: csv) == Self.h100Pair)
  }

  @Test(
    "cell values with and without units",
    arguments: [
      ("21 MiB", 21.0), ("87 %", 87), ("312.45 W", 312.45), ("64", 64), ("2520 MHz", 2520), ("[N/A]", nil),
      ("[Not Supported]", nil), ("N/A", nil), ("", nil), ("Unknown Error", nil),
    ] as [(Substring, Double?)])
  func cellValues(cell: Substring, expected: Double?) {
    #expect(NvidiaSMI.value(cell) == expected)
  }

  @Test(
    "bus ids normalise to lower-case dddd:bb:dd.f",
    arguments: [
      ("00000000:0A:00.0", "0000:0a:00.0"), ("00000001:65:1F.7", "0001:65:1f.7"), ("0000:03:00.0", "0000:03:00.0"),
      ("03:00.0", "0000:03:00.0"), (" 00000000:01:00.0 ", "0000:01:00.0"), ("0000:03:20.0", nil),
      ("0000:03:00.8", nil), ("GPU-5d3c…", nil), ("", nil), ("0000:03:00", nil),
    ] as [(String, String?)])
  func busIds(text: String, expected: String?) {
    #expect(NvidiaBusID.normalize(text) == expected)
  }

  @Test("the query asks for strata's ten fields as CSV without header or units")
  func queryArguments() {
    #expect(
      NvidiaSMI.arguments == [
        "--query-gpu=pci.bus_id,name,memory.used,memory.total,utilization.gpu,utilization.memory,power.draw,"
          + "temperature.gpu,clocks.gr,clocks.mem",
        "--format=csv,noheader,nounits",
      ])
  }

  // MARK: - The sampler, with stand-in executables

  /// Writes an executable shell script into a fresh temporary directory and passes its path.
  static func withScript(_ body: String, _ test: (String) throws -> Void) throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("strata-smi-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let script = directory.appendingPathComponent("nvidia-smi")
    // Written through an O_CLOEXEC descriptor: a process another test spawns
    // meanwhile must not inherit it, or running the script fails with ETXTBSY.
    let fd = open(script.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o755)
    guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
    let bytes = Array(("#!/bin/sh\n# stand-in for nvidia-smi, written by NVMLNvidiaSMITests\n" + body).utf8)
    let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
    guard written == bytes.count else { throw POSIXError(.EIO) }
    try test(script.path)
  }

  @Test("missing executable: unavailable with the reason")
  func missingExecutable() {
    let sampler = NvidiaSMISampler(searchPath: "/nonexistent/strata-test")
    #expect(sampler.name == "nvidia-smi")
    #expect(
      sampler.status()
        == SamplerStatus(
          sampler: "nvidia-smi", available: false, reason: "nvidia-smi not found: no NVIDIA driver on this host"))
    #expect(throws: SamplerError.self) { try sampler.sampleDevices() }
    #expect(NvidiaSMISampler(executable: "/nonexistent/nvidia-smi", searchPath: "").status().available == false)
  }

  @Test("stand-in nvidia-smi printing the capture: rows parsed, exact arguments passed")
  func standInExecutable() throws {
    let csv = try Self.fixture("h100-pair-nounits.csv")
    let expected = NvidiaSMI.arguments.joined(separator: " ")
    try Self.withScript(
      """
      [ "$*" = "\(expected)" ] || { echo "unexpected arguments: $*" >&2; exit 2; }
      cat <<'CSV'
      \(csv)CSV

      """
    ) { (path) throws in
      let sampler = NvidiaSMISampler(executable: path, searchPath: "")
      #expect(sampler.status() == SamplerStatus(sampler: "nvidia-smi", available: true))
      #expect(try sampler.sampleDevices() == Self.h100Pair)
      // Found through the search path too, by bare name.
      let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
      #expect(try NvidiaSMISampler(searchPath: "/nonexistent:\(directory)").sampleDevices() == Self.h100Pair)
    }
  }

  @Test("stand-in nvidia-smi failing: status and error carry the exit status and its first line")
  func standInFailure() throws {
    try Self.withScript(
      "echo \"NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\"\nexit 9\n"
    ) {
      (path) throws in
      let status = NvidiaSMISampler(executable: path, searchPath: "").status()
      #expect(!status.available)
      #expect(
        status.reason
          == "\(path) exited with status 9: NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver."
      )
    }
  }

  @Test("stand-in nvidia-smi that hangs: killed at the timeout, SamplerError")
  func standInTimeout() throws {
    try Self.withScript("exec sleep 30\n") { (path) throws in
      let started = Date()
      let error = #expect(throws: SamplerError.self) {
        try NvidiaSMISampler(executable: path, timeoutSeconds: 0.5, searchPath: "").sampleDevices()
      }
      #expect(error?.message.contains("took longer than 0.5 s") == true)
      #expect(Date().timeIntervalSince(started) < 20, "killed at the timeout, not after sleep 30 ended")
    }
  }
}
