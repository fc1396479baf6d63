import Foundation
import StrataConfig

/// Text that came from outside strata — a model's reply, a server's log line, a
/// hostname from a merged database — made safe for where a report shows it. A
/// reply can hold terminal escape sequences (which would recolour, retitle or
/// clear the operator's terminal) and markup (which a Markdown viewer renders).
public enum TextSafety {
  /// For a terminal table cell: escape sequences and controls removed, one line.
  public static func terminal(_ text: String) -> String { TerminalText.singleLine(text) }

  /// For a Markdown table cell: HTML's special characters as entities; the table's
  /// `|`, code spans and `*` emphasis escaped (not `_`, which GitHub leaves alone
  /// inside a word, so "Q4_K_M" stays readable); lines joined with `<br>`; escape
  /// sequences and controls removed.
  public static func markdownCell(_ text: String) -> String {
    var output = ""
    for scalar in TerminalText.clean(text).unicodeScalars {
      switch scalar {
      case "&": output += "&amp;"
      case "<": output += "&lt;"
      case ">": output += "&gt;"
      case "|", "`", "*", "\\": output += "\\" + String(scalar)
      // `](` is where a link or an image starts to point: a name from another database
      // must not become one. Brackets alone stay, so "0.35 [0.18–0.57]" reads as it is.
      case "(" where output.hasSuffix("]"): output += "\\("
      case "\n": output += "<br>"
      case "\t": output += " "
      default: output.unicodeScalars.append(scalar)
      }
    }
    return output
  }
}
