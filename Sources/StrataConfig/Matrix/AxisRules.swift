import Yams

/// Validation and normalisation of the values each axis accepts.
enum AxisRules {
  static let flashAttnValues = ["on", "off", "auto"]

  /// Every axis name usable in axes, exclude rules and override conditions.
  static let axisNames =
    ["engine", "model", "quant"] + ServerFlag.allCases.map(\.rawValue)
    + SamplingParameter.allCases.map(\.rawValue)

  /// Where an axis is declared: `axes.engine`, `axes.args.threads`, `axes.sampling.seed`.
  static func declaration(of axis: String) -> String {
    if ServerFlag(rawValue: axis) != nil { return "axes.args.\(axis)" }
    if SamplingParameter(rawValue: axis) != nil { return "axes.sampling.\(axis)" }
    return "axes.\(axis)"
  }

  /// The normalised value of `node` for `axis`, or nil after recording why not; `what` names the place.
  static func value(for axis: String, _ node: Node, what: String, reader: inout ConfigReader) -> AxisValue? {
    if let flag = ServerFlag(rawValue: axis) { return flagValue(flag, node, what: what, reader: &reader) }
    switch SamplingParameter(rawValue: axis) {
    case .temperature: return reader.double(node, what, range: 0...2).map(AxisValue.double)
    case .seed: return reader.int(node, what, range: 0...Int.max).map(AxisValue.int)
    case .topP: return reader.double(node, what, range: 0...1).map(AxisValue.double)
    case nil: return reader.string(node, what).map(AxisValue.string)
    }
  }

  private static func flagValue(_ flag: ServerFlag, _ node: Node, what: String, reader: inout ConfigReader)
    -> AxisValue?
  {
    switch flag {
    case .batch, .ubatch, .threads, .ctx:
      return reader.int(node, what, range: 1...Int.max).map(AxisValue.int)
    case .parallel:
      return reader.int(node, what, range: 1...256).map(AxisValue.int)
    case .ngl:
      return reader.int(node, what, range: 0...Int.max).map(AxisValue.int)
    case .ctk:
      guard let text = reader.string(node, what) else { return nil }
      guard ServerFlag.cacheTypes.contains(text) else {
        let hint = Suggestions.closest(to: text, in: ServerFlag.cacheTypes).map { "did you mean '\($0)'?" }
        reader.error(
          "invalid ctk value '\(text)' in \(what); expected one of \(Suggestions.list(ServerFlag.cacheTypes))",
          at: node, hint: hint ?? "")
        return nil
      }
      return .string(text)
    case .flashAttn:
      guard let scalar = reader.scalar(node, what, expected: "on, off or auto") else { return nil }
      switch scalar {
      case .bool(let on): return .string(on ? "on" : "off")
      case .string(let text) where flashAttnValues.contains(text): return .string(text)
      default:
        let shown: String
        if case .scalar(let raw) = node { shown = raw.string } else { shown = "" }
        reader.error(
          "invalid flash_attn value '\(shown)' in \(what); expected on, off or auto", at: node,
          hint: "true and false are accepted as on and off")
        return nil
      }
    }
  }
}
