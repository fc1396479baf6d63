import StrataClient

/// Why a pull or a cache lookup failed; each message says what to do.
public enum HubError: Error, Sendable, CustomStringConvertible {
  /// 401/403: a gated or private repository, or a token that is wrong.
  case unauthorized(repo: String, status: Int, tokenSent: Bool)
  /// 404: no such repository, revision or file.
  case notFound(repo: String, what: String)
  /// The Hub answered something strata cannot read.
  case badAnswer(url: String, message: String)
  /// The Hub could not be reached, or kept failing, after every attempt.
  case unreachable(url: String, attempts: Int, last: String)
  /// No GGUF file of the repository carries the quant tag.
  case noQuant(repo: String, quant: String, offered: [String])
  /// Several different GGUF files carry the quant tag.
  case ambiguousQuant(repo: String, quant: String, candidates: [String])
  /// A split GGUF with parts missing from the repository.
  case incompleteSplit(repo: String, first: String, expected: Int, found: Int)
  /// A file's bytes did not match the digest the Hub reports, again after refetching.
  case checksumMismatch(file: String, expected: String, actual: String, attempts: Int)
  /// 429 or 5xx on every attempt: the Hub is rate-limiting or failing.
  case throttled(url: String, status: Int, retryAfter: String?, attempts: Int)
  /// Ctrl-C or the timer's stop came during the pull.
  case cancelled
  /// The Hub listed a file whose path or digest strata will not write into the cache.
  case unsafeEntry(repo: String, entry: String, reason: String)
  /// `HF_HUB_OFFLINE=1` and the files are not in the cache.
  case offline(repo: String, revision: String)
  /// A local file operation failed.
  case io(path: String, message: String)

  public var description: String {
    switch self {
    case .unauthorized(let repo, let status, let tokenSent):
      let what = tokenSent ? "the token (HF_TOKEN, or huggingface-cli login's) was refused" : "no token was sent"
      return "Hugging Face refused \(repo) (HTTP \(status)): \(what). Either repo_id in models.yaml is misspelt "
        + "(the Hub answers 401 for a repository that does not exist), or the repository is gated or private: "
        + "accept its terms on huggingface.co/\(repo), then export HF_TOKEN=<a read token> and pull again"
    case .notFound(let repo, let what):
      return "Hugging Face has no \(what) in \(repo) (HTTP 404); check repo_id and revision in models.yaml"
    case .badAnswer(let url, let message):
      return "could not read the answer from \(url): \(message); is HF_ENDPOINT a Hugging Face Hub?"
    case .unreachable(let url, let attempts, let last):
      return "could not fetch \(url) after \(attempts) attempt(s): \(last); "
        + "check the network (or HF_ENDPOINT), then pull again: finished bytes are kept and resumed"
    case .noQuant(let repo, let quant, let offered):
      let list = offered.isEmpty ? "it has no GGUF files" : "it offers \(offered.joined(separator: ", "))"
      return "\(repo) has no GGUF file for quant \(quant) (\(list)); fix quant_tags in models.yaml"
    case .ambiguousQuant(let repo, let quant, let candidates):
      return "\(repo) has several GGUF files for quant \(quant): \(candidates.joined(separator: ", ")); "
        + "download the one you mean and list it under `files:` instead"
    case .incompleteSplit(let repo, let first, let expected, let found):
      return "\(repo): the split GGUF \(first) has \(found) of its \(expected) parts; the repository is incomplete"
    case .checksumMismatch(let file, let expected, let actual, let attempts):
      return "\(file): the downloaded bytes do not match the Hub's digest after \(attempts) attempt(s) "
        + "(expected \(expected), got \(actual)); a proxy or the disk may be corrupting data, nothing was kept"
    case .throttled(let url, let status, _, let attempts):
      let why =
        status == 429
        ? "rate-limited (HTTP 429); wait a while, or set HF_TOKEN: logged-in users get higher limits"
        : "failing (HTTP \(status)); try again later"
      return "the Hub kept answering \(url) with HTTP \(status) over \(attempts) attempt(s): it is \(why). "
        + "Finished bytes are kept and resumed"
    case .cancelled:
      return "the pull was interrupted; finished bytes are kept and the next pull resumes them"
    case .unsafeEntry(let repo, let entry, let reason):
      return "\(repo) lists '\(entry)', which strata will not store (\(reason)); is HF_ENDPOINT a trusted Hub mirror?"
    case .offline(let repo, let revision):
      return "\(repo)@\(revision) is not in the Hugging Face cache and HF_HUB_OFFLINE=1 forbids fetching it; "
        + "unset HF_HUB_OFFLINE and run `strata models pull`"
    case .io(let path, let message):
      return "\(path): \(message)"
    }
  }
}
