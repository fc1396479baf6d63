import Testing

@testable import StrataConfig

@Suite("Outside text is cleaned of terminal controls")
struct TerminalTextTests {
  @Test(
    "escape sequences, carriage returns, DEL and C1 controls go; text, newlines and tabs stay",
    arguments: [
      ("build \u{1B}[2J\u{1B}[Hb1", "build [2J[Hb1"),
      ("ok\rFAKE", "okFAKE"),
      ("title \u{1B}]0;pwned\u{07}", "title ]0;pwned"),
      ("csi \u{9B}31m red", "csi 31m red"),
      ("del\u{7F}", "del"),
      ("nul\u{0}byte", "nulbyte"),
      ("line 1\nline 2\tcol", "line 1\nline 2\tcol"),
      ("médecine — 数学", "médecine — 数学"),
    ])
  func cleans(input: String, expected: String) {
    #expect(TerminalText.clean(input) == expected)
  }
}
