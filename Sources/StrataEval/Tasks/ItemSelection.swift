import StrataConfig

/// Picks the items a run asks: deterministic for a seed and independent of file order.
///
/// All items, sorted by id, are shuffled once with `SplitMix64(seed)`. Plain
/// selection takes a prefix of that order, so a run with limit 20 asks the first 20
/// items that a run with limit 50 asks. Stratified selection takes from each
/// category its share of the limit (`allocation`), the category's first items in
/// the same order, and keeps that order — so a category of 1% of the items is
/// neither missed nor over-weighted in a small run.
public enum ItemSelection {
  public static func select<Item: TaskItem>(
    _ items: [Item], limit: Int, seed: UInt64, byCategory: Bool = false
  ) -> [Item] {
    var generator = SplitMix64(seed: seed)
    let shuffled = items.sorted { $0.id < $1.id }.shuffled(using: &generator)
    let limit = max(0, limit)
    let keys = categoryKeys(of: shuffled)
    guard byCategory, keys.count > 1, limit < shuffled.count else { return Array(shuffled.prefix(limit)) }

    let sizes = keys.map { key in shuffled.count { $0.category == key } }
    var remaining = Dictionary(uniqueKeysWithValues: zip(keys, allocation(sizes: sizes, limit: limit)))
    return shuffled.filter { item in
      guard let left = remaining[item.category], left > 0 else { return false }
      remaining[item.category] = left - 1
      return true
    }
  }

  /// The distinct categories in a fixed order (nil, the uncategorized, first).
  static func categoryKeys<Item: TaskItem>(of items: [Item]) -> [String?] {
    let named = Set(items.compactMap(\.category)).sorted()
    let keys: [String?] = named
    return items.contains { $0.category == nil } ? [nil] + keys : keys
  }

  /// How many of `limit` items each group of `sizes` gets: largest-remainder
  /// (Hamilton) apportionment of `limit × size / total`, then, when the limit allows
  /// one per group, every empty group takes one from the group most above its
  /// exact share. Ties go to the larger group, then the earlier one.
  public static func allocation(sizes: [Int], limit: Int) -> [Int] {
    let total = sizes.reduce(0, +)
    let count = min(max(0, limit), total)
    guard total > 0, count > 0 else { return sizes.map { _ in 0 } }
    // Shares as exact fractions over `total`: share_g = count × size_g / total.
    var counts = sizes.map { count * $0 / total }
    let remainders = sizes.map { count * $0 % total }
    let byRemainder = sizes.indices.sorted {
      (remainders[$0], sizes[$0], -$0) > (remainders[$1], sizes[$1], -$1)
    }
    for index in byRemainder.prefix(count - counts.reduce(0, +)) { counts[index] += 1 }

    guard count >= sizes.count else { return counts }
    // Excess over the exact share, in units of 1/total: counts × total − count × size.
    func excess(_ index: Int) -> Int { counts[index] * total - count * sizes[index] }
    let empty = sizes.indices.filter { counts[$0] == 0 && sizes[$0] > 0 }
    for index in empty.sorted(by: { (sizes[$0], -$0) > (sizes[$1], -$1) }) {
      guard
        let donor = sizes.indices.filter({ counts[$0] > 1 }).max(by: {
          (excess($0), counts[$0], -$0) < (excess($1), counts[$1], -$1)
        })
      else { break }
      counts[donor] -= 1
      counts[index] += 1
    }
    return counts
  }
}
