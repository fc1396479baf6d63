import Plot

/// What every chart element lives in: SVG drawn by strata, embedded in the HTML report
/// or written on its own.
public enum ChartContext {}
public typealias SVGNode = Node<ChartContext>

/// Plot escapes text but passes attribute values through as given, keeps an existing
/// entity (`&amp;`) as one, and compares whole characters (a `<` with a combining mark
/// after it is not `<` to Swift, but is to a browser). Outside text goes through here
/// first, escaped scalar by scalar, so a model's reply reaches the page as the characters
/// it was and never as markup.
public enum Markup {
  /// Text content: `&`, `<` and `>` as entities (Plot then keeps them as they are);
  /// control characters become visible symbols.
  public static func text(_ value: String) -> String { escaped(value, quotes: false) }

  /// An attribute value, quotes included (Plot does not escape attributes).
  public static func attribute(_ value: String) -> String { escaped(value, quotes: true) }

  static func escaped(_ value: String, quotes: Bool) -> String {
    var result = String.UnicodeScalarView()
    for scalar in value.unicodeScalars {
      switch scalar {
      case "&": result.append(contentsOf: "&amp;".unicodeScalars)
      case "<": result.append(contentsOf: "&lt;".unicodeScalars)
      case ">": result.append(contentsOf: "&gt;".unicodeScalars)
      case "\"" where quotes: result.append(contentsOf: "&quot;".unicodeScalars)
      case "'" where quotes: result.append(contentsOf: "&#39;".unicodeScalars)
      default: result.append(visible(scalar))
      }
    }
    return String(result)
  }

  /// C0 controls other than tab and newlines as their Unicode control pictures (ESC as ␛);
  /// C1 controls, DEL and the XML noncharacters U+FFFE/U+FFFF as U+FFFD: none is valid in
  /// XML, and a terminal escape sequence in a reply should be seen rather than vanish.
  static func visible(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
    let value = scalar.value
    if value < 0x20, scalar != "\t", scalar != "\n", scalar != "\r" {
      return Unicode.Scalar(0x2400 + value) ?? "\u{FFFD}"
    }
    if value == 0x7F || (0x80...0x9F).contains(value) || value == 0xFFFE || value == 0xFFFF { return "\u{FFFD}" }
    return scalar
  }

  /// A fragment identifier made from outside text: letters, digits, `-` and `_` kept,
  /// anything else as its code point, so it can neither break an attribute nor collide.
  public static func identifier(_ value: String) -> String {
    var result = ""
    for scalar in value.unicodeScalars {
      if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "-" {
        result.unicodeScalars.append(scalar)
      } else {
        result += "_\(String(scalar.value, radix: 16))"
      }
    }
    return result
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
