import StrataConfig
import Testing

@testable import StrataEval

@Suite("Seeded item selection, plain and stratified by category")
struct ItemSelectionTests {
  /// `counts` items per category, ids "<category>-<n>"; nil makes uncategorized items.
  static func items(_ counts: [(String?, Int)]) -> [ExactAnswerItem] {
    counts.flatMap { category, count in
      (0..<count).map {
        ExactAnswerItem(id: "\(category ?? "none")-\($0)", category: category, question: "q", answer: "1")
      }
    }
  }

  static func counts(_ items: [ExactAnswerItem]) -> [String: Int] {
    Dictionary(grouping: items, by: { $0.category ?? "none" }).mapValues(\.count)
  }

  @Test(
    "largest-remainder allocation, one per category when the limit allows",
    arguments: [
      ([60, 30, 10], 10, [6, 3, 1]),  // exact shares
      ([90, 5, 5], 4, [2, 1, 1]),  // shares 3.6/0.2/0.2 → 4/0/0, then the large group gives one to each empty one
      ([5, 3, 2], 2, [1, 1, 0]),  // fewer slots than groups: shares 1.0/0.6/0.4, no minimum
      ([3, 3, 3], 4, [2, 1, 1]),  // equal remainders: the earlier group wins
      ([50, 49, 1], 3, [1, 1, 1]),  // shares 1.5/1.47/0.03 → 2/1/0; the 1-item group takes one from the first
      ([70, 20, 10], 5, [3, 1, 1]),  // shares 3.5/1.0/0.5 → 4/1/0 (tie 0.5 to the larger), then 3/1/1
      ([2, 3], 10, [2, 3]),  // limit above the total: everything
      ([4, 4], 0, [0, 0]),
    ])
  func allocation(sizes: [Int], limit: Int, expected: [Int]) {
    #expect(ItemSelection.allocation(sizes: sizes, limit: limit) == expected)
  }

  @Test func stratifiedSelectionTakesEachCategorysShare() {
    let items = Self.items([("Dental", 60), ("Surgery", 30), ("Anatomy", 10)])
    let chosen = ItemSelection.select(items, limit: 10, seed: 7, byCategory: true)
    #expect(Self.counts(chosen) == ["Dental": 6, "Surgery": 3, "Anatomy": 1])
    // A rare category is never left out once the limit covers every category.
    let rare = Self.items([("big", 97), ("small", 3), ("tiny", 1)])
    #expect(
      Self.counts(ItemSelection.select(rare, limit: 3, seed: 1, byCategory: true)) == ["big": 1, "small": 1, "tiny": 1])
  }

  @Test func stratifiedSelectionIsDeterministicAndKeepsTheShuffledOrder() {
    let items = Self.items([("a", 40), ("b", 25), (nil, 15)])
    let chosen = ItemSelection.select(items, limit: 12, seed: 3, byCategory: true)
    #expect(chosen == ItemSelection.select(items.reversed(), limit: 12, seed: 3, byCategory: true))
    #expect(chosen != ItemSelection.select(items, limit: 12, seed: 4, byCategory: true))
    #expect(Self.counts(chosen) == ["a": 6, "b": 4, "none": 2])
    // The chosen items appear in the order of the full shuffle (a subsequence of it).
    let everything = ItemSelection.select(items, limit: items.count, seed: 3)
    let positions = chosen.compactMap { item in everything.firstIndex(of: item) }
    #expect(positions.count == chosen.count)
    #expect(positions == positions.sorted())
  }

  @Test func aLimitAboveTheItemCountSelectsEverythingOnce() {
    let items = Self.items([("a", 3), ("b", 2)])
    let chosen = ItemSelection.select(items, limit: 50, seed: 1, byCategory: true)
    #expect(chosen.count == 5)
    #expect(Set(chosen) == Set(items))
  }

  /// The behaviour before categories existed: the id-sorted items shuffled with
  /// SplitMix64(seed), then a prefix.
  @Test func withoutCategoriesSelectionIsTheSeededPrefix() {
    let categorized = Self.items([("a", 30), ("b", 5)])
    var generator = SplitMix64(seed: 9)
    let reference = Array(categorized.sorted { $0.id < $1.id }.shuffled(using: &generator).prefix(8))
    #expect(ItemSelection.select(categorized, limit: 8, seed: 9) == reference)
    #expect(ItemSelection.select(categorized, limit: 8, seed: 9, byCategory: false) == reference)
    // Uncategorized items are selected the same way whether or not stratification is asked for.
    let plain = Self.items([(nil, 35)])
    #expect(
      ItemSelection.select(plain, limit: 8, seed: 9, byCategory: true) == ItemSelection.select(plain, limit: 8, seed: 9)
    )
  }
}
