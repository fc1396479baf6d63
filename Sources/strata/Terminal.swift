import ArgumentParser
@preconcurrency import Dispatch
import Foundation
import StrataConfig
import StrataEngine
import StrataMatrix
import StrataReport
import StrataRun
import StrataStore
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// A line on stderr. Every message may carry outside text (log tails, server
/// errors, paths), so it is cleaned of terminal controls here, in one place.
///
/// Off a terminal (journald, a log file) each line starts with an ISO 8601 timestamp,
/// so an unattended night reads as a log.
func printError(_ message: String) {
  var clean = TerminalText.clean(message)
  if !clean.hasSuffix("\n") { clean += "\n" }
  if isatty(STDERR_FILENO) != 1 {
    let stamp = LogStamp.now()
    clean = clean.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { "\(stamp) \($0)\n" }
      .joined()
  }
  FileHandle.standardError.write(Data(clean.utf8))
}

enum LogStamp {
  static func now() -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    return formatter.string(from: Date())
  }
}

/// Output on stdout, cleaned of terminal controls like ``printError(_:)``: tables
/// hold item categories, model names and build strings from outside.
func emit(_ text: String, terminator: String = "\n") {
  print(TerminalText.clean(text), terminator: terminator)
}

/// The progress line: rewritten in place on a terminal, one line per milestone otherwise (logs, CI).
final class ProgressLine: Sendable {
  let interactive: Bool
  private let state = LockedState()

  init(interactive: Bool) { self.interactive = interactive }

  func show(_ event: ProgressEvent) {
    switch event {
    case .runStarted(let runId, let cells, let groups):
      note("run \(runId): \(cells) cells in \(groups) server load groups")
    case .serverStarting(let group, let of, let label):
      state.set(prefix: "[server \(group)/\(of)] \(label)")
      update("loading…")
    case .serverReady(let seconds):
      note("\(state.prefix): ready in \(String(format: "%.2f", seconds)) s")
    case .memoryChecked(let verdict, let cells):
      switch verdict.outcome {
      case .fits: note("\(state.prefix): memory \(verdict.detail)")
      case .unknown: note("\(state.prefix): memory not checked: \(verdict.detail)")
      case .doesNotFit:
        note("\(state.prefix): does not fit, \(cells) cell(s) skipped (--no-fit-check tries anyway): \(verdict.detail)")
      }
    case .cellStarted(let index, let of, let label, let eta):
      state.set(prefix: "[cell \(index)/\(of)] \(label)")
      if interactive {
        update("starting" + (eta.map { ", about \(Duration.words($0)) left after this one" } ?? ""))
      } else {
        note("\(state.prefix): started\(eta.map { "; about \(Duration.words($0)) of the run left after it" } ?? "")")
      }
    case .perfRepetition(let scenario, let repetition, let of, let tps):
      update("\(scenario) repetition \(repetition)/\(of): decode \(String(format: "%.1f", tps)) t/s")
    case .taskItem(let task, let index, let of, _):
      update("\(task) item \(index)/\(of)")
    case .cellFinished(_, let status, let detail):
      note("\(state.prefix): \(status.rawValue)\(detail.map { " — \($0)" } ?? "")")
    case .telemetryProblem(let message):
      note("telemetry: \(message) (recorded; the run goes on)")
    case .noiseCheck(let label, let scenario):
      state.set(prefix: "[noise check] \(label)")
      note("[noise check] measuring \(label) \(scenario) again on a fresh server, for `strata diff`")
    case .warning(let message):
      note("warning: \(message)")
    case .runResumed(let runId, let kept, let left):
      note("resuming run \(runId): \(kept) cell(s) kept from before, \(left) to run")
    case .budgetExhausted(_, let message):
      note("budget: \(message)")
    case .runFinished:
      break
    }
  }

  /// A line that stays.
  func note(_ text: String) {
    if interactive { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    printError(text)
  }

  private func update(_ text: String) {
    overwrite("\(state.prefix): \(text)")
  }

  /// Rewrites the line in place (on a terminal only).
  func overwrite(_ text: String) {
    guard interactive else { return }
    let line = TerminalText.clean(text)
    FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).prefix(400).utf8))
  }

  func finish() {
    if interactive { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
  }
}

