import StrataConfig

/// A quant of a Hugging Face model that is not in the cache yet.
public struct MissingQuant: Sendable, Equatable, CustomStringConvertible {
  public var model: String
  public var quant: String
  public var repo: String
  public var revision: String?

  public var description: String {
    "\(model) \(quant): from Hugging Face \(repo)\(revision.map { "@\($0)" } ?? ""), not pulled yet"
  }
}

/// Hugging Face models, seen through the cache.
public enum HubModels {
  /// The project with every Hugging Face model whose quants are all in the cache turned
  /// into local files (the snapshot paths), and the quants still missing. A model with
  /// any quant missing keeps its `repo_id` source, so the matrix expands the same either way.
  public static func resolve(_ project: Project, cache: HubCache) -> (project: Project, missing: [MissingQuant]) {
    var resolved = project
    var missing: [MissingQuant] = []
    for (index, model) in project.models.models.enumerated() {
      guard case .huggingFace(let repo, let quants, let revision) = model.source else { continue }
      var files: [String: String] = [:]
      for quant in quants {
        if let found = HubLocator.find(cache: cache, model: model.name, repo: repo, revision: revision, quant: quant) {
          files[quant] = found.primary
        } else {
          missing.append(MissingQuant(model: model.name, quant: quant, repo: repo, revision: revision))
        }
      }
      if files.count == quants.count { resolved.models.models[index].source = .local(files: files) }
    }
    return (resolved, missing)
  }
}
