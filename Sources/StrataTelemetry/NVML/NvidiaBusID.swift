/// PCI addresses as NVIDIA tools print them, turned into the sysfs form strata uses as a device id.
public enum NvidiaBusID {
  /// Normalises an NVML / nvidia-smi bus id to lower-case "dddd:bb:dd.f".
  ///
  /// NVML's `busId` is "%08X:%02X:%02X.0" ("00000000:0A:00.0"), nvidia-smi prints the same;
  /// sysfs names the device "0000:0a:00.0". A missing domain ("0A:00.0") means domain 0.
  /// Returns nil when the text is not a PCI address.
  public static func normalize(_ text: String) -> String? {
    let parts = NvidiaText.trim(text).split(separator: ":", omittingEmptySubsequences: false)
    guard parts.count == 2 || parts.count == 3 else { return nil }
    let domainText = parts.count == 3 ? parts[0] : "0"
    let slot = parts[parts.count - 1].split(separator: ".", omittingEmptySubsequences: false)
    guard slot.count == 2,
      let domain = UInt32(domainText, radix: 16),
      let bus = UInt8(parts[parts.count - 2], radix: 16),
      let device = UInt8(slot[0], radix: 16), device < 32,
      let function = UInt8(slot[1], radix: 16), function < 8
    else { return nil }
    return format(domain: domain, bus: UInt32(bus), device: UInt32(device), function: UInt32(function))
  }

  /// Formats PCI coordinates as "dddd:bb:dd.f" in lower-case hex (domain at least 4 digits).
  public static func format(domain: UInt32, bus: UInt32, device: UInt32, function: UInt32 = 0) -> String {
    "\(hex(domain, width: 4)):\(hex(bus, width: 2)):\(hex(device, width: 2)).\(String(function, radix: 16))"
  }

  private static func hex(_ value: UInt32, width: Int) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
  }
}

/// Text helpers shared by the NVIDIA parsers (no Foundation needed).
enum NvidiaText {
  /// `text` without leading and trailing white space (spaces, tabs, CR, LF).
  static func trim<S: StringProtocol>(_ text: S) -> Substring {
    let text = Substring(text)
    guard let start = text.firstIndex(where: { !$0.isWhitespace }),
      let end = text.lastIndex(where: { !$0.isWhitespace })
    else { return "" }
    return text[start...end]
  }
}
