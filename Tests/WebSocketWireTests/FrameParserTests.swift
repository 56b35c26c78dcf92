import NIOCore
import Testing
import WebSocketWire

@Suite("FrameParser")
struct FrameParserTests {
    /// A conversation as a server would send it: every kind of frame, every length form.
    static let serverFrames: [(opcode: Opcode, fin: Bool, payload: [UInt8])] = [
        (.text, true, Array("Hello".utf8)),
        (.binary, true, []),
        (.text, false, Array("frag".utf8)),
        (.ping, true, Array("ping in the middle".utf8)),
        (.continuation, false, [UInt8](repeating: 0x2A, count: 126)),
        (.pong, true, [UInt8](repeating: 0xFE, count: 125)),
        (.continuation, true, Array("ment".utf8)),
        (.binary, true, (0..<65535).map { UInt8(truncatingIfNeeded: $0) }),
        (.binary, true, (0..<65536).map { UInt8(truncatingIfNeeded: $0 &* 7) }),
        (.text, true, Array("κόσμε".utf8)),
        (.close, true, FrameEncoder.closePayload(code: 1000, reason: Array("bye".utf8))),
    ]

    static func encodedConversation(masks: [MaskKey?]) -> [UInt8] {
        zip(serverFrames, masks).flatMap { f, mask in frame(f.opcode, f.payload, fin: f.fin, mask: mask) }
    }

