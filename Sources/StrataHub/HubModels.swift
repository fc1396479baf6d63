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
  /// The project with every Hugging Face model turned into local files: the snapshot
  /// paths of the quants in the cache, ``NotPulled`` paths for the others (which fail
  /// their cells as not pulled), and those missing quants. Every quant tag stays, so
  /// the matrix expands the same whatever is pulled.
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
          files[quant] = NotPulled.path(repo: repo, revision: revision, quant: quant)
          missing.append(MissingQuant(model: model.name, quant: quant, repo: repo, revision: revision))
        }
      }
      resolved.models.models[index].source = .local(files: files)
    }
    return (resolved, missing)
  }
}
