import GRDB

/// Where a run stands. `partial` is a run that stopped with cells left (a budget
/// ran out, or some cells failed): `strata run --resume` continues it.
public enum RunStatus: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
  case running, done, partial, failed, interrupted

  /// A run `--resume` may continue: anything but a finished one.
  public var isUnfinished: Bool { self != .done }
}

/// Where one cell of a run stands.
public enum CellStatus: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
  case planned, running, done, failed, skipped
}

/// Why a cell failed or was skipped, as a kind the table and `--retry-failed` can act on.
/// The cell's `failure` text has the detail (the error, the figures, the log lines).
public enum FailureKind: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
  /// The server never answered /health.
  case loadFailed = "load failed"
  /// The server stopped answering mid-request (no token within the bound).
  case timeout
  /// The server process died mid-cell.
  case serverDied = "server died"
  /// Host or device memory ran out (llama.cpp allocation failures, the OOM killer).
  case outOfMemory = "out of memory"
  /// The memory prediction from the GGUF header says the cell cannot load here.
  case doesNotFit = "does not fit"
  /// strata was stopped while the cell ran; `--resume` redoes what is missing.
  case interrupted
  /// The matrix or the host rules the cell out (an engine that cannot run here).
  case excluded
  /// Anything else strata can name but not classify.
  case error
}
