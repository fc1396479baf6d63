import Foundation
import StrataEval
import StrataStore

/// One row of `strata report --hardware`: one host × device × engine, for one model
/// and quant, with the figures of its fastest-decoding cell (the other cells of the
/// group differ in server flags; `settings` names the winner's).
public struct HardwareRow: Sendable, Hashable, Codable {
  public var host: String
  /// The GPU(s) llama-server listed for the engine, or the host's CPU for a CPU backend.
  public var device: String
  public var engine: String
  public var backend: String?
  /// "b4567 (1a2b3c4)" as the engine identity gave it.
  public var build: String?
  public var model: String
  public var quant: String
  public var run: String
  public var cell: String
  /// The winning cell's axes beyond engine, model and quant.
  public var settings: [String: String]
  /// Cells of this group that were compared.
  public var cells: Int
  public var scenario: String?
  public var promptTPS: Summary?
  public var decodeTPS: Summary?
  public var ttftMs: Summary?
  public var loadSeconds: Double?
  /// Peak VRAM where it was sampled, else the server's peak RSS.
  public var peakMemoryBytes: Int64?
  public var peakMemory: MemoryPeak?
  public var meanPowerWatts: Double?
  public var joulesPerGeneratedToken: Double?
  public var powerIncludesCPU: Bool?
  public var accuracy: Proportion?
  public var accuracyWay: String?
  public var status: String
  /// "llama-bench" for a run `strata import llama-bench` loaded (the kernel's speed,
  /// no server), else "strata".
  public var measuredBy: String = "strata"
  /// The winning cell's roofline bound (``ComparisonRow/decodeBoundTPS``).
  public var decodeBoundTPS: Double? = nil
  public var idlePowerWatts: Double? = nil
  public var netJoulesPerGeneratedToken: Double? = nil
  /// With `--tariff`: the winning cell's energy above idle, a million tokens' worth.
  public var energyCost: EnergyCost? = nil

  public var fractionOfBound: Double? {
    guard let bound = decodeBoundTPS, bound > 0, let decode = decodeTPS?.mean else { return nil }
    return decode / bound
  }
}

extension HardwareRow: ReportRow {
  public static let fieldNames = [
    "host", "device", "engine", "backend", "build", "model", "quant", "run", "cell", "cells", "scenario",
    "prompt_tps", "decode_tps", "ttft_ms", "load_s", "peak_mib", "power_w", "j_per_token", "accuracy", "status",
    "measured_by", "bound_tps", "of_bound", "idle_w", "net_j_per_token", "cost_per_mtok",
  ]

  public var fields: [String: FieldValue] {
    var fields: [String: FieldValue] = [:]
    for (axis, value) in settings { fields[axis.lowercased()] = Double(value).map(FieldValue.number) ?? .text(value) }
    let named: [String: FieldValue] = [
      "host": .text(host), "device": .text(device), "engine": .text(engine), "backend": .text(backend),
      "build": .text(build), "model": .text(model), "quant": .text(quant), "run": .text(run), "cell": .text(cell),
      "cells": .number(Double(cells)), "scenario": .text(scenario), "prompt_tps": .number(promptTPS?.mean),
      "decode_tps": .number(decodeTPS?.mean), "ttft_ms": .number(ttftMs?.mean), "load_s": .number(loadSeconds),
      "peak_mib": .mebibytes(peakMemoryBytes), "power_w": .number(meanPowerWatts),
      "j_per_token": .number(joulesPerGeneratedToken), "accuracy": .number(accuracy?.value), "status": .text(status),
      "measured_by": .text(measuredBy), "bound_tps": .number(decodeBoundTPS), "of_bound": .number(fractionOfBound),
      "idle_w": .number(idlePowerWatts), "net_j_per_token": .number(netJoulesPerGeneratedToken),
      "cost_per_mtok": .number(energyCost?.perMillionTokens),
    ]
    fields.merge(named) { _, named in named }
    return fields
  }
}

/// The hardware table for one model and quant, with what else the runs measured.
public struct HardwareTable: Sendable, Hashable, Codable {
  public var model: String
  public var quant: String
  public var rows: [HardwareRow]
  /// Every model and quant the runs hold, with how many cells measured each.
  public var available: [ModelQuant]

  public struct ModelQuant: Sendable, Hashable, Codable {
    public var model: String
    public var quant: String
    public var cells: Int
  }
}

