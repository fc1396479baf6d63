import Plot

/// What every chart element lives in: SVG drawn by strata, embedded in the HTML report
/// or written on its own.
public enum ChartContext {}
public typealias SVGNode = Node<ChartContext>

/// Plot escapes text but passes attribute values through as given, and keeps an
/// existing entity (`&amp;`) as one: outside text goes through here first, so a
/// model's reply reaches the page as the characters it was and never as markup.
public enum Markup {
  /// Text content: `&` is made an entity before Plot escapes `<` and `>`, so what the
  /// model wrote as `&lt;` shows as `&lt;`; control characters become visible symbols.
  public static func text(_ value: String) -> String {
    visible(value).replacingOccurrences(of: "&", with: "&amp;")
  }

  /// An attribute value, fully escaped (Plot does not escape attributes).
  public static func attribute(_ value: String) -> String {
    var escaped = ""
    escaped.reserveCapacity(value.utf8.count)
    for character in visible(value) {
      switch character {
      case "&": escaped += "&amp;"
      case "<": escaped += "&lt;"
      case ">": escaped += "&gt;"
      case "\"": escaped += "&quot;"
      case "'": escaped += "&#39;"
      default: escaped.append(character)
      }
    }
    return escaped
  }

  /// C0 controls other than tab and newlines as their Unicode control pictures (ESC as ␛),
  /// C1 controls and DEL as U+FFFD: not valid in XML, and a terminal escape sequence in
  /// a reply should be seen for what it is rather than vanish.
  static func visible(_ value: String) -> String {
    guard value.unicodeScalars.contains(where: isControl) else { return value }
    var result = String.UnicodeScalarView()
    for scalar in value.unicodeScalars {
      if scalar.value < 0x20, scalar != "\t", scalar != "\n", scalar != "\r" {
        result.append(Unicode.Scalar(0x2400 + scalar.value) ?? "\u{FFFD}")
      } else if scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value) {
        result.append("\u{FFFD}")
      } else {
        result.append(scalar)
      }
    }
    return String(result)
  }

  private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
    (scalar.value < 0x20 && scalar != "\t" && scalar != "\n" && scalar != "\r")
      || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value)
  }
}

extension Node {
  /// An element with attributes (escaped here) and children.
  static func tag(_ name: String, _ attributes: KeyValuePairs<String, String> = [:], _ children: [Node] = []) -> Node {
    .element(
      named: name,
      nodes: attributes.map { Node.attribute(named: $0.key, value: Markup.attribute($0.value)) } + children)
  }

  /// An element with attributes and outside text as its content.
  static func tag(_ name: String, _ attributes: KeyValuePairs<String, String> = [:], text: String) -> Node {
    tag(name, attributes, [.text(Markup.text(text))])
  }

  /// Outside text, safe as content.
  static func safeText(_ value: String) -> Node { .text(Markup.text(value)) }
}
