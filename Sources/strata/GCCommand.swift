import ArgumentParser
import Foundation
import StrataEngine

struct GCCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "gc",
    abstract: "Remove servers an earlier, crashed strata left running.",
    discussion: """
      strata labels every container it starts and keeps a lease file for every \
      llama-server process while it runs. When strata is killed outright (SIGKILL, \
      out of memory), those servers stay behind; `strata gc` removes the labelled \
      containers (podman and docker) and stops the leased processes whose strata \
      process is gone. Servers of a strata that still runs are left alone.
      """)

  @Flag(help: "Only list what would be removed.")
  var dryRun = false

  func run() async throws {
    let host = LiveHost.context()
    let collector = LeftoverCollector(
      environment: host.environment, leases: LeaseBook.standard(stateDirectory: host.directories.state),
      procRoot: host.roots.proc)
    let (leftovers, problems) = await collector.find()
    for problem in problems { printError("note: \(problem)") }
    guard !leftovers.isEmpty else {
      emit("nothing to clean up: no strata container or server process outlived its strata")
      return
    }
    var failures = 0
    for leftover in leftovers {
      if dryRun {
        emit("would remove \(leftover)")
      } else if let failure = await collector.remove(leftover) {
        failures += 1
        printError("could not remove \(leftover): \(failure)")
      } else {
        emit("removed \(leftover)")
      }
    }
    if failures > 0 { throw ExitCode(1) }
  }
}
