import NIOCore
import Testing
import WebSocketWire

@Suite("FrameEncoder")
struct FrameEncoderTests {
    // MARK: RFC 6455 §5.7 examples

    @Test("the RFC 6455 §5.7 examples come out octet for octet")
    func rfcExamples() {
        let hello = Array("Hello".utf8)
        // A single-frame unmasked text message.
        #expect(frame(.text, hello) == bytes("81 05 48 65 6c 6c 6f"))
        // A single-frame masked text message.
        #expect(frame(.text, hello, mask: rfcMask) == bytes("81 85 37 fa 21 3d 7f 9f 4d 51 58"))
        // A fragmented unmasked text message.
        #expect(frame(.text, Array("Hel".utf8), fin: false) == bytes("01 03 48 65 6c"))
        #expect(frame(.continuation, Array("lo".utf8)) == bytes("80 02 6c 6f"))
        // Unmasked Ping, masked Pong.
        #expect(frame(.ping, hello) == bytes("89 05 48 65 6c 6c 6f"))
        #expect(frame(.pong, hello, mask: rfcMask) == bytes("8a 85 37 fa 21 3d 7f 9f 4d 51 58"))
        // 256 bytes and 64 KiB binary messages: only the headers are shown in the RFC.
        #expect(frame(.binary, [UInt8](repeating: 0, count: 256)).prefix(4) == bytes("82 7e 01 00")[...])
        #expect(frame(.binary, [UInt8](repeating: 0, count: 65536)).prefix(10) == bytes("82 7f 00 00 00 00 00 01 00 00")[...])
    }

    // MARK: Payload length

    @Test(
        "minimal length encoding: 7 bits up to 125, then 16 bits up to 65535, then 64 bits",
        arguments: [
            (0, bytes("81 00")),
            (1, bytes("81 01")),
            (125, bytes("81 7d")),
            (126, bytes("81 7e 00 7e")),
            (127, bytes("81 7e 00 7f")),
            (65535, bytes("81 7e ff ff")),
            (65536, bytes("81 7f 00 00 00 00 00 01 00 00")),
        ])
    func minimalLength(length: Int, header: [UInt8]) {
        let payload = [UInt8](repeating: 0x2A, count: length)
        let encoded = frame(.text, payload)
        #expect(Array(encoded.prefix(header.count)) == header)
        #expect(Array(encoded.dropFirst(header.count)) == payload)
        #expect(FrameHeader(opcode: .text, payloadLength: UInt64(length)).encodedSize == header.count)
    }

    @Test(
        "forced extended length encodings, also for lengths that would fit a shorter form",
        arguments: [
            (LengthEncoding.extended16, 0, bytes("82 7e 00 00")),
            (.extended16, 5, bytes("82 7e 00 05")),
            (.extended16, 125, bytes("82 7e 00 7d")),
            (.extended64, 5, bytes("82 7f 00 00 00 00 00 00 00 05")),
            (.extended64, 65535, bytes("82 7f 00 00 00 00 00 00 ff ff")),
            // A length the 16-bit field cannot hold falls back to the 64-bit form.
            (.extended16, 70000, bytes("82 7f 00 00 00 00 00 01 11 70")),
        ])
    func forcedExtendedLength(encoding: LengthEncoding, length: Int, header: [UInt8]) {
        let h = FrameHeader(opcode: .binary, payloadLength: UInt64(length), lengthEncoding: encoding)
        var out: [UInt8] = []
        h.encode(into: &out)
        #expect(out == header)
        #expect(h.encodedSize == header.count)
    }

    @Test("the declared length is written as given, whatever payload follows")
    func declaredLengthIsFree() {
        let header = FrameHeader(opcode: .text, payloadLength: 10)
        #expect(FrameEncoder.encode(header, payload: Array("abc".utf8)) == bytes("81 0a 61 62 63"))
        let huge = FrameHeader(opcode: .binary, payloadLength: 1 << 63)
        #expect(FrameEncoder.encode(huge, payload: []) == bytes("82 7f 80 00 00 00 00 00 00 00"))
    }

    // MARK: First octet

    @Test("any opcode 0–15 goes into the low nibble", arguments: 0...15)
    func anyOpcode(raw: Int) {
        let opcode = Opcode(rawValue: UInt8(raw))
        #expect(frame(opcode, [])[0] == 0x80 | UInt8(raw))
        #expect(frame(opcode, [], fin: false)[0] == UInt8(raw))
        #expect(opcode.isControl == (raw >= 8))
        #expect(opcode.isReserved == !([0, 1, 2, 8, 9, 10].contains(raw)))
    }

    @Test("an opcode keeps only the low four bits of its raw value")
    func opcodeNibble() {
        #expect(Opcode(rawValue: 0x1A) == .pong)
        #expect(Opcode(rawValue: 0xF1).rawValue == 1)
    }

    @Test("RSV bits: RSV1 = 4 is 0x40, RSV2 = 2 is 0x20, RSV3 = 1 is 0x10", arguments: 0...7)
    func rsvBits(rsv: Int) {
        #expect(frame(.text, [], rsv: UInt8(rsv))[0] == 0x81 | UInt8(rsv) << 4)
        #expect(frame(.ping, [], fin: false, rsv: UInt8(rsv))[0] == 0x09 | UInt8(rsv) << 4)
    }

    @Test("RSV values above 7 keep their low three bits")
    func rsvMod8() {
        #expect(FrameHeader(opcode: .text, payloadLength: 0).rsv == 0)
        #expect(FrameHeader(rsv: 12, opcode: .text, payloadLength: 0).rsv == 4)
        #expect(frame(.text, [], rsv: 9)[0] == 0x91)
    }

