import Testing
import WebSocketWire

/// Found by wsspec fuzz against `wsspec echo`: a compressed empty message after another compressed message made the
/// echo server's deflater (context takeover) fail its precondition, since zlib writes nothing for a second flush
/// without input.
@Suite("permessage-deflate: an empty message after another, window kept")
struct EmptyMessageAfterFlushTests {
    @Test("the deflater writes 0x00 for it, and that inflates to the empty message")
    func emptyAfterMessage() throws {
        let deflater = MessageDeflater(noContextTakeover: false)
        let inflater = MessageInflater(noContextTakeover: false)
        for message in [Array("Hello".utf8), [], [], Array("again".utf8), []] {
            let compressed = deflater.compress(message)
            #expect(!compressed.isEmpty)
            inflater.beginMessage()
            var out: [UInt8] = []
            try inflater.inflate(compressed, into: &out)
            try inflater.endMessage(into: &out)
            #expect(out == message)
        }
        let empty = MessageDeflater(noContextTakeover: false)
        _ = empty.compress(Array("x".utf8))
        #expect(empty.compress([UInt8]()) == [0x00])
    }
}
