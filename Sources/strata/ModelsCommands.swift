import ArgumentParser
import Foundation
import StrataConfig
import StrataHub
import StrataMatrix
import Synchronization

struct ModelsGroupCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "models",
    abstract: "Models from Hugging Face: pull them into its cache, and list where every model is.",
    subcommands: [ModelsPullCommand.self, ModelsListCommand.self])
}

struct ModelsPullCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "pull",
    abstract: "Download the GGUF files of `repo_id:` models into the Hugging Face cache.",
    discussion: """
      Each quant tag is resolved through the Hub API at one commit (split files
      -0000N-of-0000M too), downloaded with HTTP Range resume, checked against the
      SHA-256 the Hub reports, and stored the way huggingface-cli and llama.cpp's -hf
      store them (models--owner--name/blobs, snapshots/<commit>): files any of them
      fetched are reused. HF_TOKEN (or `huggingface-cli login`) for gated repositories,
      HF_ENDPOINT for a mirror, HF_HUB_CACHE or HF_HOME for the cache, HF_HUB_OFFLINE=1
      to use the cache only.
      """)

  @OptionGroup var options: ProjectOptions

  @Argument(help: "Models to pull (default: every `repo_id:` model in models.yaml).")
  var names: [String] = []

  @Option(help: "Only these quant tags (repeatable; default: the model's quant_tags).")
  var quant: [String] = []

  func run() async throws {
    let host = LiveHost.context()
    let models = try loadModelsFile(options, host: host)
    let hubModels = models.models.filter {
      if case .huggingFace = $0.source { return true }
      return false
    }
    var chosen: [ModelSpec] = []
    for name in names {
      guard let spec = models.model(named: name) else {
        let known = models.models.map(\.name)
        let close = Suggestions.closest(to: name, in: known).map { "did you mean '\($0)'? " } ?? ""
        printError("unknown model '\(name)'; \(close)models.yaml has \(Suggestions.list(known))")
        throw ExitCode(2)
      }
      guard case .huggingFace = spec.source else {
        printError("model '\(name)' (\(spec.location)) is not a Hugging Face model: nothing to pull")
        throw ExitCode(2)
      }
      chosen.append(spec)
    }
    if names.isEmpty { chosen = hubModels }
    guard !chosen.isEmpty else {
      printError("models.yaml has no `repo_id:` models: nothing to pull")
      return
    }
    let terminal = ProgressLine(interactive: host.interactive)
    var failures = 0
    for spec in chosen {
      guard case .huggingFace(_, let tags, _) = spec.source else { continue }
      let wanted = quant.isEmpty ? tags : tags.filter { quant.contains($0) }
      if wanted.isEmpty {
        printError(
          "model '\(spec.name)' offers none of \(quant.joined(separator: ", ")) (its quant_tags: \(tags.joined(separator: ", ")))"
        )
        failures += 1
        continue
      }
      do {
        for pulled in try await HubPulling.pull(spec, quants: wanted, host: host, terminal: terminal) {
          emit(HubPulling.summary(pulled))
        }
      } catch {
        terminal.finish()
        printError("\(spec.name): \(error)")
        if case .cancelled = error { throw ExitCode(130) }
        failures += 1
      }
    }
    if failures > 0 { throw ExitCode(1) }
  }
}

struct ModelsListCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "list", abstract: "Every model and quant of models.yaml, and whether its file is here.")

  @OptionGroup var options: ProjectOptions

  func run() async throws {
    let host = LiveHost.context()
    let models = try loadModelsFile(options, host: host)
    let cache = HubCache.standard(environment: host.environment, home: host.directories.home)
    var rows: [[String]] = [["model", "quant", "source", "state", "file"]]
    for model in models.models {
      switch model.source {
      case .local(let files):
        for (quant, path) in files.sorted(by: { $0.key < $1.key }) {
          let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
          rows.append([model.name, quant, "file", size.map { ByteCount.text($0) } ?? "missing", path])
        }
      case .huggingFace(let repo, let quants, let revision):
        for quant in quants {
          let found = HubLocator.find(cache: cache, model: model.name, repo: repo, revision: revision, quant: quant)
          rows.append([
            model.name, quant, "hf \(repo)\(revision.map { "@\($0)" } ?? "")",
            found.map { ByteCount.text($0.bytes) } ?? "not pulled", found?.primary ?? "-",
          ])
        }
      case .api(let provider, let baseURL, _, let name):
        rows.append([model.name, "-", "\(provider) API", name, baseURL])
      }
    }
    let widths = (0..<5).map { column in rows.map { $0[column].count }.max() ?? 0 }
    for row in rows {
      emit(
        row.enumerated().map {
          $0.offset == 4 ? $0.element : $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0)
        }
        .joined(separator: "  "))
    }
    emit("Hugging Face cache: \(cache.root)")
  }
}

