import Foundation
import StrataClient
import StrataConfig

/// A multiple-choice answer read from the model's next-token distribution
/// instead of its generated text: the probability of each option letter right
/// after "Answer:", normalised over the options.
public struct LetterLikelihoodAnswer: Sendable, Hashable, Codable {
  /// Option label → probability normalised over the options (sums to 1 when any was seen).
  public var distribution: [String: Double]
  /// The most probable option, nil when no option letter was among the candidates.
  public var chosen: String?
  /// `distribution[chosen]`: the model's confidence in its choice, in (0, 1].
  public var confidence: Double?
  /// The raw probability mass the option letters had among all next tokens: low
  /// mass means the model wanted to say something else (a word, a newline).
  public var letterMass: Double
}

/// Reads option probabilities from next-token candidates.
///
/// A letter may come as "B" or " B" (tokenizers differ on the leading space):
/// every candidate whose text, trimmed, equals a label counts for that label. A
/// label outside the returned top-N candidates gets probability 0; with 20+
/// candidates and 4–5 options this loses at most the mass beyond the Nth token.
public enum LetterLikelihood {
  public static func answer(
    candidates: [TokenCandidate], labels: [String]
  ) -> LetterLikelihoodAnswer {
    var mass: [String: Double] = [:]
    let wanted = Set(labels)
    for candidate in candidates {
      let text = candidate.token.trimmingCharacters(in: .whitespaces)
      if wanted.contains(text) { mass[text, default: 0] += candidate.probability }
    }
    let total = mass.values.reduce(0, +)
    guard total > 0 else {
      return LetterLikelihoodAnswer(
        distribution: Dictionary(uniqueKeysWithValues: labels.map { ($0, 0) }), chosen: nil, confidence: nil,
        letterMass: 0)
    }
    let distribution = Dictionary(uniqueKeysWithValues: labels.map { ($0, (mass[$0] ?? 0) / total) })
    // Ties go to the earlier label, so the choice never depends on dictionary order.
    let chosen = labels.max { (distribution[$0] ?? 0) < (distribution[$1] ?? 0) }
    return LetterLikelihoodAnswer(
      distribution: distribution, chosen: chosen, confidence: chosen.flatMap { distribution[$0] }, letterMass: total)
  }

  /// Asks the server for the next-token candidates after `prompt`, the item's
  /// completion prompt (`MultipleChoicePrompt.completionText`: few-shot or
  /// zero-shot, OLMES layout, ending in "Answer:"). The caller builds it once, to
  /// send and to hash.
  public static func ask(
    _ item: MultipleChoiceItem, prompt: String, client: LlamaServerClient, candidates: Int = 40
  ) async throws -> LetterLikelihoodAnswer {
    let top = try await client.nextTokenCandidates(prompt: prompt, count: candidates)
    return answer(candidates: top, labels: item.choices.map(\.label))
  }
}