    func checkRoundTrip(_ parsed: [ParsedFrame], masks: [MaskKey?]) {
        #expect(parsed.count == Self.serverFrames.count)
        for ((parsed, sent), mask) in zip(zip(parsed, Self.serverFrames), masks) {
            #expect(parsed.violations == [], "\(parsed)")
            #expect(parsed.header.opcode == sent.opcode)
            #expect(parsed.header.fin == sent.fin)
            #expect(parsed.header.rsv == 0)
            #expect(parsed.header.maskKey == mask)
            #expect(parsed.header.payloadLength == UInt64(sent.payload.count))
            #expect(firstDifference(parsed.payload, sent.payload) == nil, "payload of \(parsed)")
            // Encoding what was parsed gives back the octets that were sent.
            #expect(firstDifference(
                FrameEncoder.encode(parsed.header, payload: parsed.payload),
                frame(sent.opcode, sent.payload, fin: sent.fin, mask: mask)) == nil)
        }
    }

    // MARK: Round trips

    @Test("encoder → parser in one piece")
    func roundTripWhole() {
        let masks = [MaskKey?](repeating: nil, count: Self.serverFrames.count)
        checkRoundTrip(parseFrames(Self.encodedConversation(masks: masks)), masks: masks)
    }

    @Test("encoder → parser one octet at a time")
    func roundTripByteByByte() {
        let masks = [MaskKey?](repeating: nil, count: Self.serverFrames.count)
        let data = Self.encodedConversation(masks: masks)
        var parser = FrameParser()
        checkRoundTrip(parseFrames(data.map { [$0] }, with: &parser), masks: masks)
        #expect(parser.bufferedCount == 0)
        #expect(!parser.insideMessage)
    }

    @Test("encoder → parser with random splits", arguments: [1, 2, 3, 42, 0xDEAD_BEEF] as [UInt64])
    func roundTripRandomSplits(seed: UInt64) {
        var generator = SeededRandom(seed: seed)
        let masks = [MaskKey?](repeating: nil, count: Self.serverFrames.count)
        let data = Self.encodedConversation(masks: masks)
        var parser = FrameParser()
        checkRoundTrip(parseFrames(randomSplit(data, maxPiece: 300, using: &generator), with: &parser), masks: masks)
    }

    @Test(
        "masked client frames parsed in the server role unmask correctly across any split",
        arguments: [7, 8, 9] as [UInt64])
    func maskedRoundTrip(seed: UInt64) {
        var generator = SeededRandom(seed: seed)
        let masks: [MaskKey?] = Self.serverFrames.map { _ in MaskKey.random(using: &generator) }
        let data = Self.encodedConversation(masks: masks)
        // Pieces of 1 to 11 octets put chunk boundaries at every key position.
        var parser = FrameParser(role: .server)
        checkRoundTrip(parseFrames(randomSplit(data, maxPiece: 11, using: &generator), with: &parser), masks: masks)
    }

    @Test(
        "no event before a header is complete, for every header form",
        arguments: [
            (frame(.text, [1]), 2),
            (frame(.text, [1], mask: rfcMask), 6),
            (frame(.text, [UInt8](repeating: 1, count: 200)), 4),
            (frame(.text, [UInt8](repeating: 1, count: 200), mask: rfcMask), 8),
            (frame(.binary, [UInt8](repeating: 1, count: 70000)), 10),
            (frame(.binary, [UInt8](repeating: 1, count: 70000), mask: rfcMask), 14),
        ])
    func waitsForWholeHeader(data: [UInt8], headerSize: Int) {
        var parser = FrameParser(role: .server)
        for i in 0..<(headerSize - 1) {
            parser.append([data[i]])
            #expect(parser.next() == nil, "after \(i + 1) header octets")
        }
        parser.append([data[headerSize - 1]])
        guard case .frameBegin(let header, _) = parser.next() else {
            Issue.record("expected frameBegin once the header is complete")
            return
        }
        #expect(header.encodedSize == headerSize)
        #expect(parser.bufferedCount == 0)
    }

    @Test("a frame's payload is handed out as it arrives, then the frame ends")
    func payloadPieces() throws {
        let data = frame(.binary, Array(1...10))
        var parser = FrameParser()
        parser.append(Array(data.prefix(5)))
        let first = parser.next()
        let begin = try #require(first)
        guard case .frameBegin(let header, let violations) = begin else {
            Issue.record("expected frameBegin, got \(begin)")
            return
        }
        #expect(header.payloadLength == 10 && violations.isEmpty)
        #expect(parser.next() == .payload(ByteBuffer(bytes: [1, 2, 3])))
        #expect(parser.next() == nil)
        parser.append(Array(data.dropFirst(5)))
        #expect(parser.next() == .payload(ByteBuffer(bytes: Array(4...10))))
        #expect(parser.next() == .frameEnd(header))
        #expect(parser.next() == nil)
    }

    @Test("insideMessage is true from the first to the final frame of a data message, control frames aside")
    func insideMessage() {
        var parser = FrameParser()
        func feed(_ data: [UInt8]) { _ = parseFrames([data], with: &parser) }
        #expect(!parser.insideMessage)
        feed(frame(.text, [0x61], fin: false))
        #expect(parser.insideMessage)
        feed(frame(.ping, []))
        #expect(parser.insideMessage)
        feed(frame(.continuation, [0x62], fin: false))
        #expect(parser.insideMessage)
        feed(frame(.continuation, [0x63]))
        #expect(!parser.insideMessage)
    }

    // MARK: Broken rules (catalogue §1.3)

    struct Violating: Sendable, CustomTestStringConvertible {
        var name: String
        var frames: [[UInt8]]
        var role: FrameParser.Role = .client
        var compression = false
        /// Violations of the last frame.
        var expected: [FrameViolation]
        var testDescription: String { name }
    }

    static let violating: [Violating] = {
        var list: [Violating] = []
        for rsv in 1...7 {
            list.append(.init(
                name: "RSV=\(rsv) without extension", frames: [[0x81 | UInt8(rsv) << 4, 0x00]],
                expected: [.reservedBits(UInt8(rsv))]))
        }
        list += [
            .init(name: "masked server frame", frames: [bytes("81 85 37 fa 21 3d 7f 9f 4d 51 58")],
                  expected: [.maskedServerFrame]),
            .init(name: "unmasked client frame (server role)", frames: [bytes("81 05 48 65 6c 6c 6f")], role: .server,
                  expected: [.unmaskedClientFrame]),
            .init(name: "fragmented ping", frames: [bytes("09 00")], expected: [.fragmentedControlFrame]),
            .init(name: "fragmented close", frames: [bytes("08 02 03 e8")], expected: [.fragmentedControlFrame]),
            .init(name: "ping of 126 octets", frames: [frame(.ping, [UInt8](repeating: 0xFE, count: 126))],
                  expected: [.controlFrameTooLong]),
            .init(name: "close with 1-byte payload", frames: [bytes("88 01 61")], expected: [.closeWithOneBytePayload]),
            .init(name: "continuation outside a message", frames: [bytes("80 00")],
                  expected: [.continuationOutsideMessage]),
            .init(name: "fragmented continuation outside a message", frames: [bytes("00 02 6e 63")],
                  expected: [.continuationOutsideMessage]),
            .init(name: "text frame inside a fragmented message", frames: [bytes("01 01 61"), bytes("81 01 62")],
                  expected: [.newMessageInsideMessage]),
            .init(name: "binary frame inside a fragmented message after a ping",
                  frames: [bytes("01 01 61"), bytes("89 00"), bytes("82 00")], expected: [.newMessageInsideMessage]),
            .init(name: "16-bit length 5", frames: [bytes("81 7e 00 05") + Array("Hello".utf8)],
                  expected: [.nonMinimalLength]),
            .init(name: "16-bit length 125", frames: [bytes("82 7e 00 7d") + [UInt8](repeating: 0, count: 125)],
                  expected: [.nonMinimalLength]),
            .init(name: "64-bit length 0", frames: [bytes("82 7f 00 00 00 00 00 00 00 00")],
                  expected: [.nonMinimalLength]),
            .init(name: "64-bit length 65535", frames: [bytes("82 7f 00 00 00 00 00 00 ff ff")],
                  expected: [.nonMinimalLength]),
            .init(name: "64-bit length 2^63", frames: [bytes("82 7f 80 00 00 00 00 00 00 00")],
                  expected: [.lengthTooLarge]),
            .init(name: "64-bit length 2^64-1", frames: [bytes("82 7f ff ff ff ff ff ff ff ff")],
                  expected: [.lengthTooLarge]),
            // permessage-deflate negotiated: RSV1 belongs on a message's first frame only.
            .init(name: "RSV1 on a continuation (deflate)", frames: [bytes("41 01 61"), bytes("c0 01 62")],
                  compression: true, expected: [.compressedContinuation]),
            .init(name: "RSV1 on a ping (deflate)", frames: [bytes("c9 00")], compression: true,
                  expected: [.compressedControlFrame]),
            .init(name: "RSV1 on a close (deflate)", frames: [bytes("c8 02 03 e8")], compression: true,
                  expected: [.compressedControlFrame]),
            .init(name: "RSV2 with deflate", frames: [bytes("a1 00")], compression: true, expected: [.reservedBits(2)]),
            .init(name: "RSV1+RSV3 with deflate", frames: [bytes("d1 00")], compression: true,
                  expected: [.reservedBits(5)]),
            .init(name: "RSV1 on a continuation without deflate", frames: [bytes("01 01 61"), bytes("c0 01 62")],
                  expected: [.reservedBits(4)]),
            // Every broken rule of a frame, in the order the reference checks them.
            .init(name: "many rules at once", frames: [bytes("3b fe 00 05 01 02 03 04") + [1, 2, 3, 4, 5]],
                  expected: [
                      .reservedBits(3), .maskedServerFrame, .fragmentedControlFrame, .controlFrameTooLong,
                      .reservedControlOpcode(11), .nonMinimalLength,
                  ]),
        ]
        for op in UInt8(11)...15 {
            list.append(.init(name: "reserved control opcode \(op)", frames: [[0x80 | op, 0x00]],
                              expected: [.reservedControlOpcode(op)]))
        }
        for op in UInt8(3)...7 {
            list.append(.init(name: "reserved data opcode \(op)", frames: [[0x80 | op, 0x00]],
                              expected: [.reservedDataOpcode(op)]))
        }
        return list
    }()

    func skipToFrameEnd(_ parser: inout FrameParser) {
        while let event = parser.next() {
            if case .frameEnd = event { return }
        }
    }

    @Test("each broken rule is reported with the frame that breaks it", arguments: violating)
    func violation(_ c: Violating) {
        var parser = FrameParser(role: c.role, compressionNegotiated: c.compression)
        var lastViolations: [FrameViolation]?
        for (i, f) in c.frames.enumerated() {
            parser.append(f)
            guard case .frameBegin(_, let violations) = parser.next() else {
                Issue.record("no frameBegin for frame \(i)")
                return
            }
            if i < c.frames.count - 1 {
                #expect(violations == [], "frame \(i) before the broken one")
                skipToFrameEnd(&parser)
            }
            lastViolations = violations
        }
        #expect(lastViolations == c.expected)
    }

    @Test(
        "frames that break no rule",
        arguments: [
            ("16-bit length 126", bytes("82 7e 00 7e") + [UInt8](repeating: 0, count: 126)),
            ("64-bit length 65536", bytes("82 7f 00 00 00 00 00 01 00 00")),
            ("64-bit length 2^63-1", bytes("82 7f 7f ff ff ff ff ff ff ff")),
            ("ping of 125 octets", frame(.ping, [UInt8](repeating: 0xFE, count: 125))),
            ("close with code only", bytes("88 02 03 e8")),
            ("empty close", bytes("88 00")),
        ])
    func noViolation(name: String, data: [UInt8]) {
        var parser = FrameParser()
        parser.append(data)
        guard case .frameBegin(_, let violations) = parser.next() else {
            Issue.record("no frameBegin")
            return
        }
        #expect(violations == [])
    }

    @Test("with permessage-deflate, RSV1 on the first frame of a message is allowed")
    func compressedFirstFrame() {
        let frames = parseFrames(
            bytes("c1 01 61") + bytes("42 01 62") + bytes("80 01 63"), compressionNegotiated: true)
        #expect(frames.map(\.violations) == [[], [], []])
        #expect(frames.map(\.header.rsv) == [4, 4, 0])
    }

    @Test("parsing goes on after a broken rule, so the server's Close is still found")
    func continuesAfterViolation() {
        let data = bytes("81 85 37 fa 21 3d 7f 9f 4d 51 58") + bytes("8b 00") + bytes("88 02 03 e8")
        let frames = parseFrames(data)
        #expect(frames.map(\.violations) == [[.maskedServerFrame], [.reservedControlOpcode(11)], []])
        #expect(frames[0].payload == Array("Hello".utf8), "a masked server frame is still unmasked")
        #expect(frames[2].header.opcode == .close && frames[2].payload == bytes("03 e8"))
    }

    // MARK: Reason texts

    @Test(
        "the reason texts the client puts in its Close 1002",
        arguments: [
            (FrameViolation.reservedBits(2), "RSV = 2 and no extension negotiated"),
            (.maskedServerFrame, "masked server-to-client frame"),
            (.unmaskedClientFrame, "unmasked client-to-server frame"),
            (.fragmentedControlFrame, "fragmented control frame"),
            (.controlFrameTooLong, "control frame with payload length > 125 octets"),
            (.reservedControlOpcode(11), "control frame using reserved opcode 11"),
            (.reservedControlOpcode(15), "control frame using reserved opcode 15"),
            (.closeWithOneBytePayload, "received close control frame with payload len 1"),
            (.compressedControlFrame, "received compressed control frame [permessage-deflate]"),
            (.reservedDataOpcode(3), "data frame using reserved opcode 3"),
            (.continuationOutsideMessage, "received continuation data frame outside fragmented message"),
            (.newMessageInsideMessage, "received non-continuation data frame while inside fragmented message"),
            (.compressedContinuation, "received continuation data frame with compress bit set [permessage-deflate]"),
            (.nonMinimalLength, "invalid data frame length (not using minimal length encoding)"),
            (.lengthTooLarge, "invalid data frame length (>2^63)"),
        ])
    func reasonText(violation: FrameViolation, reason: String) {
        #expect(violation.reason == reason)
        #expect(violation.description == reason)
        #expect(violation.closeCode == 1002)
    }
}
