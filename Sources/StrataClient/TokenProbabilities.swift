import Foundation

/// One candidate for the next token, with the model's probability for it.
public struct TokenCandidate: Sendable, Hashable, Codable {
  public var id: Int
  /// The token's text (may begin with a space, as the tokenizer spells it).
  public var token: String
  /// Natural-log probability before sampling (the model's own distribution).
  public var logprob: Double
  public var probability: Double { exp(logprob) }

  public init(id: Int, token: String, logprob: Double) {
    self.id = id
    self.token = token
    self.logprob = logprob
  }
}

extension LlamaServerClient {
  /// The model's `count` most likely next tokens after `prompt`: POST /completion
  /// with `n_predict` 1, `n_probs`, greedy, not streamed, and `post_sampling_probs`
  /// false so the probabilities are the full softmax, not the sampler's truncated
  /// list. Reads `completion_probabilities[0].top_logprobs` (`probs_vector_to_json`
  /// in tools/server/server-task.cpp: `id`, `token`, `bytes`, `logprob`).
  public func nextTokenCandidates(
    prompt: String, count: Int, cachePrompt: Bool = true
  ) async throws(HTTPClientError) -> [TokenCandidate] {
    let url = baseURL + "/completion"
    let body = ProbabilitiesWire(prompt: prompt, nProbs: count, cachePrompt: cachePrompt)
    let bytes: [UInt8]
    do {
      bytes = Array(try JSONEncoder().encode(body))
    } catch {
      throw .decoding(url: url, message: "could not encode the request: \(error)")
    }
    let response = try await http.postJSON(url, body: bytes)
    guard response.isSuccess else {
      throw .status(url: url, status: response.status, body: HTTPClientError.truncate(response.body))
    }
    do {
      let decoded = try JSONDecoder().decode(ProbabilitiesResponse.self, from: Data(response.body))
      guard let first = decoded.completionProbabilities.first else {
        throw HTTPClientError.decoding(url: url, message: "completion_probabilities is empty")
      }
      return first.topLogprobs
    } catch let error as HTTPClientError {
      throw error
    } catch {
      throw .decoding(url: url, message: "\(error)")
    }
  }
}

struct ProbabilitiesWire: Encodable {
  var prompt: String
  var nPredict = 1
  var nProbs: Int
  var temperature = 0.0
  var stream = false
  var cachePrompt: Bool
  var postSamplingProbs = false

  enum CodingKeys: String, CodingKey {
    case prompt, temperature, stream
    case nPredict = "n_predict"
    case nProbs = "n_probs"
    case cachePrompt = "cache_prompt"
    case postSamplingProbs = "post_sampling_probs"
  }
}

struct ProbabilitiesResponse: Decodable {
  struct Position: Decodable {
    var topLogprobs: [TokenCandidate]
    enum CodingKeys: String, CodingKey { case topLogprobs = "top_logprobs" }
  }
  var completionProbabilities: [Position]
  enum CodingKeys: String, CodingKey { case completionProbabilities = "completion_probabilities" }
}
