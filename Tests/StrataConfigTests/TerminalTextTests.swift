import Testing

@testable import StrataConfig

@Suite("Outside text is cleaned of terminal controls")
struct TerminalTextTests {
  @Test(
    "whole escape sequences, carriage returns, DEL and C1 controls go; text, newlines and tabs stay",
    arguments: [
      ("build \u{1B}[2J\u{1B}[Hb1", "build b1"),
      ("ok\rFAKE", "okFAKE"),
      ("title \u{1B}]0;pwned\u{07}after", "title after"),
      ("link \u{1B}]8;;http://x\u{1B}\\text\u{1B}]8;;\u{1B}\\", "link text"),
      ("csi \u{9B}31m red", "csi  red"),
      ("charset \u{1B}(Bok \u{1B}cend", "charset ok end"),
      ("cut \u{1B}[31", "cut "),
      ("stray \u{9D}osc\n{\"next\": 1}", "stray \n{\"next\": 1}"),
      ("a \u{1B}[31\nb", "a \nb"),
      ("del\u{7F}", "del"),
      ("nul\u{0}byte", "nulbyte"),
      ("line 1\nline 2\tcol", "line 1\nline 2\tcol"),
      ("médecine — 数学", "médecine — 数学"),
    ])
  func cleans(input: String, expected: String) {
    #expect(TerminalText.clean(input) == expected)
  }

  @Test("a table cell stays one line")
  func singleLine() {
    #expect(TerminalText.singleLine("a\nb\tc\u{1B}[1m") == "a b c")
  }
}
