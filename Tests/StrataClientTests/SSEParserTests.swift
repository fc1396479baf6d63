import Testing

@testable import StrataClient

/// Parses `stream` fed in pieces of `size` bytes, then finishes.
private func parse(_ stream: String, pieceSize size: Int) -> [(event: String?, data: String)] {
  var parser = SSEParser()
  let bytes = Array(stream.utf8)
  var events: [(event: String?, data: String)] = []
  var start = 0
  while start < bytes.count {
    let end = min(start + size, bytes.count)
    events += parser.feed(bytes[start..<end])
    start = end
  }
  return events + parser.finish()
}

/// Flattens events for comparison ("event|data", "-" for no event name).
private func flat(_ events: [(event: String?, data: String)]) -> [String] {
  events.map { "\($0.event ?? "-")|\($0.data)" }
}

@Suite("SSEParser")
struct SSEParserTests {
  /// What llama-server's chat stream looks like (format_oai_sse, server-common.cpp), with
  /// a keep-alive ping (":\n\n", server-context.cpp) and the closing [DONE].
  static let chatStream =
    "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n" + ":\n\n"
    + "data: {\"choices\":[{\"delta\":{\"content\":\" there\"}}]}\n\n" + "data: [DONE]\n\n"

  @Test(
    "llama-server stream: same events for every chunking, byte by byte included", arguments: [1, 2, 3, 5, 7, 64, 4096])
  func chunkBoundaries(pieceSize: Int) {
    let events = parse(Self.chatStream, pieceSize: pieceSize)
    #expect(
      flat(events) == [
        #"-|{"choices":[{"delta":{"content":"Hi"}}]}"#, #"-|{"choices":[{"delta":{"content":" there"}}]}"#, "-|[DONE]",
      ])
  }

  @Test("CRLF and lone CR line endings, a CRLF split across feeds", arguments: [1, 2, 4, 100])
  func lineEndings(pieceSize: Int) {
    let stream = "data: a\r\n\r\ndata: b\r\rdata: c\n\r\n"
    #expect(flat(parse(stream, pieceSize: pieceSize)) == ["-|a", "-|b", "-|c"])
  }

  @Test("multi-line data is joined with \\n; event names; comments and id/retry ignored")
  func fields() {
    let stream = """
      : a comment
      id: 7
      retry: 100
      event: update
      data: line one
      data:line two
      data:  indented

      data: next

      """
    let events = parse(stream, pieceSize: 3)
    #expect(flat(events) == ["update|line one\nline two\n indented", "-|next"])
  }

  @Test("an event is only dispatched by a blank line while streaming")
  func dispatchNeedsBlankLine() {
    var parser = SSEParser()
    #expect(parser.feed(Array("data: x\n".utf8)).isEmpty)
    let events = parser.feed(Array("\n".utf8))
    #expect(flat(events) == ["-|x"])
  }

  @Test("empty data line gives an empty event; blank lines without data give none")
  func emptyData() {
    #expect(flat(parse("\n\ndata:\n\n\n", pieceSize: 1)) == ["-|"])
    #expect(parse("event: lonely\n\n", pieceSize: 1).isEmpty)
  }

  @Test("finish() flushes an unterminated last event and a line without newline")
  func finishFlushes() {
    var parser = SSEParser()
    #expect(parser.feed(Array("data: {\"stop\":true}".utf8)).isEmpty)
    #expect(flat(parser.finish()) == [#"-|{"stop":true}"#])
    #expect(parser.finish().isEmpty)  // reset: nothing left over
  }

  @Test("a byte-order mark at the start is skipped; UTF-8 split across feeds survives")
  func unicode() {
    let stream = "\u{FEFF}data: héllo → 世界\n\n"
    #expect(flat(parse(stream, pieceSize: 1)) == ["-|héllo → 世界"])
  }
}
