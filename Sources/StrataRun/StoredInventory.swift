import Foundation
import StrataStore
import StrataTelemetry

/// The machine a stored run used, decoded: its host inventory and which samplers worked there.
public struct StoredInventory: Sendable, Equatable {
  public var host: HostInventory
  /// Every sampler strata considered, in order; empty for runs stored before v3.
  public var samplers: [SamplerStatus]

  /// Reads the inventory of `runId`; nil when there is no such run. Throws
  /// `StoreError` when the database cannot be read, `InventoryDecodeError` when
  /// the stored JSON is not an inventory.
  public static func read(from store: ResultStore, runId: String) throws -> StoredInventory? {
    guard let stored = try store.inventory(runId: runId) else { return nil }
    do {
      let host = try JSONDecoder().decode(HostInventory.self, from: Data(stored.hostJSON.utf8))
      return StoredInventory(
        host: host,
        samplers: stored.samplers.map { SamplerStatus(sampler: $0.sampler, available: $0.available, reason: $0.reason) }
      )
    } catch {
      throw InventoryDecodeError(database: store.path, runId: runId, underlying: "\(error)")
    }
  }
}

/// A run's stored host inventory that this strata cannot decode.
public struct InventoryDecodeError: Error, Sendable, CustomStringConvertible {
  public var database: String
  public var runId: String
  public var underlying: String

  public var description: String {
    "database \(database): run \(runId) has a host inventory this strata cannot read: \(underlying)\n  hint: the run was probably written by another strata version; read it with that version, or `strata report` still shows its figures"
  }
}
