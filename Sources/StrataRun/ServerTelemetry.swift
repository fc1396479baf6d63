import Foundation
import StrataStore
import StrataTelemetry
import Synchronization

/// One server's telemetry, from before its launch to after its stop: the sampling
/// loop, and the writer that stores its samples while the server runs.
///
/// `finish()` stops the loop and writes every sample not yet stored; the sweep
/// calls it on every way out of a server's life — normal end, a failed server,
/// cancellation (Ctrl-C) — and `recording(_:)` makes that hard to forget.
public final class ServerTelemetry: Sendable {
  public let recorder: TelemetryRecorder
  private let writer: TelemetrySampleWriter
  private let finished = Mutex<(run: TelemetryRun, problems: [String])?>(nil)

  /// `makeRecorder` builds the loop around the sink it is given (the writer).
  public init(
    store: ResultStore, makeRecorder: (@escaping @Sendable ([TelemetryPoint]) -> Void) -> TelemetryRecorder
  ) {
    let writer = TelemetrySampleWriter(store: store)
    self.writer = writer
    self.recorder = makeRecorder { writer.write($0) }
  }

  public func start() { recorder.start() }

  public func attach(pid: Int32) { recorder.attach(pid: pid) }

  /// The server's row exists: its samples, those taken so far included, go to the store from now on.
  public func bind(serverId: Int64) { writer.bind(serverId: serverId) }

  /// Stops sampling and writes what is left. Returns the whole series and what
  /// went wrong on the way (sampler errors, samples that could not be stored).
  /// Safe to call more than once: later calls return the first call's answer.
  @discardableResult
  public func finish() -> (run: TelemetryRun, problems: [String]) {
    finished.withLock { finished in
      if let finished { return finished }
      let run = recorder.stop()
      let problems =
        run.errors.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" } + (writer.finish().map { [$0] } ?? [])
      finished = (run, problems)
      return (run, problems)
    }
  }

  /// Runs `body`, then finishes — whether `body` returned, threw or was cancelled.
  public func recording<T>(_ body: () async throws -> T) async throws -> T {
    do {
      let result = try await body()
      finish()
      return result
    } catch {
      finish()
      throw error
    }
  }
}

/// Writes a server's samples to the store in the batches the recorder hands over.
///
/// Sampling starts before launch (the VRAM baseline) but the server's row is
/// written once it answers /health, or once it has failed to load: points that
/// come before `bind(serverId:)` wait here and go with the first write after it.
/// Only a server that was never spawned has no row, and then its baseline
/// points are dropped with a note. A failed write keeps its points for the next
/// one, so a busy database delays samples but loses none.
final class TelemetrySampleWriter: Sendable {
  private let store: ResultStore
  private let state = Mutex(State())

  private struct State {
    var serverId: Int64?
    var waiting: [TelemetryPoint] = []
    var lastError: String?
  }

  init(store: ResultStore) { self.store = store }

  /// The recorder's sink: runs on its flush thread.
  func write(_ points: [TelemetryPoint]) {
    let (serverId, batch) = state.withLock { state -> (Int64?, [TelemetryPoint]) in
      state.waiting += points
      guard state.serverId != nil else { return (nil, []) }
      defer { state.waiting.removeAll() }
      return (state.serverId, state.waiting)
    }
    if let serverId { insert(batch, serverId: serverId) }
  }

  func bind(serverId: Int64) {
    let batch = state.withLock { state -> [TelemetryPoint] in
      state.serverId = serverId
      defer { state.waiting.removeAll() }
      return state.waiting
    }
    insert(batch, serverId: serverId)
  }

  /// Writes whatever still waits; says what could not be stored, if anything.
  func finish() -> String? {
    let (serverId, batch) = state.withLock { state -> (Int64?, [TelemetryPoint]) in
      defer { state.waiting.removeAll() }
      return (state.serverId, state.waiting)
    }
    guard let serverId else {
      // No server row to hang them on: the server was never spawned.
      return batch.isEmpty ? nil : "\(batch.count) samples of a server that never started were not stored"
    }
    insert(batch, serverId: serverId)
    return state.withLock { state in
      guard !state.waiting.isEmpty else { return nil }
      return "\(state.waiting.count) samples could not be stored: \(state.lastError ?? "unknown error")"
    }
  }

  private func insert(_ points: [TelemetryPoint], serverId: Int64) {
    guard !points.isEmpty else { return }
    do {
      try store.insert(points.map { Self.record($0, serverId: serverId) })
    } catch {
      // Kept, in front of anything newer, for the next write.
      state.withLock { state in
        state.waiting = points + state.waiting
        state.lastError = "\(error)"
      }
    }
  }

  static func record(_ point: TelemetryPoint, serverId: Int64) -> TelemetrySampleRecord {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return TelemetrySampleRecord(
      serverId: serverId, monoNanos: Int64(clamping: point.monoNanos),
      rssBytes: point.process.map { Int64(clamping: $0.rssBytes) }, cpuSeconds: point.process?.cpuSeconds,
      threads: point.process?.threads,
      devicesJSON: String(decoding: (try? encoder.encode(point.devices)) ?? Data("[]".utf8), as: UTF8.self))
  }
}
