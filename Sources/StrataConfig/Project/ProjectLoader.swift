import Foundation

/// Reads and cross-checks a whole project directory.
public enum ProjectLoader {
  /// Loads models.yaml, engines/*.yaml, tasks/*.yaml from `directory` and the matrix file (default directory/matrix.yaml), then checks every cross reference.
  /// Throws ConfigErrors collected into `ConfigErrors` (all problems found, not just the first, sorted by file then line).
  ///
  /// Error positions use `directory` joined with the file's relative path. A missing
  /// `engines/` or `tasks/` folder is an error only when the matrix names an engine or
  /// a task; names whose own file failed to parse are not reported again as unknown.
  public static func load(
    directory: String, matrixPath: String? = nil, expander: PathExpander
  ) throws(ConfigErrors) -> Project {
    var errors: [ConfigError] = []
    let modelsPath = join(directory, "models.yaml")
    var models: (file: ModelsFile, declaredNames: Set<String>)?
    do {
      let text = try YAMLLoader.readText(
        path: modelsPath, displayName: modelsPath,
        missingHint:
          "create models.yaml with a `models:` list, e.g. `models: [{name: tiny, path: ~/models/tiny.Q8_0.gguf}]`")
      let result = try ModelsFileParser.parseCollecting(yaml: text, file: modelsPath, expander: expander)
      models = (result.file, result.declaredNames)
      errors += result.errors
    } catch {
      errors += error.errors
    }

    let engines = loadFolder(join(directory, "engines"), errors: &errors) { text, file throws(ConfigErrors) in
      try EngineSpecParser.parse(yaml: text, file: file, expander: expander)
    }
    let tasks = loadFolder(join(directory, "tasks"), errors: &errors) { text, file throws(ConfigErrors) in
      try TaskSpecParser.parse(yaml: text, file: file, expander: expander)
    }

    let resolvedMatrixPath = matrixPath ?? join(directory, "matrix.yaml")
    var matrix: MatrixSpec?
    do {
      let text = try YAMLLoader.readText(
        path: resolvedMatrixPath, displayName: resolvedMatrixPath,
        missingHint: "create matrix.yaml with `axes: {engine: [cpu], model: [my-model]}`, or pass another matrix file")
      let result = try MatrixSpecParser.parseCollecting(yaml: text, file: resolvedMatrixPath)
      matrix = result.spec
      errors += result.errors
    } catch {
      errors += error.errors
    }

    if let matrix {
      var checker = CrossChecker(
        models: models, engines: engines, tasks: tasks, enginesFolder: join(directory, "engines"),
        tasksFolder: join(directory, "tasks"))
      checker.check(matrix)
      errors += checker.errors
    }

    guard errors.isEmpty, let models, let matrix else {
      throw ConfigErrors(errors: errors).sorted()
    }
    return Project(
      models: models.file, engines: engines.specs, tasks: tasks.specs, matrix: matrix,
      matrixPath: resolvedMatrixPath)
  }

  /// Only `directory/models.yaml`, for `strata models`.
  public static func loadModels(directory: String, expander: PathExpander) throws(ConfigErrors)
    -> ModelsFile
  {
    let path = join(directory, "models.yaml")
    let text = try YAMLLoader.readText(
      path: path, displayName: path, missingHint: "run in the project directory, or pass --project")
    return try ModelsFileParser.parse(yaml: text, file: path, expander: expander)
  }

  /// Only `directory/engines/*.yaml`, for `strata engines`; a missing folder is an error here.
  public static func loadEngines(
    directory: String, expander: PathExpander
  ) throws(ConfigErrors) -> [String: EngineSpec] {
    var errors: [ConfigError] = []
    let path = join(directory, "engines")
    let folder = loadFolder(path, errors: &errors) { text, file throws(ConfigErrors) in
      try EngineSpecParser.parse(yaml: text, file: file, expander: expander)
    }
    if !folder.exists {
      errors.append(
        ConfigError(
          location: SourceLocation(file: path), message: "no engines/ folder",
          hint: "run in the project directory, or pass --project"))
    }
    guard errors.isEmpty else { throw ConfigErrors(errors: errors).sorted() }
    return folder.specs
  }

  /// What one `engines/` or `tasks/` folder held.
  struct Folder<Spec> {
    var exists: Bool
    var specs: [String: Spec]
    /// Base names of every YAML file, including the ones that failed to parse.
    var declaredNames: Set<String>
  }

  /// Parses every `*.yaml`/`*.yml` file of `path` (sorted by name); a missing folder is not an error here.
  static func loadFolder<Spec>(
    _ path: String, errors: inout [ConfigError], parse: (String, String) throws(ConfigErrors) -> Spec
  ) -> Folder<Spec> {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue,
      let names = try? FileManager.default.contentsOfDirectory(atPath: path)
    else { return Folder(exists: false, specs: [:], declaredNames: []) }
    var folder = Folder<Spec>(exists: true, specs: [:], declaredNames: [])
    var firstFile: [String: String] = [:]
    for name in names.sorted() where !name.hasPrefix(".") && (name.hasSuffix(".yaml") || name.hasSuffix(".yml")) {
      let file = join(path, name)
      let base = FileNames.baseName(of: name)
      if let first = firstFile[base] {
        errors.append(
          ConfigError(
            location: SourceLocation(file: file), message: "'\(base)' is already defined by \(first)",
            hint: "keep one of the two files"))
        continue
      }
      firstFile[base] = file
      folder.declaredNames.insert(base)
      do {
        let text = try YAMLLoader.readText(path: file, displayName: file, missingHint: "")
        folder.specs[base] = try parse(text, file)
      } catch {
        errors += error.errors
      }
    }
    return folder
  }

  /// `directory/name`, keeping `directory` as written.
  static func join(_ directory: String, _ name: String) -> String {
    (directory as NSString).appendingPathComponent(name)
  }
}
