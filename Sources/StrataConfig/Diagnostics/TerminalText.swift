/// Text from outside strata (a server's error body, a log tail, `/props` build
/// info, an item's category, a model's reply) made safe for a terminal.
///
/// Such text can carry escape sequences that move the cursor, rewrite earlier
/// lines, retitle the window or hide what follows; a terminal obeys them. Every
/// C0 control but newline and tab is removed (ESC and carriage return among
/// them), and so are DEL and the C1 controls (U+0080–U+009F, which some
/// terminals read as CSI). Printable text, newlines and tabs are kept as they are.
public enum TerminalText {
  public static func clean(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: isControl) else { return text }
    var scalars = String.UnicodeScalarView()
    scalars.append(contentsOf: text.unicodeScalars.lazy.filter { !isControl($0) })
    return String(scalars)
  }

  static func isControl(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x0A, 0x09: false
    case 0x00...0x1F, 0x7F, 0x80...0x9F: true
    default: false
    }
  }
}
