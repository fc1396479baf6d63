import Foundation
import StrataConfig
import StrataMatrix

extension Project {
  /// The engine and model file a load group's server starts with, or why it cannot start.
  public func server(for key: LoadGroupKey) throws(SweepError) -> (EngineSpec, String) {
    guard let engine = engines[key.engine] else { throw .unknownEngine(key.engine) }
    guard let model = model(named: key.model) else { throw .unknownModel(key.model) }
    guard case .local(let files) = model.source else { throw .modelNotLocal(model.name) }
    guard let path = files[key.quant] else { throw .missingQuant(model: model.name, quant: key.quant) }
    if NotPulled.repository(of: path) != nil { throw .modelNotLocal(model.name) }
    guard FileManager.default.fileExists(atPath: path) else { throw .modelFileMissing(model: model.name, path: path) }
    return (engine, path)
  }
}

/// A load group that cannot be started for a reason strata can name.
public enum SweepError: Error, Sendable, CustomStringConvertible {
  case unknownEngine(String)
  case unknownModel(String)
  case modelNotLocal(String)
  case missingQuant(model: String, quant: String)
  case modelFileMissing(model: String, path: String)

  public var description: String {
    switch self {
    case .unknownEngine(let name): "engine '\(name)' is not defined in engines/"
    case .unknownModel(let name): "model '\(name)' is not defined in models.yaml"
    case .modelNotLocal(let name):
      "model '\(name)' has no local file: a Hugging Face model that was not pulled (`strata models pull \(name)`), or an API model, which sweeps do not run"
    case .missingQuant(let model, let quant): "model '\(model)' has no file for quant \(quant)"
    case .modelFileMissing(let model, let path):
      "model '\(model)': \(path) does not exist; run scripts/setup (it fetches the demo models) or fix models.yaml"
    }
  }
}
