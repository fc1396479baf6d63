/// Incremental Server-Sent Events parser following the W3C EventSource rules
/// (HTML Living Standard, "Parsing an event stream").
///
/// - Lines end with "\n", "\r\n" or a lone "\r"; a "\r\n" split across two `feed` calls
///   counts as one line ending.
/// - `data:` lines of one event are joined with "\n"; a blank line dispatches the event.
/// - Lines starting with ":" are comments (llama-server sends ":\n\n" as a keep-alive ping,
///   tools/server/server-context.cpp) and are ignored.
/// - One optional space after the colon is stripped; a line without a colon is a field
///   name with an empty value. `id` and `retry` are accepted and ignored.
/// - A leading UTF-8 byte-order mark is skipped.
///
/// Pure value type: the same bytes give the same events however they are chunked, which
/// is what the tests check byte by byte.
public struct SSEParser: Sendable {
  private var line: [UInt8] = []
  private var afterCR = false
  private var atStreamStart = true
  private var dataBuffer = ""
  private var hasData = false
  private var eventType = ""

  /// Creates a parser at the start of a stream.
  public init() {}

  /// Consumes the next bytes of the stream and returns the events they complete, in order.
  public mutating func feed(_ bytes: some Collection<UInt8>) -> [(event: String?, data: String)] {
    var events: [(event: String?, data: String)] = []
    for byte in bytes {
      if afterCR {
        afterCR = false
        if byte == UInt8(ascii: "\n") { continue }
      }
      switch byte {
      case UInt8(ascii: "\n"):
        processLine(into: &events)
      case UInt8(ascii: "\r"):
        afterCR = true
        processLine(into: &events)
      default:
        line.append(byte)
      }
    }
    return events
  }

  /// Ends the stream. Deliberately more lenient than W3C (which drops an event that is
  /// not followed by a blank line): an unterminated last line is processed and a pending
  /// event is dispatched, so a server that closes right after its last `data:` line
  /// loses nothing. Resets the parser for reuse.
  public mutating func finish() -> [(event: String?, data: String)] {
    var events: [(event: String?, data: String)] = []
    if !line.isEmpty { processLine(into: &events) }
    processLine(into: &events)  // acts as the dispatching blank line
    self = SSEParser()
    return events
  }

  private mutating func processLine(into events: inout [(event: String?, data: String)]) {
    var bytes = line[...]
    line.removeAll(keepingCapacity: true)
    if atStreamStart {
      atStreamStart = false
      if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
    }
    if bytes.isEmpty {
      dispatch(into: &events)
      return
    }
    if bytes.first == UInt8(ascii: ":") { return }
    if let colon = bytes.firstIndex(of: UInt8(ascii: ":")) {
      var value = bytes[(colon + 1)...]
      if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
      handle(name: bytes[..<colon], value: value)
    } else {
      handle(name: bytes, value: [])
    }
  }

  private mutating func handle(name: ArraySlice<UInt8>, value: ArraySlice<UInt8>) {
    switch String(decoding: name, as: UTF8.self) {
    case "data":
      dataBuffer += String(decoding: value, as: UTF8.self)
      dataBuffer += "\n"
      hasData = true
    case "event":
      eventType = String(decoding: value, as: UTF8.self)
    default:
      break  // "id", "retry" and unknown fields are ignored
    }
  }

  private mutating func dispatch(into events: inout [(event: String?, data: String)]) {
    defer {
      dataBuffer = ""
      hasData = false
      eventType = ""
    }
    guard hasData else { return }
    var data = dataBuffer
    if data.hasSuffix("\n") { data.removeLast() }
    events.append((event: eventType.isEmpty ? nil : eventType, data: data))
  }
}
