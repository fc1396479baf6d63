import Foundation
import StrataConfig
import StrataMatrix

#if canImport(Glibc)
  import Glibc
#endif

/// Who holds a lock: written into the lock file so a refused run can name it.
public struct LockHolder: Codable, Sendable, Equatable, CustomStringConvertible {
  public var pid: Int32
  public var host: String
  public var startedAt: Double
  public var runId: String?
  public var commandLine: String

  public init(pid: Int32, host: String, startedAt: Double, runId: String?, commandLine: String) {
    self.pid = pid
    self.host = host
    self.startedAt = startedAt
    self.runId = runId
    self.commandLine = commandLine
  }

  public var description: String {
    let started = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: startedAt))
    return "pid \(pid) on \(host), started \(started)\(runId.map { ", run \($0)" } ?? ""): \(commandLine)"
  }
}

/// An exclusive lock on a file, held until `release()` or the process ends.
///
/// `flock(2)` is released by the kernel when its holder dies however it dies
/// (SIGKILL, a reboot), so a stale lock never blocks a run: the holder written in
/// the file is then only history, and taking over says so.
public final class FileLock: Sendable {
  public let path: String
  private let fd: Int32
  /// The holder recorded by a process that is gone, when this lock was taken over from it.
  public let tookOverFrom: LockHolder?

  /// Takes the lock, or throws `.held` naming its holder.
  public init(path: String, holder: LockHolder) throws(LockError) {
    self.path = path
    let directory = (path as NSString).deletingLastPathComponent
    if !directory.isEmpty {
      try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }
    let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
    let previous = Self.readHolder(fd)
    guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
      let reason = errno
      close(fd)
      guard reason == EWOULDBLOCK else { throw .cannotOpen(path: path, reason: String(cString: strerror(reason))) }
      throw .held(path: path, holder: previous)
    }
    self.fd = fd
    self.tookOverFrom = previous
    ftruncate(fd, 0)
    if let data = try? JSONEncoder().encode(holder) {
      _ = data.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
      fsync(fd)
    }
  }

  /// Who holds (or last held) the lock at `path`, without taking it.
  public static func holder(at path: String) -> LockHolder? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    return readHolder(fd)
  }

  private static func readHolder(_ fd: Int32) -> LockHolder? {
    var bytes = [UInt8](repeating: 0, count: 8192)
    let count = pread(fd, &bytes, bytes.count, 0)
    guard count > 0 else { return nil }
    return try? JSONDecoder().decode(LockHolder.self, from: Data(bytes[0..<count]))
  }

  /// Rewrites the holder (its run id is known once the run is opened).
  public func update(holder: LockHolder) {
    guard let data = try? JSONEncoder().encode(holder) else { return }
    ftruncate(fd, 0)
    _ = data.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
  }

  public func release() {
    ftruncate(fd, 0)
    flock(fd, LOCK_UN)
    close(fd)
  }
}

public enum LockError: Error, Sendable, CustomStringConvertible {
  case held(path: String, holder: LockHolder?)
  case cannotOpen(path: String, reason: String)
  case busyDevices(devices: [String], holders: [String])

  public var description: String {
    switch self {
    case .held(let path, let holder):
      "another strata holds \(path): \(holder.map(\.description) ?? "holder unknown"); wait for it to finish, or use another --db"
    case .cannotOpen(let path, let reason):
      "cannot open the lock file \(path): \(reason); check that its directory is writable"
    case .busyDevices(let devices, let holders):
      "device(s) \(devices.joined(separator: ", ")) are in use by another strata (\(holders.joined(separator: "; "))); measuring at the same time would spoil both runs' figures: wait for it (--device-busy wait) or run later"
    }
  }
}

/// The locks on the devices one run measures on, and where every lock file lives.
public final class RunLocks: Sendable {
  public let devices: [FileLock]

  init(devices: [FileLock]) { self.devices = devices }

  /// What to do when a device is held by another strata.
  public enum BusyPolicy: String, Sendable, CaseIterable {
    case wait, refuse
  }

  /// The lock file of a database: beside it, so every user of the file sees it.
  public static func databaseLockPath(_ database: String) -> String { database + ".lock" }

  /// The lock file of a device, under the state directory (one per machine and user).
  public static func deviceLockPath(_ device: String, stateDirectory: String) -> String {
    let safe = device.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? $0 : "_" }
    return "\(stateDirectory)/locks/device-\(String(safe)).lock"
  }

  /// Takes every device's lock, in a fixed order (two runs never deadlock), waiting
  /// for busy ones under `.wait` (`onWait` is told who holds them) or refusing under `.refuse`.
  public static func acquireDevices(
    _ devices: [String], stateDirectory: String, holder: LockHolder, busy: BusyPolicy,
    onWait: @Sendable (String) -> Void, pollSeconds: Double = 2
  ) async throws -> RunLocks {
    var taken: [FileLock] = []
    do {
      for device in Set(devices).sorted() {
        let path = deviceLockPath(device, stateDirectory: stateDirectory)
        var announced = false
        while true {
          let other: LockHolder?
          do {
            taken.append(try FileLock(path: path, holder: holder))
            break
          } catch {
            guard case .held(_, let holder) = error else { throw error }
            other = holder
          }
          let who = other.map(\.description) ?? "holder unknown"
          guard busy == .wait else { throw LockError.busyDevices(devices: [device], holders: [who]) }
          if !announced {
            onWait("device \(device) is in use by another strata (\(who)); waiting for it")
            announced = true
          }
          try await Task.sleep(nanoseconds: UInt64(pollSeconds * 1e9))
        }
      }
    } catch {
      taken.forEach { $0.release() }
      throw error
    }
    return RunLocks(devices: taken)
  }

  /// Notes about locks taken over from holders that are gone.
  public var takeOvers: [String] {
    devices.compactMap { lock in
      lock.tookOverFrom.map { "took over \(lock.path), last held by \($0) (no longer running)" }
    }
  }

  public func release() { devices.forEach { $0.release() } }
}

/// The devices a plan measures on, as lock keys: every GPU the host shows for an
/// engine that is not CPU-only (engines' visible-device settings are not parsed, so
/// this errs on the side of locking too much), or the backend's name when strata
/// sees no GPU (a software Vulkan device, a GPU without a DRM node).
public enum DeviceKeys {
  public static func of(_ plan: MatrixPlan, project: Project, gpus: [String]) -> [String] {
    let backends = Set(plan.engines.compactMap { project.engines[$0]?.backend }).subtracting([.cpu])
    guard !backends.isEmpty else { return [] }
    return gpus.isEmpty ? backends.map(\.rawValue).sorted() : gpus.sorted()
  }
}
