/// Everything strata reads from a project directory, cross-checked.
public struct Project: Sendable {
  public var models: ModelsFile
  /// Engines by name (the base names of `engines/*.yaml`).
  public var engines: [String: EngineSpec]
  /// Tasks by name (the base names of `tasks/*.yaml`).
  public var tasks: [String: TaskSpec]
  public var matrix: MatrixSpec
  /// The matrix file that was read.
  public var matrixPath: String

  /// Assembles a project without any checks (`ProjectLoader.load` is the checked way).
  public init(
    models: ModelsFile, engines: [String: EngineSpec], tasks: [String: TaskSpec], matrix: MatrixSpec,
    matrixPath: String
  ) {
    self.models = models
    self.engines = engines
    self.tasks = tasks
    self.matrix = matrix
    self.matrixPath = matrixPath
  }

  /// The model called `named`, if models.yaml defines it.
  public func model(named name: String) -> ModelSpec? {
    models.model(named: name)
  }
}