/// `--model` or `--quant` names nothing the chosen runs measured.
public struct HardwareSelectionError: Error, Sendable, Equatable, CustomStringConvertible {
  public var asked: String
  public var available: [HardwareTable.ModelQuant]

  public var description: String {
    let list = available.map { "\($0.model) \($0.quant) (\($0.cells) cells measured)" }.joined(separator: ", ")
    return available.isEmpty
      ? "the chosen runs hold no cells to compare; run `strata run` first"
      : "the chosen runs have no cell with \(asked)\n  hint: they hold \(list); pick with --model and --quant"
  }
}

public enum HardwareBuilder {
  /// Groups the runs' cells of one model and quant (default: the pair most cells
  /// measured) by host, device and engine. A group measured by several runs shows
  /// the first of them that measured it (runs come newest first by default): last
  /// week's run of the same box does not mix into this week's row.
  /// Fields only a hardware row has; every other `--where` applies to the cells before
  /// the fastest of each group is chosen (`--where flash_attn=off` compares flash-off cells).
  public static let rowOnlyFields: Set<String> = ["device", "backend", "build", "cells", "peak_mib", "measured_by"]

  public static func table(
    store: ResultStore, runs: [RunSource], model: String? = nil, quant: String? = nil, query: RowQuery = RowQuery(),
    tariff: Tariff? = nil
  ) throws -> HardwareTable {
    var rows: [ComparisonRow] = []
    var engines: [String: [String: EngineIdentityLine]] = [:]
    var hosts: [String: ReportHost] = [:]
    for source in runs {
      rows += try ComparisonBuilder.rows(store: store, runId: source.id)
      engines[source.id] = Dictionary(
        try EngineSection.lines(store: store, runId: source.id).map { ($0.engine, $0) },
        uniquingKeysWith: { first, _ in first })
      hosts[source.id] = source.host
    }
    // Priced before grouping, so that `--where cost_per_mtok<…` chooses among the cells.
    return try table(
      rows: tariff.map { $0.price(rows) } ?? rows, engines: engines, hosts: hosts, model: model, quant: quant,
      query: query)
  }

  /// The grouping itself, over rows already read (tests give them directly).
  static func table(
    rows all: [ComparisonRow], engines: [String: [String: EngineIdentityLine]], hosts: [String: ReportHost],
    model: String?, quant: String?, query: RowQuery = RowQuery()
  ) throws -> HardwareTable {
    let cellFilters = query.filters.filter { !rowOnlyFields.contains($0.field) }
    let known = Set(ComparisonRow.fieldNames).union(all.flatMap(\.fields.keys))
    if let unknown = cellFilters.first(where: { !known.contains($0.field) }) {
      throw RowQueryError.unknownField(
        option: "--where", field: unknown.field, table: "hardware table",
        known: known.union(rowOnlyFields).sorted())
    }
    let rows = all.filter { row in
      let fields = row.fields
      return cellFilters.allSatisfy { $0.matches(fields[$0.field] ?? .missing) }
    }
    // A `--by` on a cell's setting splits the groups by it, so each section's rows are its own.
    let splits = query.groups.filter { !["host", "device", "engine"].contains($0) && known.contains($0) }
    let available = Self.available(rows)
    let matching = available.filter { pair in
      (model.map { pair.model.caseInsensitiveCompare($0) == .orderedSame } ?? true)
        && (quant.map { pair.quant.caseInsensitiveCompare($0) == .orderedSame } ?? true)
    }
    guard let chosen = matching.first else {
      let asked = [model.map { "model \($0)" }, quant.map { "quant \($0)" }].compactMap { $0 }
      throw HardwareSelectionError(asked: asked.joined(separator: " and "), available: available)
    }
    struct Key: Hashable {
      var host: String
      var device: String
      var engine: String
      var splits: [String]
    }
    var order: [Key] = []
    var groups: [Key: [[ComparisonRow]]] = [:]
    for row in rows where row.model == chosen.model && row.quant == chosen.quant {
      let host = hosts[row.run] ?? ReportHost(hostname: row.host)
      let fields = row.fields
      let key = Key(
        host: row.host, device: device(engines[row.run]?[row.engine], host: host), engine: row.engine,
        splits: splits.map { (fields[$0] ?? .missing).description })
      if groups[key] == nil { order.append(key) }
      if let index = groups[key]?.firstIndex(where: { $0.first?.run == row.run }) {
        groups[key]?[index].append(row)
      } else {
        groups[key, default: []].append([row])
      }
    }
    let table = order.compactMap { key -> HardwareRow? in
      // Runs in the order given (newest first by default): the first that measured the
      // group; one whose cells all failed or did not fit hides nothing older.
      guard let runs = groups[key],
        let group = runs.first(where: { $0.contains { $0.decodeTPS != nil } }) ?? runs.first,
        let best = fastest(group)
      else { return nil }
      let identity = engines[best.run]?[best.engine]
      let peak: (Int64, MemoryPeak)? =
        best.peakVRAMBytes.map { ($0, .vram) } ?? best.peakRSSBytes.map { ($0, .rss) }
      return HardwareRow(
        host: key.host, device: key.device, engine: key.engine, backend: identity?.backend,
        build: identity.flatMap(build), model: chosen.model, quant: chosen.quant, run: best.run, cell: best.cell,
        settings: best.axes, cells: group.count, scenario: best.scenario, promptTPS: best.promptTPS,
        decodeTPS: best.decodeTPS, ttftMs: best.ttftMs, loadSeconds: best.loadSeconds, peakMemoryBytes: peak?.0,
        peakMemory: peak?.1, meanPowerWatts: best.meanPowerWatts, joulesPerGeneratedToken: best.joulesPerGeneratedToken,
        powerIncludesCPU: best.powerIncludesCPU, accuracy: best.accuracy, accuracyWay: best.accuracyWay,
        status: best.status, measuredBy: identity?.mode == "llama-bench" ? "llama-bench" : "strata",
        decodeBoundTPS: best.decodeBoundTPS, idlePowerWatts: best.idlePowerWatts,
        netJoulesPerGeneratedToken: best.netJoulesPerGeneratedToken, energyCost: best.energyCost)
    }
    // Hosts, then engines, in name order, so that two reports of one database line up.
    let byHost = table.enumerated().sorted {
      ($0.element.host, $0.element.engine, $0.offset) < ($1.element.host, $1.element.engine, $1.offset)
    }
    return HardwareTable(
      model: chosen.model, quant: chosen.quant, rows: byHost.map(\.element), available: available)
  }

