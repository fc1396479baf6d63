/// Checks that every name in matrix.yaml exists in the rest of the project.
struct CrossChecker {
  let models: (file: ModelsFile, declaredNames: Set<String>)?
  let engines: ProjectLoader.Folder<EngineSpec>
  let tasks: ProjectLoader.Folder<TaskSpec>
  let enginesFolder: String
  let tasksFolder: String
  var errors: [ConfigError] = []

  init(
    models: (file: ModelsFile, declaredNames: Set<String>)?, engines: ProjectLoader.Folder<EngineSpec>,
    tasks: ProjectLoader.Folder<TaskSpec>, enginesFolder: String, tasksFolder: String
  ) {
    self.models = models
    self.engines = engines
    self.tasks = tasks
    self.enginesFolder = enginesFolder
    self.tasksFolder = tasksFolder
  }

  /// Records an error for every reference that does not resolve.
  mutating func check(_ matrix: MatrixSpec) {
    let references = matrix.references
    checkNames(
      references.filter { $0.kind == .engine }, kind: "engine", folder: engines, folderPath: enginesFolder)
    checkNames(references.filter { $0.kind == .task }, kind: "task", folder: tasks, folderPath: tasksFolder)
    if let models {
      let known = models.file.models.map(\.name)
      for reference in references where reference.kind == .model && !models.declaredNames.contains(reference.name) {
        errors.append(
          ConfigError(
            location: reference.location, message: "unknown model '\(reference.name)'",
            hint: hint(for: reference.name, known: known, what: "models (in models.yaml)")))
      }
      checkRunnable(references.filter { $0.kind == .model }, models: models.file)
      checkQuants(references.filter { $0.kind == .quant }, selected: matrix.axes.models, models: models)
    }
  }

  /// Engines or tasks: each must have a file in its folder.
  private mutating func checkNames<Spec>(
    _ references: [MatrixReference], kind: String, folder: ProjectLoader.Folder<Spec>, folderPath: String
  ) {
    guard let first = references.first else { return }
    guard folder.exists else {
      errors.append(
        ConfigError(
          location: first.location, message: "\(kind)s folder not found: \(folderPath)",
          hint: "create \(folderPath)/<name>.yaml for each \(kind) the matrix names"))
      return
    }
    let known = folder.specs.keys.sorted()
    for reference in references where !folder.declaredNames.contains(reference.name) {
      errors.append(
        ConfigError(
          location: reference.location, message: "unknown \(kind) '\(reference.name)'",
          hint: hint(for: reference.name, known: known, what: "\(kind)s (files in \(kind)s/)")))
    }
  }

  /// Each model the matrix names must be one a sweep can run: GGUF files on disk, or
  /// in a Hugging Face repository (pulled before the sweep). `provider:` entries parse
  /// (judges use them), but a matrix that selects one is refused here, at its position.
  private mutating func checkRunnable(_ references: [MatrixReference], models: ModelsFile) {
    for reference in references {
      guard let spec = models.model(named: reference.name) else { continue }
      let declared = spec.location.line > 0 ? " (declared at \(spec.location))" : ""
      switch spec.source {
      case .local, .huggingFace: continue
      case .api(let provider, _, _, _):
        errors.append(
          ConfigError(
            location: reference.location,
            message: "model '\(reference.name)'\(declared) is an API model (\(provider)), which sweeps do not run",
            hint: "remove it from the matrix's model axis; API models are meant for judges, not sweeps"))
      }
    }
  }

  /// Each quant must be offered by at least one selected model.
  private mutating func checkQuants(
    _ references: [MatrixReference], selected: [String], models: (file: ModelsFile, declaredNames: Set<String>)
  ) {
    let specs = selected.compactMap { models.file.model(named: $0) }
    // Skip when a selected model is unknown or invalid: its quants are not known.
    guard !references.isEmpty, !specs.isEmpty, specs.count == selected.count else { return }
    let offered = Set(specs.flatMap(\.quants))
    for reference in references where !offered.contains(reference.name) {
      let summary = specs.map { spec in
        spec.quants.isEmpty ? "\(spec.name) has none" : "\(spec.name) offers \(spec.quants.joined(separator: ", "))"
      }
      errors.append(
        ConfigError(
          location: reference.location,
          message: "quant '\(reference.name)' is not offered by any selected model",
          hint: summary.joined(separator: "; ")))
    }
  }

  /// `did you mean 'x'? ` followed by the known names, e.g. `known engines (files in engines/): cpu`.
  private func hint(for name: String, known: [String], what: String) -> String {
    guard !known.isEmpty else { return "there are no \(what) yet" }
    let close = Suggestions.closest(to: name, in: known).map { "did you mean '\($0)'? " } ?? ""
    return "\(close)known \(what): \(Suggestions.list(known))"
  }
}
