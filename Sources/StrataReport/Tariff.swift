import Foundation

/// What a kWh costs, as the operator wrote it (`--tariff 0.30/kWh`, `€0.30/kWh`,
/// `0.30 EUR/kWh`): the price and the currency text around it, shown back as written.
public struct Tariff: Sendable, Hashable, Codable {
  public var perKWh: Double
  public var currency: String
  /// `€0.30` rather than `0.30 EUR`.
  public var currencyFirst: Bool

  public init(perKWh: Double, currency: String = "", currencyFirst: Bool = false) {
    self.perKWh = perKWh
    self.currency = currency
    self.currencyFirst = currencyFirst
  }

  /// Parses `[currency]number[ currency]/kWh`; the `/kWh` may be left out.
  public static func parse(_ text: String) throws(TariffError) -> Tariff {
    var body = text.trimmingCharacters(in: .whitespaces)
    if let slash = body.range(of: "/kwh", options: [.caseInsensitive, .backwards, .anchored]) {
      body.removeSubrange(slash)
    } else if body.contains("/") {
      throw .notPerKWh(text)
    }
    guard let number = body.range(of: #"[0-9]+(\.[0-9]+)?|\.[0-9]+"#, options: .regularExpression),
      let value = Double(body[number]), value.isFinite, value >= 0, value < 1_000_000
    else { throw .noPrice(text) }
    let before = body[..<number.lowerBound].trimmingCharacters(in: .whitespaces)
    let after = body[number.upperBound...].trimmingCharacters(in: .whitespaces)
    guard before.isEmpty || after.isEmpty, !(before + after).contains(where: \.isNumber) else {
      throw .noPrice(text)
    }
    // A currency is letters or a currency sign: "-1" is a negative price, not "-" per kWh.
    let currency = before + after
    guard currency.count <= 8, currency.allSatisfy({ $0.isLetter || $0.isCurrencySymbol }) else {
      throw .noPrice(text)
    }
    return Tariff(perKWh: value, currency: currency, currencyFirst: !before.isEmpty)
  }

  /// The cost of `joulesPerToken` over a million tokens: 1e6 J is 1/3.6 kWh.
  public func perMillionTokens(joulesPerToken: Double) -> Double {
    joulesPerToken * 1e6 / 3.6e6 * perKWh
  }

  /// An amount in this tariff's currency, with three significant digits: a small model
  /// on a big GPU costs fractions of a cent per million tokens.
  public func text(_ amount: Double) -> String {
    let digits = amount >= 100 ? 0 : amount >= 10 ? 1 : amount >= 1 ? 2 : amount >= 0.1 ? 3 : 4
    let number = String(format: "%.\(digits)f", amount)
    guard !currency.isEmpty else { return number }
    return currencyFirst ? currency + number : number + " " + currency
  }

  /// "0.30 EUR/kWh" or "€0.30/kWh", for legends.
  public var description: String {
    let price = String(format: "%g", perKWh)
    return (currency.isEmpty ? price : currencyFirst ? currency + price : price + " " + currency) + "/kWh"
  }
}

public enum TariffError: Error, Sendable, Equatable, CustomStringConvertible {
  case noPrice(String)
  case notPerKWh(String)

  public var description: String {
    switch self {
    case .noPrice(let text):
      "--tariff \(text): no price per kWh; write it as 0.30/kWh, €0.30/kWh or 0.30 EUR/kWh"
    case .notPerKWh(let text):
      "--tariff \(text): strata prices energy per kWh; convert the tariff and write it as 0.30/kWh"
    }
  }
}

/// The electricity a million generated tokens cost above idle, at a tariff.
public struct EnergyCost: Sendable, Hashable, Codable {
  public var perMillionTokens: Double
  public var tariff: Tariff

  public var text: String { tariff.text(perMillionTokens) }
}

extension Tariff {
  /// Prices each row's energy above idle (where its power was sampled).
  public func price(_ rows: [ComparisonRow]) -> [ComparisonRow] {
    rows.map { row in
      var row = row
      row.energyCost = row.netJoulesPerGeneratedToken.map {
        EnergyCost(perMillionTokens: perMillionTokens(joulesPerToken: $0), tariff: self)
      }
      return row
    }
  }
}