  /// Model and quant pairs by how many cells measured them (a decode figure), most first;
  /// ties keep the order the runs list them in.
  static func available(_ rows: [ComparisonRow]) -> [HardwareTable.ModelQuant] {
    var pairs: [HardwareTable.ModelQuant] = []
    for row in rows {
      let measured = row.decodeTPS == nil ? 0 : 1
      if let index = pairs.firstIndex(where: { $0.model == row.model && $0.quant == row.quant }) {
        pairs[index].cells += measured
      } else {
        pairs.append(HardwareTable.ModelQuant(model: row.model, quant: row.quant, cells: measured))
      }
    }
    return pairs.enumerated().sorted { ($1.element.cells, $0.offset) < ($0.element.cells, $1.offset) }.map(\.element)
  }

  /// The group's cell with the highest mean decode speed; a group where nothing
  /// decoded shows its first cell, so the row says why (its status).
  static func fastest(_ group: [ComparisonRow]) -> ComparisonRow? {
    group.filter { $0.decodeTPS != nil }.max { ($0.decodeTPS?.mean ?? 0) < ($1.decodeTPS?.mean ?? 0) } ?? group.first
  }

  /// What llama-server listed for the engine ("Vulkan0: Radeon RX 7900 XTX (RADV NAVI31)
  /// (24560 MiB, 24000 MiB free)" → "Radeon RX 7900 XTX (RADV NAVI31)"), or the CPU.
  static func device(_ identity: EngineIdentityLine?, host: ReportHost) -> String {
    let listed = (identity?.devices ?? []).map(deviceName).filter { !$0.isEmpty }
    return listed.isEmpty ? host.cpuLabel : listed.joined(separator: " + ")
  }

  static func deviceName(_ line: String) -> String {
    var text = line
    if let colon = text.range(of: ": "), !text[..<colon.lowerBound].contains(" ") {
      text = String(text[colon.upperBound...])
    }
    // The free-memory figure changes run to run; it is no part of the device's name.
    if let range = text.range(of: #" \(\d+ MiB, \d+ MiB free\)$"#, options: .regularExpression) {
      text.removeSubrange(range)
    }
    return text.trimmingCharacters(in: .whitespaces)
  }

  static func build(_ identity: EngineIdentityLine) -> String? {
    if let build = identity.build { return "b\(build)" + (identity.commit.map { " (\($0))" } ?? "") }
    return identity.version
  }
}