    // MARK: Masking

    @Test("a masked frame carries the key after the length and XORs the payload with it")
    func maskedFrame() {
        let key = MaskKey(0x01, 0x02, 0x03, 0x04)
        let payload: [UInt8] = Array(0..<10)
        let encoded = frame(.binary, payload, mask: key)
        #expect(encoded[0] == 0x82)
        #expect(encoded[1] == 0x80 | 10)
        #expect(Array(encoded[2..<6]) == [1, 2, 3, 4])
        let masked = Array(encoded[6...])
        #expect(masked == payload.enumerated().map { $1 ^ key.array[$0 % 4] })
    }

    @Test("a masked frame with an extended length puts the key after the extended length")
    func maskedExtended() {
        let payload = [UInt8](repeating: 0, count: 300)
        let encoded = frame(.binary, payload, mask: rfcMask)
        #expect(Array(encoded.prefix(8)) == bytes("82 fe 01 2c 37 fa 21 3d"))
        #expect(Array(encoded[8..<12]) == rfcMask.array)  // zeros masked = the key itself
        let encoded64 = frame(.binary, payload, mask: rfcMask, encoding: .extended64)
        #expect(Array(encoded64.prefix(14)) == bytes("82 ff 00 00 00 00 00 00 01 2c 37 fa 21 3d"))
    }

    @Test("an empty masked frame is header and key only")
    func maskedEmpty() {
        #expect(frame(.close, [], mask: rfcMask) == bytes("88 80 37 fa 21 3d"))
    }

    // MARK: Helpers

    @Test("repeated cuts the pattern to exactly the length")
    func repeated() {
        #expect(FrameEncoder.repeated(Array("*".utf8), toLength: 5) == Array("*****".utf8))
        #expect(FrameEncoder.repeated([1, 2, 3], toLength: 7) == [1, 2, 3, 1, 2, 3, 1])
        #expect(FrameEncoder.repeated([1, 2, 3], toLength: 2) == [1, 2])
        #expect(FrameEncoder.repeated([1, 2, 3], toLength: 0) == [])
        #expect(FrameEncoder.repeated([], toLength: 4) == [])
        #expect(FrameEncoder.repeated(Array("BAsd7&jh23".utf8), toLength: 262_144).count == 262_144)
    }

    @Test("closePayload is the code big-endian followed by the reason octets")
    func closePayload() {
        #expect(FrameEncoder.closePayload(code: 1000, reason: Array("bye".utf8)) == bytes("03 e8 62 79 65"))
        #expect(FrameEncoder.closePayload(code: 1001, reason: Array("Going Away".utf8))
            == bytes("03 e9 47 6f 69 6e 67 20 41 77 61 79"))
        #expect(FrameEncoder.closePayload(code: 65535, reason: nil) == bytes("ff ff"))
        #expect(FrameEncoder.closePayload(code: nil, reason: nil) == [])
        #expect(FrameEncoder.closePayload(code: nil, reason: [0x61]) == [0x61])
    }

    @Test(
        "close codes valid on the wire: 1000–1003, 1007–1011, 3000–4999",
        arguments: [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 4000, 4999])
    func validCloseCodes(code: Int) {
        #expect(CloseCode.isValidOnWire(code))
    }

    @Test(
        "close codes the client rejects",
        arguments: [0, 999, 1004, 1005, 1006, 1012, 1013, 1014, 1015, 1016, 1100, 2000, 2999, 5000, 65535])
    func invalidCloseCodes(code: Int) {
        #expect(!CloseCode.isValidOnWire(code))
    }

    @Test("a normal close may use 1000 or 3000–4999 only")
    func normalCloseCodes() {
        for code in [1000, 3000, 3999, 4999] { #expect(CloseCode.isAllowedForNormalClose(code), "\(code)") }
        for code in [0, 1001, 1002, 1011, 2999, 5000] { #expect(!CloseCode.isAllowedForNormalClose(code), "\(code)") }
    }
}

@Suite("FrameEncoder into a ByteBuffer")
struct FrameEncoderBufferTests {
    @Test("a pattern repeated in the buffer equals the array path, for every length and key offset",
          arguments: [0, 1, 9, 10, 11, 125, 126, 65_535, 65_536, 100_003])
    func repeatedInPlace(length: Int) {
        let pattern = Array("BAsd7&jh23".utf8)
        let key = MaskKey(0xA1, 0xB2, 0xC3, 0xD4)
        let header = FrameHeader(fin: true, rsv: 0, opcode: .text, maskKey: key, payloadLength: UInt64(length))
        var buffer = ByteBuffer()
        FrameEncoder.encode(header, pattern: pattern, repeatedTo: length, into: &buffer)
        let expected = FrameEncoder.encode(header, payload: FrameEncoder.repeated(pattern, toLength: length))
        #expect(Array(buffer.readableBytesView) == expected)
        let plain = (0..<length).map { pattern[$0 % pattern.count] }
        #expect(FrameEncoder.repeated(pattern, toLength: length) == plain)
    }

    @Test("an empty pattern writes the header only, whatever the declared length")
    func headerOnly() {
        let header = FrameHeader(fin: false, rsv: 0, opcode: .text, maskKey: MaskKey(1, 2, 3, 4), payloadLength: 21)
        var buffer = ByteBuffer()
        FrameEncoder.encode(header, pattern: [], into: &buffer)
        #expect(Array(buffer.readableBytesView) == [0x01, 0x95, 1, 2, 3, 4])
    }
}
