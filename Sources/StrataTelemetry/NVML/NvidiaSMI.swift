/// The `nvidia-smi --query-gpu` CSV that strata falls back to when NVML cannot be loaded.
///
/// Format (nvidia-smi help text, driver 535 era): one line per GPU, values separated by ", ",
/// `--format=csv` adds a header ("memory.used [MiB]") and units ("21 MiB", "87 %", "312.45 W",
/// "2520 MHz"); `noheader` and `nounits` drop them. Unreadable values print as "[N/A]" or
/// "[Not Supported]". NVIDIA does not promise the output stays stable, so parsing is lenient.
public enum NvidiaSMI {
  /// The queried fields, in the order of the columns when no header names them.
  public static let queryFields = [
    "pci.bus_id", "name", "memory.used", "memory.total", "utilization.gpu", "utilization.memory",
    "power.draw", "temperature.gpu", "clocks.gr", "clocks.mem",
  ]

  /// Arguments of the query strata runs: the fields above, CSV without header or units.
  public static let arguments = ["--query-gpu=" + queryFields.joined(separator: ","), "--format=csv,noheader,nounits"]

  /// One GPU line: the reading and the GPU's marketing name.
  public struct Row: Sendable, Hashable {
    /// Readings in strata's units (bytes, percent, watts, °C as "gpu", MHz).
    public var sample: DeviceSample
    /// e.g. "NVIDIA H100 80GB HBM3"; nil when missing.
    public var name: String?
  }

  /// Parses the query's output into device readings; see `parseRows(csv:)`.
  public static func parse(csv: String) -> [DeviceSample] {
    parseRows(csv: csv).map(\.sample)
  }

  /// Parses the query's output, with or without header and units.
  ///
  /// A header line, when present, maps columns by name (aliases such as `gpu_bus_id` and
  /// `clocks.current.graphics` included); otherwise columns follow `queryFields`. Memory is
  /// MiB in the CSV and bytes in the result. The device id is the normalised bus id
  /// ("0000:01:00.0"), or "nvidia-smi:<line>" when the bus id is unreadable. Lines that are not
  /// GPU rows (an error message from nvidia-smi, blank lines) are skipped.
  public static func parseRows(csv: String) -> [Row] {
    var columns = Dictionary(uniqueKeysWithValues: queryFields.enumerated().map { ($1, $0) })
    var rows: [Row] = []
    for line in csv.split(whereSeparator: \.isNewline) {
      let cells = line.split(separator: ",", omittingEmptySubsequences: false).map { NvidiaText.trim($0) }
      if let header = headerColumns(cells) {
        columns = header
        continue
      }
      guard cells.count >= columns.count, cells.count > 1 else { continue }
      if let row = row(cells, columns, index: rows.count) { rows.append(row) }
    }
    return rows
  }

  /// Canonical names of the aliases nvidia-smi accepts and prints for the queried fields.
  private static let aliases: [String: String] = [
    "gpu_bus_id": "pci.bus_id", "gpu_name": "name",
    "clocks.current.graphics": "clocks.gr", "clocks.current.memory": "clocks.mem",
  ]

  /// Column positions when `cells` is a header line, else nil.
  private static func headerColumns(_ cells: [Substring]) -> [String: Int]? {
    var columns: [String: Int] = [:]
    for (index, cell) in cells.enumerated() {
      // "memory.used [MiB]" → "memory.used"
      let field = String(cell.prefix { $0 != " " && $0 != "[" })
      let canonical = aliases[field] ?? field
      if queryFields.contains(canonical) { columns[canonical] = index }
    }
    // A data row holds a bus id and never a field name.
    guard !columns.isEmpty, !cells.contains(where: { NvidiaBusID.normalize(String($0)) != nil }) else { return nil }
    return columns
  }

  private static func row(_ cells: [Substring], _ columns: [String: Int], index: Int) -> Row? {
    func cell(_ field: String) -> Substring? {
      guard let position = columns[field], position < cells.count else { return nil }
      return cells[position]
    }
    func number(_ field: String) -> Double? { cell(field).flatMap(value) }

    let busId = cell("pci.bus_id").flatMap { NvidiaBusID.normalize(String($0)) }
    let memoryUsed = number("memory.used")
    let memoryTotal = number("memory.total")
    // A row with neither a bus id nor any memory figure is not a GPU line (e.g. an error message).
    guard busId != nil || memoryUsed != nil || memoryTotal != nil else { return nil }

    var sample = DeviceSample(device: busId ?? "nvidia-smi:\(index)")
    sample.vramUsedBytes = memoryUsed.flatMap(mebibytesToBytes)
    sample.vramTotalBytes = memoryTotal.flatMap(mebibytesToBytes)
    sample.busyPercent = number("utilization.gpu")
    sample.memoryBusyPercent = number("utilization.memory")
    sample.powerWatts = number("power.draw")
    if let celsius = number("temperature.gpu") { sample.temperaturesCelsius["gpu"] = celsius }
    sample.coreClockMHz = number("clocks.gr")
    sample.memoryClockMHz = number("clocks.mem")
    let name = cell("name").flatMap { isMissing($0) || $0.isEmpty ? nil : String($0) }
    return Row(sample: sample, name: name)
  }

  /// The number in "21 MiB", "87 %", "312.45 W" or "64"; nil for "[N/A]", "[Not Supported]", "N/A".
  static func value(_ cell: Substring) -> Double? {
    guard !isMissing(cell) else { return nil }
    guard let number = Double(cell.prefix { $0 != " " }), number.isFinite else { return nil }
    return number
  }

  private static func isMissing(_ cell: Substring) -> Bool {
    cell.hasPrefix("[") || cell == "N/A"
  }

  private static func mebibytesToBytes(_ mebibytes: Double) -> UInt64? {
    guard mebibytes >= 0, mebibytes < 1e12 else { return nil }
    return UInt64(mebibytes) * 1_048_576
  }
}