/// models.yaml alone, its errors printed as the user should see them (exit 2).
func loadModelsFile(_ options: ProjectOptions, host: HostContext) throws -> ModelsFile {
  do {
    return try ProjectLoader.loadModels(directory: options.directory, expander: host.pathExpander)
  } catch {
    printError(error.description)
    throw ExitCode(2)
  }
}

/// The pull step `strata models pull` and `strata run` share.
enum HubPulling {
  static func puller(host: HostContext, terminal: ProgressLine) -> ModelPuller {
    let cache = HubCache.standard(environment: host.environment, home: host.directories.home)
    let endpoint = HubEndpoint.from(environment: host.environment, home: host.directories.home)
    let bar = PullBar(terminal: terminal)
    return ModelPuller(cache: cache, endpoint: endpoint, onEvent: { bar.show($0) })
  }

  static func pull(_ spec: ModelSpec, quants: [String], host: HostContext, terminal: ProgressLine)
    async throws(HubError) -> [PulledQuant]
  {
    guard case .huggingFace(let repo, _, let revision) = spec.source else { return [] }
    terminal.note("\(spec.name): resolving \(quants.joined(separator: ", ")) in \(repo)@\(revision ?? "main")")
    let pulled = try await puller(host: host, terminal: terminal).pull(
      model: spec.name, repo: repo, revision: revision, quants: quants)
    terminal.finish()
    return pulled
  }

  static func summary(_ pulled: PulledQuant) -> String {
    let parts = pulled.paths.count > 1 ? " (\(pulled.paths.count) parts)" : ""
    let how =
      pulled.transferred == 0
      ? "already in the cache" : "\(ByteCount.text(pulled.transferred)) downloaded"
    return
      "\(pulled.model) \(pulled.quant): \(ByteCount.text(pulled.bytes))\(parts), \(how), commit \(pulled.commit.prefix(12)) → \(pulled.primary)"
  }

  /// Resolves the project's Hugging Face models through the cache and, unless `noPull`,
  /// pulls the quants the plan needs that are missing. Returns the project to run.
  static func prepare(
    _ project: Project, plan: MatrixPlan, host: HostContext, noPull: Bool, terminal: ProgressLine
  ) async throws -> Project {
    let cache = HubCache.standard(environment: host.environment, home: host.directories.home)
    let needed = Set(plan.groups.map { "\($0.key.model)\u{0}\($0.key.quant)" })
    let (resolved, missing) = HubModels.resolve(project, cache: cache)
    let wanted = missing.filter { needed.contains("\($0.model)\u{0}\($0.quant)") }
    guard !wanted.isEmpty else { return resolved }
    if noPull {
      printError(
        (["--no-pull: the matrix needs model files that are not in the Hugging Face cache (\(cache.root)):"]
          + wanted.map { "  \($0)" }).joined(separator: "\n"))
      let names = Set(wanted.map(\.model)).sorted().joined(separator: " ")
      printError("hint: `strata models pull \(names)` fetches them, or run without --no-pull")
      throw ExitCode(2)
    }
    for name in Set(wanted.map(\.model)).sorted() {
      guard let spec = project.model(named: name) else { continue }
      let quants = wanted.filter { $0.model == name }.map(\.quant)
      do {
        for pulled in try await pull(spec, quants: quants, host: host, terminal: terminal) {
          terminal.note(summary(pulled))
        }
      } catch {
        terminal.finish()
        printError("\(name): \(error)")
        if case .cancelled = error { throw ExitCode(130) }
        printError("hint: nothing was run; fix the above and start again (downloaded bytes are kept and resumed)")
        throw ExitCode(1)
      }
    }
    return HubModels.resolve(project, cache: cache).project
  }
}

/// A download's progress: a bar rewritten in place on a terminal, a line per quarter otherwise.
final class PullBar: Sendable {
  private let terminal: ProgressLine
  private let state = Mutex<(file: String, quarter: Int, started: Double, startBytes: Int)>(("", -1, 0, 0))

  init(terminal: ProgressLine) { self.terminal = terminal }

  func show(_ event: PullEvent) {
    switch event {
    case .note(let text):
      terminal.note(text)
    case .progress(let file, let received, let total):
      let now = Date().timeIntervalSince1970
      let (quarterChanged, rate) = state.withLock { state -> (Bool, Double) in
        if state.file != file { state = (file, -1, now, received) }
        let quarter = total > 0 ? received * 4 / total : 4
        let changed = quarter != state.quarter
        state.quarter = quarter
        let elapsed = now - state.started
        return (changed, elapsed > 0 ? Double(received - state.startBytes) / elapsed : 0)
      }
      let percent = total > 0 ? Double(received) * 100 / Double(total) : 100
      let filled = Int(percent / 5)
      let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: max(0, 20 - filled))
      let line =
        "\((file as NSString).lastPathComponent) [\(bar)] \(String(format: "%3.0f", percent))% "
        + "\(ByteCount.text(received)) of \(ByteCount.text(total)), \(ByteCount.text(Int(rate)))/s"
      if terminal.interactive {
        terminal.overwrite(line)
      } else if quarterChanged {
        terminal.note(line)
      }
    }
  }
}
