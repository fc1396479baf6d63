import Testing

@testable import StrataReport

@Suite("--tariff: a price per kWh, and what a million tokens cost above idle")
struct TariffTests {
  @Test(
    "the ways an operator writes a tariff",
    arguments: [
      ("0.30/kWh", 0.30, "", false), ("€0.30/kWh", 0.30, "€", true), ("0.30 EUR/kWh", 0.30, "EUR", false),
      ("$0.12/KWH", 0.12, "$", true), (".25", 0.25, "", false), ("  £0.2 /kWh ", 0.2, "£", true),
    ])
  func parses(_ text: String, _ price: Double, _ currency: String, _ first: Bool) throws {
    #expect(try Tariff.parse(text) == Tariff(perKWh: price, currency: currency, currencyFirst: first))
  }

  @Test("what is no tariff says how to write one", arguments: ["", "cheap", "0.30/MWh", "€0.30 EUR", "1e3/kWh", "-1"])
  func refuses(_ text: String) {
    #expect(throws: TariffError.self) { try Tariff.parse(text) }
  }

  @Test("a million tokens at 0.462 J each is 0.128 kWh: €0.0385 at €0.30/kWh")
  func cost() throws {
    let tariff = try Tariff.parse("€0.30/kWh")
    let cost = tariff.perMillionTokens(joulesPerToken: 0.462)
    #expect(abs(cost - 0.462 / 3.6 * 0.30) < 1e-12)
    #expect(tariff.text(cost) == "€0.0385" && tariff.description == "€0.3/kWh")
    #expect(try Tariff.parse("0.30 EUR/kWh").text(12.345) == "12.3 EUR")
    #expect("\(TariffError.notPerKWh("0.30/MWh"))".contains("per kWh"))
    let priced = tariff.price([ComparisonRow.blank(net: 0.462), ComparisonRow.blank(net: nil)])
    #expect(priced.map { $0.energyCost?.text } == ["€0.0385", nil], "no power sampled: no cost")
  }
}

extension ComparisonRow {
  static func blank(net: Double?) -> ComparisonRow {
    var row = ComparisonRow(
      cell: "c", engine: "cpu", model: "m", quant: "q", axes: [:], status: "done", tasks: [])
    row.netJoulesPerGeneratedToken = net
    return row
  }
}
