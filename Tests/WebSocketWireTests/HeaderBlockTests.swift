import NIOCore
import Testing
import WebSocketWire

@Suite("The end of a header block")
struct HeaderBlockTests {
    static let block = Array("GET / HTTP/1.1\r\nHost: a\r\n\r\n".utf8)

    @Test("the same offset from an array, a slice and a NIO buffer's readable bytes, wherever the search resumes")
    func everyCollection() {
        let bytes = Self.block + [0x81, 0x00]
        var buffer = ByteBuffer(bytes: [0xAA, 0xBB] + bytes)
        buffer.moveReaderIndex(forwardBy: 2)
        for start in 0...bytes.count {
            let expected = start < Self.block.count ? Self.block.count : nil
            #expect(HeaderBlock.end(in: bytes, from: start) == expected, "from \(start)")
            #expect(HeaderBlock.end(in: bytes[...], from: start) == expected, "slice from \(start)")
            #expect(HeaderBlock.end(in: buffer.readableBytesView, from: start) == expected, "buffer from \(start)")
        }
        #expect(HeaderBlock.end(in: Array("HTTP/1.1 101 OK\r\n\r".utf8)) == nil)
        #expect(HeaderBlock.end(in: [UInt8]()) == nil)
    }
}