private final class LockedState: Sendable {
  private let value = Mutex("")
  var prefix: String { value.withLock { $0 } }
  func set(prefix: String) { value.withLock { $0 = prefix } }
}

/// Turns SIGINT, SIGTERM, SIGHUP and SIGQUIT into cancellation, once; a second
/// signal kills every server at once and exits. The only place strata handles signals.
final class SignalForwarder {
  private let sources: [any DispatchSourceSignal]

  /// `onFirst` runs on the first signal; on the second, every server is killed,
  /// `onLast` runs (to mark the database) and strata exits with 130.
  init(registry: ProcessRegistry, onFirst: @escaping @Sendable () -> Void, onLast: @escaping @Sendable () -> Void) {
    let count = SignalCount()
    sources = [SIGINT, SIGTERM, SIGHUP, SIGQUIT].map { number in
      signal(number, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
      source.setEventHandler {
        if count.increment() == 1 {
          onFirst()
        } else {
          registry.killAll()
          onLast()
          exit(130)
        }
      }
      source.resume()
      return source
    }
  }

  func cancel() {
    sources.forEach { $0.cancel() }
  }
}

private final class SignalCount: Sendable {
  private let value = Mutex(0)
  func increment() -> Int {
    value.withLock {
      $0 += 1
      return $0
    }
  }
}

/// Human summary of a plan, for `strata validate`.
enum PlanPrinter {
  static func describe(_ plan: MatrixPlan) -> String {
    var lines = ["\(plan.cells.count) cells in \(plan.groups.count) load groups (one server each):"]
    for (index, group) in plan.groups.enumerated() {
      let flags = group.cells.first?.cell.flagArguments.joined(separator: " ") ?? ""
      lines.append("  server \(index + 1): \(group.key.engine) \(group.key.model) \(group.key.quant) \(flags)")
      for plan in group.cells {
        let scenarios = plan.scenarios.map(\.name).joined(separator: ",")
        let tasks = plan.tasks.map { "\($0.name)\($0.limit.map { "×\($0)" } ?? "")" }.joined(separator: ",")
        let sampling =
          plan.cell.sampling.isEmpty
          ? ""
          : " "
            + plan.cell.sampling.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue)=\($0.value)" }
            .joined(separator: " ")
        lines.append(
          "    cell \(plan.cell.id)\(sampling): scenarios \(scenarios.isEmpty ? "-" : scenarios) × \(plan.repeats), tasks \(tasks.isEmpty ? "-" : tasks)"
        )
      }
    }
    if !plan.skipped.isEmpty {
      lines.append("\(plan.skipped.count) cells left out:")
      for skipped in plan.skipped {
        lines.append(
          "  \(skipped.cell.engine) \(skipped.cell.model) \(skipped.cell.quant) \(skipped.cell.variantLabel): \(skipped.reason)"
        )
      }
    }
    return lines.joined(separator: "\n")
  }
}

/// Writes a file under a temporary name beside it, then renames it into place: a reader
/// (node_exporter, a browser, a mail client) never sees half a file, and a failed write
/// leaves the old one. Exits 1 with what to check when it cannot.
func writeAtomically(_ text: String, to output: String) throws {
  let temporary = output + ".\(getpid()).tmp"
  do {
    try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
    if rename(temporary, output) != 0 { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
  } catch {
    unlink(temporary)
    printError("cannot write \(output): \(error.localizedDescription); check the directory exists and is writable")
    throw ExitCode(1)
  }
}

/// Runs the reading part of a report command. An error its input caused (a file that
/// is no strata database, a run it does not hold, a field a table lacks, a model no
/// cell measured) is printed with its hint and exits 2; anything else goes on up.
func exitingOnInputErrors<T>(_ body: () throws -> T) throws -> T {
  do {
    return try body()
  } catch let error as StoreError {
    printError(error.description)
  } catch let error as ReportSelectionError {
    printError(error.description)
  } catch let error as RowQueryError {
    printError(error.description)
  } catch let error as HardwareSelectionError {
    printError(error.description)
  }
  throw ExitCode(2)
}
