/// Text from outside strata (a server's error body, a log tail, `/props` build
/// info, an item's category, a model's reply) made safe for a terminal.
///
/// Such text can carry escape sequences that move the cursor, rewrite earlier
/// lines, retitle the window or hide what follows; a terminal obeys them. Whole
/// sequences go — CSI (`ESC [` or the 8-bit U+009B, up to its final byte), the
/// string ones (OSC, DCS, APC, PM, SOS, up to BEL or ST) and the short `ESC x`
/// ones — so no `[2J` is left behind to confuse a reader. A sequence ends at the
/// end of its line at the latest: an unterminated one (a stray U+009D in a model's
/// reply) costs the rest of that line, never the rest of a CSV or JSON output.
/// Every other C0 control
/// but newline and tab is removed (carriage return among them), and so are DEL
/// and the C1 controls. Printable text, newlines and tabs are kept as they are.
public enum TerminalText {
  public static func clean(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: isControl) else { return text }
    var output = String.UnicodeScalarView()
    var scalars = text.unicodeScalars.makeIterator()
    while let scalar = scalars.next() {
      let stop: Unicode.Scalar?
      switch scalar.value {
      case 0x1B: stop = skipEscape(&scalars)
      case 0x9B: stop = skipCSI(&scalars)
      case 0x90, 0x98, 0x9D, 0x9E, 0x9F: stop = skipString(&scalars)
      default:
        if !isControl(scalar) { output.append(scalar) }
        stop = nil
      }
      if let stop { output.append(stop) }
    }
    return String(output)
  }

  /// One line for a table cell: cleaned, with newlines and tabs as spaces.
  public static func singleLine(_ text: String) -> String {
    String(
      String.UnicodeScalarView(
        clean(text).unicodeScalars.map { $0 == "\n" || $0 == "\t" ? " " : $0 }))
  }

  static func isControl(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x0A, 0x09: false
    case 0x00...0x1F, 0x7F, 0x80...0x9F: true
    default: false
    }
  }

  // Each skipper returns the newline that cut its sequence short, for the caller to keep.

  private static func skipEscape(_ scalars: inout String.UnicodeScalarView.Iterator) -> Unicode.Scalar? {
    guard let next = scalars.next() else { return nil }
    switch next {
    case "\n": return next
    case "[": return skipCSI(&scalars)
    case "]", "P", "X", "^", "_": return skipString(&scalars)
    default:
      // `ESC c`, `ESC 7`, and charset selections such as `ESC ( B`: intermediates, then one final byte.
      var byte = next
      while (0x20...0x2F).contains(byte.value), let following = scalars.next() {
        if following == "\n" { return following }
        byte = following
      }
      return nil
    }
  }

  private static func skipCSI(_ scalars: inout String.UnicodeScalarView.Iterator) -> Unicode.Scalar? {
    while let scalar = scalars.next() {
      if scalar == "\n" { return scalar }
      if (0x40...0x7E).contains(scalar.value) { return nil }
    }
    return nil
  }

  private static func skipString(_ scalars: inout String.UnicodeScalarView.Iterator) -> Unicode.Scalar? {
    var escape = false
    while let scalar = scalars.next() {
      if scalar == "\n" { return scalar }
      if scalar.value == 0x07 || scalar.value == 0x9C || (escape && scalar == "\\") { return nil }
      escape = scalar.value == 0x1B
    }
    return nil
  }
}
