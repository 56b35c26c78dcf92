import NIOCore
import NIOPosix
import Testee
import Testing
import WebSocketWire

// MARK: - Helpers

/// The sample key of RFC 6455 §1.3 and its accept value.
private let sampleKey = "dGhlIHNhbXBsZSBub25jZQ=="
private let sampleAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

private let validRequestLines = [
    "GET /chat HTTP/1.1",
    "Host: 127.0.0.1:9001",
    "Upgrade: websocket",
    "Connection: keep-alive, Upgrade",
    "Sec-WebSocket-Key: \(sampleKey)",
    "Sec-WebSocket-Version: 13",
]

private func request(_ lines: [String]) -> String { lines.joined(separator: "\r\n") + "\r\n\r\n" }

private let testMask = MaskKey(0x37, 0xFA, 0x21, 0x3D)

/// A client frame: masked unless told otherwise, declared length = payload length.
private func clientFrame(
    _ opcode: Opcode, _ payload: [UInt8], fin: Bool = true, rsv: UInt8 = 0, masked: Bool = true,
    encoding: LengthEncoding = .minimal
) -> [UInt8] {
    let header = FrameHeader(
        fin: fin, rsv: rsv, opcode: opcode, maskKey: masked ? testMask : nil, payloadLength: UInt64(payload.count),
        lengthEncoding: encoding)
    return FrameEncoder.encode(header, payload: payload)
}

private func closeFrame(code: UInt16, reason: [UInt8] = []) -> [UInt8] {
    clientFrame(.close, FrameEncoder.closePayload(code: code, reason: reason))
}

private struct ServerFrame: Equatable {
    var header: FrameHeader
    var payload: [UInt8]
    var closeCode: UInt16? {
        guard header.opcode == .close, payload.count >= 2 else { return nil }
        return UInt16(payload[0]) << 8 | UInt16(payload[1])
    }
}

/// What the machine asked for: the octets written (in order) and whether it closed TCP after them.
private struct Output {
    var written: [UInt8] = []
    var closed = false

    init(_ actions: [EchoConnectionStateMachine.Action]) {
        for action in actions {
            switch action {
            case .write(let buffer):
                #expect(!closed, "nothing may be written after close")
                written += Array(buffer.readableBytesView)
            case .close:
                closed = true
            }
        }
    }

    /// The written octets as server frames, each checked against the client-side rules (unmasked, minimal…).
    var frames: [ServerFrame] {
        var parser = FrameParser()
        parser.append(written)
        var frames: [ServerFrame] = []
        var payload: [UInt8] = []
        while let event = parser.next() {
            switch event {
            case .frameBegin(_, let violations):
                #expect(violations.isEmpty)
                payload = []
            case .payload(let chunk):
                payload += Array(chunk.readableBytesView)
            case .frameEnd(let header):
                frames.append(ServerFrame(header: header, payload: payload))
            }
        }
        #expect(parser.bufferedCount == 0, "a frame was left incomplete")
        return frames
    }
}

private func openMachine(_ configuration: EchoServerConfiguration = .init()) -> EchoConnectionStateMachine {
    var machine = EchoConnectionStateMachine(configuration: configuration)
    let output = Output(machine.received(ByteBuffer(string: request(validRequestLines))))
    #expect(String(decoding: output.written, as: UTF8.self).hasPrefix("HTTP/1.1 101 "))
    #expect(machine.phase == .open)
    return machine
}

private func feed(_ machine: inout EchoConnectionStateMachine, _ bytes: [UInt8]) -> Output {
    Output(machine.received(ByteBuffer(bytes: bytes)))
}

/// Expects exactly one Close frame with `code` followed by the TCP close.
private func expectFailed(_ output: Output, code: UInt16, sourceLocation: SourceLocation = #_sourceLocation) {
    let frames = output.frames
    #expect(frames.count == 1, sourceLocation: sourceLocation)
    #expect(frames.last?.header.opcode == .close, sourceLocation: sourceLocation)
    #expect(frames.last?.closeCode == code, sourceLocation: sourceLocation)
    #expect(output.closed, sourceLocation: sourceLocation)
}

// MARK: - FrameParser in the server role

@Suite struct ServerRoleFrameParserTests {
    private func violations(_ parser: FrameParser, _ bytes: [UInt8]) -> [FrameViolation]? {
        var parser = parser
        parser.append(bytes)
        guard case .frameBegin(_, let violations)? = parser.next() else { return nil }
        return violations
    }

    @Test func serverRoleRequiresMaskedFrames() {
        let server = FrameParser(role: .server)
        #expect(violations(server, clientFrame(.text, [0x41])) == [])
        #expect(violations(server, clientFrame(.text, [0x41], masked: false)) == [.unmaskedClientFrame])
        #expect(FrameViolation.unmaskedClientFrame.reason == "unmasked client-to-server frame")
        // The client role (the default) is unchanged.
        #expect(FrameParser().role == .client)
        #expect(violations(FrameParser(), clientFrame(.text, [0x41])) == [.maskedServerFrame])
        #expect(violations(FrameParser(), clientFrame(.text, [0x41], masked: false)) == [])
    }

    @Test func serverRoleUnmasksThePayload() {
        var parser = FrameParser(role: .server)
        parser.append(clientFrame(.binary, Array(0..<200)))
        var payload: [UInt8] = []
        while let event = parser.next() {
            if case .payload(let chunk) = event { payload += Array(chunk.readableBytesView) }
        }
        #expect(payload == Array(0..<200))
    }
}

// MARK: - Opening handshake

@Suite struct EchoHandshakeTests {
    @Test("a valid upgrade is accepted with permessage-deflate (the first acceptable offer) and no subprotocol")
    func acceptsAValidUpgradeWithDeflateAndNoSubprotocol() {
        var machine = EchoConnectionStateMachine(configuration: .init(serverName: "test-echo"))
        let lines = validRequestLines + [
            "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits",
            "Sec-WebSocket-Protocol: chat, superchat",
        ]
        let output = Output(machine.received(ByteBuffer(string: request(lines))))
        let text = String(decoding: output.written, as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 101 Switching Protocols\r\n"))
        #expect(text.hasSuffix("\r\n\r\n"))
        #expect(text.contains("\r\nUpgrade: websocket\r\n"))
        #expect(text.contains("\r\nConnection: Upgrade\r\n"))
        #expect(text.contains("\r\nSec-WebSocket-Accept: \(sampleAccept)\r\n"))
        #expect(text.contains("\r\nServer: test-echo\r\n"))
        // client_max_window_bits without a value lets the server leave it out of its answer.
        #expect(text.contains("\r\nSec-WebSocket-Extensions: permessage-deflate\r\n"))
        #expect(!text.lowercased().contains("sec-websocket-protocol"))
        #expect(!output.closed)
        #expect(machine.phase == .open)
    }

    @Test func acceptsARequestArrivingOctetByOctet() {
        var machine = EchoConnectionStateMachine()
        var written: [UInt8] = []
        for byte in Array(request(validRequestLines).utf8) {
            let output = Output(machine.received(ByteBuffer(bytes: [byte])))
            #expect(!output.closed)
            written += output.written
        }
        #expect(String(decoding: written, as: UTF8.self).hasPrefix("HTTP/1.1 101 "))
        #expect(machine.phase == .open)
    }

    @Test func framesSentRightAfterTheRequestAreHandled() {
        var machine = EchoConnectionStateMachine()
        var bytes = Array(request(validRequestLines).utf8)
        bytes += clientFrame(.text, Array("early".utf8))
        let output = Output(machine.received(ByteBuffer(bytes: bytes)))
        let text = String(decoding: output.written, as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 101 "))
        let echo = Array(output.written.suffix(7))  // the echoed frame: 2 + 5 octets
        #expect(echo == [0x81, 5] + Array("early".utf8))
    }

    static let badRequests: [(String, [String], Int)] = [
        ("POST", ["POST /chat HTTP/1.1"] + validRequestLines.dropFirst(), 400),
        ("HTTP/1.0", ["GET /chat HTTP/1.0"] + validRequestLines.dropFirst(), 400),
        ("no Host", validRequestLines.filter { !$0.hasPrefix("Host") }, 400),
        ("no Upgrade", validRequestLines.filter { !$0.hasPrefix("Upgrade") }, 400),
        ("Upgrade: h2c", validRequestLines.map { $0.hasPrefix("Upgrade") ? "Upgrade: h2c" : $0 }, 400),
        ("no Connection upgrade", validRequestLines.map { $0.hasPrefix("Connection") ? "Connection: keep-alive" : $0 }, 400),
        ("no key", validRequestLines.filter { !$0.hasPrefix("Sec-WebSocket-Key") }, 400),
        ("short key", validRequestLines.map { $0.hasPrefix("Sec-WebSocket-Key") ? "Sec-WebSocket-Key: abc" : $0 }, 400),
        ("two keys", validRequestLines + ["Sec-WebSocket-Key: \(sampleKey)"], 400),
        ("no version", validRequestLines.filter { !$0.hasPrefix("Sec-WebSocket-Version") }, 400),
        ("space before colon", validRequestLines + ["X-Test : 1"], 400),
        ("folded header", validRequestLines + [" folded"], 400),
        ("version 8", validRequestLines.map { $0.hasPrefix("Sec-WebSocket-Version") ? "Sec-WebSocket-Version: 8" : $0 }, 426),
    ]

    @Test(arguments: badRequests)
    func refusesABadRequest(name: String, lines: [String], status: Int) {
        var machine = EchoConnectionStateMachine()
        let output = Output(machine.received(ByteBuffer(string: request(lines))))
        let text = String(decoding: output.written, as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 \(status) "), "\(name)")
        if status == 426 { #expect(text.contains("\r\nSec-WebSocket-Version: 13\r\n")) }
        #expect(output.closed, "\(name)")
        #expect(machine.phase == .closed)
        // Nothing more is read.
        #expect(machine.received(ByteBuffer(bytes: clientFrame(.text, [0x41]))).isEmpty)
    }

    @Test func refusesAnOversizedHeaderBlock() {
        var machine = EchoConnectionStateMachine(configuration: .init(maxHandshakeSize: 1024))
        var output = Output(machine.received(ByteBuffer(string: "GET / HTTP/1.1\r\nX-Filler: ")))
        #expect(!output.closed)
        output = Output(machine.received(ByteBuffer(string: String(repeating: "a", count: 2000))))
        #expect(String(decoding: output.written, as: UTF8.self).hasPrefix("HTTP/1.1 400 "))
        #expect(output.closed)
    }

    @Test func dropsAClientThatTakesTooLong() {
        var machine = EchoConnectionStateMachine()
        _ = machine.received(ByteBuffer(string: "GET / HTTP/1.1\r\n"))
        #expect(machine.handshakeTimedOut() == [.close])
        #expect(machine.phase == .closed)
        var open = openMachine()
        #expect(open.handshakeTimedOut().isEmpty)
    }
}

// MARK: - Messages

@Suite struct EchoMessageTests {
    @Test func echoesTextAndBinaryMessages() {
        var machine = openMachine()
        let output = feed(
            &machine,
            clientFrame(.text, Array("Hello, κόσμε".utf8)) + clientFrame(.binary, [0, 1, 2, 255])
                + clientFrame(.text, []))
        #expect(!output.closed)
        let frames = output.frames
        #expect(frames.map(\.header.opcode) == [.text, .binary, .text])
        #expect(frames.allSatisfy { $0.header.fin && $0.header.maskKey == nil && $0.header.rsv == 0 })
        #expect(frames.map(\.payload) == [Array("Hello, κόσμε".utf8), [0, 1, 2, 255], []])
    }

    @Test func echoesAFragmentedMessageAsOneFrame() {
        var machine = openMachine()
        // "κ" = CE BA is split across the fragments; a ping arrives in the middle.
        var output = feed(&machine, clientFrame(.text, [0x41, 0xCE], fin: false))
        #expect(output.written.isEmpty)
        output = feed(&machine, clientFrame(.ping, Array("mid".utf8)))
        #expect(output.frames == [ServerFrame(header: FrameHeader(opcode: .pong, payloadLength: 3), payload: Array("mid".utf8))])
        output = feed(&machine, clientFrame(.continuation, [0xBA], fin: false))
        #expect(output.written.isEmpty)
        output = feed(&machine, clientFrame(.continuation, [0x42]))
        #expect(output.frames == [ServerFrame(header: FrameHeader(opcode: .text, payloadLength: 4), payload: [0x41, 0xCE, 0xBA, 0x42])])
    }

    @Test func answersPingsAndIgnoresPongs() {
        var machine = openMachine()
        let payload = Array(0..<125).map { UInt8($0) }
        let output = feed(&machine, clientFrame(.pong, [1, 2]) + clientFrame(.ping, payload) + clientFrame(.ping, []))
        #expect(output.frames.map(\.header.opcode) == [.pong, .pong])
        #expect(output.frames.map(\.payload) == [payload, []])
        #expect(!output.closed)
    }

    @Test func echoesA16MiBMessageAsOneFrame() {
        var machine = openMachine()
        let size = 16 << 20
        let payload = Array(String(repeating: "*wsspec*€", count: size / 11).utf8)
        let wire = clientFrame(.text, payload)
        var actions: [EchoConnectionStateMachine.Action] = []
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            var offset = 0
            while offset < wire.count {
                let end = min(wire.count, offset + 65536)
                actions += machine.received(ByteBuffer(bytes: wire[offset..<end]))
                offset = end
            }
        }
        #expect(actions.count == 1)
        guard case .write(let reply)? = actions.first else {
            Issue.record("no echo")
            return
        }
        #expect(reply.readableBytes == payload.count + 10)
        #expect(Array(reply.readableBytesView.prefix(2)) == [0x81, 127])
        #expect(Array(reply.readableBytesView.dropFirst(10)) == payload)
        print("16 MiB text message through the state machine: \(elapsed)")
    }

    @Test func refusesAMessageLargerThanTheLimit() {
        var machine = openMachine(.init(maxMessageSize: 100))
        #expect(feed(&machine, clientFrame(.binary, Array(repeating: 7, count: 100))).frames.count == 1)
        // Refused at the header already, before the payload arrives.
        let frame = clientFrame(.binary, Array(repeating: 7, count: 101))
        expectFailed(feed(&machine, Array(frame.prefix(6))), code: 1009)

        machine = openMachine(.init(maxMessageSize: 100))
        #expect(feed(&machine, clientFrame(.binary, Array(repeating: 7, count: 60), fin: false)).written.isEmpty)
        expectFailed(feed(&machine, clientFrame(.continuation, Array(repeating: 7, count: 41))), code: 1009)
    }
}

// MARK: - Violations

@Suite struct EchoViolationTests {
    static let violations: [(String, [UInt8])] = [
        ("unmasked frame", clientFrame(.text, Array("hi".utf8), masked: false)),
        ("RSV1", clientFrame(.text, [0x41], rsv: 4)),
        ("RSV2", clientFrame(.binary, [0x41], rsv: 2)),
        ("RSV3 on ping", clientFrame(.ping, [], rsv: 1)),
        ("opcode 3", clientFrame(Opcode(rawValue: 3), [])),
        ("opcode 7", clientFrame(Opcode(rawValue: 7), [1])),
        ("opcode 11", clientFrame(Opcode(rawValue: 11), [])),
        ("opcode 15", clientFrame(Opcode(rawValue: 15), [1])),
        ("fragmented ping", clientFrame(.ping, [1], fin: false)),
        ("ping of 126 octets", clientFrame(.ping, Array(repeating: 0, count: 126))),
        ("close of 126 octets", clientFrame(.close, [0x03, 0xE8] + Array(repeating: 0x41, count: 124))),
        ("close of one octet", clientFrame(.close, [0x03])),
        ("continuation outside a message", clientFrame(.continuation, [0x41])),
        ("text inside a message", clientFrame(.text, [0x41], fin: false) + clientFrame(.text, [0x42])),
        ("binary inside a message", clientFrame(.binary, [0x41], fin: false) + clientFrame(.binary, [0x42])),
        ("16-bit length for 5 octets", clientFrame(.binary, Array(repeating: 1, count: 5), encoding: .extended16)),
        ("64-bit length for 300 octets", clientFrame(.binary, Array(repeating: 1, count: 300), encoding: .extended64)),
        ("close code 999", closeFrame(code: 999)),
        ("close code 1004", closeFrame(code: 1004)),
        ("close code 1005", closeFrame(code: 1005)),
        ("close code 1006", closeFrame(code: 1006)),
        ("close code 1015", closeFrame(code: 1015)),
        ("close code 2999", closeFrame(code: 2999)),
        ("close code 5000", closeFrame(code: 5000)),
    ]

    @Test(arguments: violations)
    func failsWithProtocolError(name: String, bytes: [UInt8]) {
        var machine = openMachine()
        expectFailed(feed(&machine, bytes), code: 1002)
        #expect(machine.phase == .closed, "\(name)")
        #expect(machine.sentCloseCode == 1002)
        // Everything after is ignored.
        #expect(machine.received(ByteBuffer(bytes: clientFrame(.ping, [1]))).isEmpty)
    }

    @Test func failsFastOnInvalidUTF8InsideAnIncompleteFrame() {
        var machine = openMachine()
        // A 100-octet text frame of which only 6 payload octets have arrived; 0xF5 can never start UTF-8.
        let frame = clientFrame(.text, Array("hello".utf8) + [0xF5] + Array(repeating: 0x41, count: 94))
        let partial = Array(frame.prefix(2 + 4 + 6))
        expectFailed(feed(&machine, partial), code: 1007)
        #expect(machine.received(ByteBuffer(bytes: Array(frame.dropFirst(12)))).isEmpty)
    }

    @Test func failsFastOnInvalidUTF8InALaterFragment() {
        var machine = openMachine()
        #expect(feed(&machine, clientFrame(.text, [0x41, 0xCE], fin: false)).written.isEmpty)
        // 0x41 cannot continue the sequence begun by 0xCE; the fragment is not final and not complete.
        let frame = clientFrame(.continuation, [0x41, 0x42, 0x43], fin: false)
        expectFailed(feed(&machine, Array(frame.prefix(7))), code: 1007)
    }

    @Test func failsOnATextMessageEndingInsideACodePoint() {
        var machine = openMachine()
        expectFailed(feed(&machine, clientFrame(.text, [0x41, 0xE2, 0x82])), code: 1007)
    }

    @Test func binaryMessagesAreNotValidated() {
        var machine = openMachine()
        #expect(feed(&machine, clientFrame(.binary, [0xF5, 0xFF, 0xC0])).frames.map(\.payload) == [[0xF5, 0xFF, 0xC0]])
    }
}

// MARK: - Closing handshake

@Suite struct EchoCloseTests {
    @Test(arguments: [UInt16(1000), 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999])
    func echoesAValidCloseCode(code: UInt16) {
        var machine = openMachine()
        let output = feed(&machine, closeFrame(code: code, reason: Array("bye ✓".utf8)))
        #expect(output.frames == [ServerFrame(header: FrameHeader(opcode: .close, payloadLength: 2), payload: [UInt8(code >> 8), UInt8(code & 0xFF)])])
        #expect(output.closed)
        #expect(machine.phase == .closed)
        // After the closing handshake everything is ignored, even violations.
        #expect(machine.received(ByteBuffer(bytes: clientFrame(.text, [0x41], masked: false))).isEmpty)
    }

    @Test func answersAnEmptyCloseWithAnEmptyClose() {
        var machine = openMachine()
        let output = feed(&machine, clientFrame(.close, []))
        #expect(output.frames == [ServerFrame(header: FrameHeader(opcode: .close, payloadLength: 0), payload: [])])
        #expect(output.closed)
    }

    @Test func failsOnACloseReasonThatIsNotUTF8() {
        var machine = openMachine()
        expectFailed(feed(&machine, closeFrame(code: 1000, reason: [0x41, 0xED, 0xA0, 0x80])), code: 1007)
    }

    @Test func closesInsideAFragmentedMessage() {
        var machine = openMachine()
        let output = feed(&machine, clientFrame(.text, [0x41], fin: false) + closeFrame(code: 1000))
        #expect(output.frames.map(\.closeCode) == [1000])
        #expect(output.closed)
    }

    @Test func peerEOFClosesTheConnection() {
        var machine = openMachine()
        #expect(machine.inputClosed() == [.close])
        #expect(machine.inputClosed().isEmpty)
    }
}

// MARK: - Over a socket

/// Reads a byte stream from a NIO client channel.
private struct StreamReader {
    var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    var pending: [UInt8] = []
    var parser = FrameParser()

    /// False at end of stream.
    mutating func fill() async throws -> Bool {
        guard let buffer = try await iterator.next() else { return false }
        pending += Array(buffer.readableBytesView)
        return true
    }

    mutating func headerBlock() async throws -> String? {
        while true {
            if let end = HandshakeResponse.endOfHeaderBlock(in: pending) {
                let block = Array(pending[..<end])
                pending.removeFirst(end)
                return String(decoding: block, as: UTF8.self)
            }
            guard try await fill() else { return nil }
        }
    }

    mutating func frame() async throws -> ServerFrame? {
        var payload: [UInt8] = []
        while true {
            parser.append(pending)
            pending = []
            while let event = parser.next() {
                switch event {
                case .frameBegin(_, let violations):
                    #expect(violations.isEmpty)
                case .payload(let chunk):
                    payload += Array(chunk.readableBytesView)
                case .frameEnd(let header):
                    return ServerFrame(header: header, payload: payload)
                }
            }
            guard try await fill() else { return nil }
        }
    }

    /// True when the server closed the connection with nothing more sent.
    mutating func atEnd() async throws -> Bool {
        pending.isEmpty && parser.bufferedCount == 0 ? !(try await fill()) : false
    }
}

private func withClient(
    port: Int, _ body: (inout StreamReader, NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws -> Void
) async throws {
    let client = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .connect(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture {
                try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
            }
        }
    try await client.executeThenClose { inbound, outbound in
        var reader = StreamReader(iterator: inbound.makeAsyncIterator())
        try await body(&reader, outbound)
    }
}

@Suite(.serialized) struct EchoServerSocketTests {
    @Test(.timeLimit(.minutes(1)))
    func handshakeEchoAndCloseOverTCP() async throws {
        let server = try await EchoServer.start(.init(host: "127.0.0.1", port: 0))
        #expect(server.port > 0)
        do {
            try await withClient(port: server.port) { reader, writer in
                try await writer.write(ByteBuffer(string: request(validRequestLines)))
                let head = try #require(try await reader.headerBlock())
                let response = HandshakeResponse(headerBlock: Array(head.utf8))
                #expect(response.validate(key: sampleKey, offeredProtocols: []) == nil)
                #expect(response["server"] == "wsspec-echo")

                try await writer.write(ByteBuffer(bytes: clientFrame(.text, Array("Hello, wsspec ✓".utf8))))
                let echo = try #require(try await reader.frame())
                #expect(echo.header.opcode == .text && echo.header.fin)
                #expect(echo.payload == Array("Hello, wsspec ✓".utf8))

                try await writer.write(ByteBuffer(bytes: clientFrame(.ping, [9, 8, 7])))
                #expect(try await reader.frame() == ServerFrame(header: FrameHeader(opcode: .pong, payloadLength: 3), payload: [9, 8, 7]))

                try await writer.write(ByteBuffer(bytes: closeFrame(code: 1000, reason: Array("done".utf8))))
                let close = try #require(try await reader.frame())
                #expect(close.closeCode == 1000)
                // The server closes TCP first.
                #expect(try await reader.atEnd())
            }
        } catch {
            try await server.stop()
            throw error
        }
        try await server.stop()
    }

    @Test(.timeLimit(.minutes(1)))
    func refusesAWrongVersionOverTCP() async throws {
        let server = try await EchoServer.start(.init(port: 0))
        try await withClient(port: server.port) { reader, writer in
            let lines = validRequestLines.map { $0.hasPrefix("Sec-WebSocket-Version") ? "Sec-WebSocket-Version: 8" : $0 }
            try await writer.write(ByteBuffer(string: request(lines)))
            let head = try #require(try await reader.headerBlock())
            #expect(head.hasPrefix("HTTP/1.1 426 Upgrade Required\r\n"))
            #expect(head.contains("\r\nSec-WebSocket-Version: 13\r\n"))
            while try await reader.fill() {}  // the body, then the server's close
        }
        try await server.stop()
    }

    @Test(.timeLimit(.minutes(1)))
    func echoes16MiBOverTCP() async throws {
        let server = try await EchoServer.start(.init(port: 0))
        let payload = FrameEncoder.repeated(Array(0...250), toLength: 16 << 20)
        let wire = clientFrame(.binary, payload)
        let clock = ContinuousClock()
        let start = clock.now
        try await withClient(port: server.port) { reader, writer in
            try await writer.write(ByteBuffer(string: request(validRequestLines)))
            _ = try #require(try await reader.headerBlock())
            try await writer.write(ByteBuffer(bytes: wire))
            let echo = try #require(try await reader.frame())
            #expect(echo.header.opcode == .binary && echo.header.fin)
            #expect(echo.payload.count == payload.count)
            #expect(echo.payload == payload)
            try await writer.write(ByteBuffer(bytes: clientFrame(.close, [])))
            #expect(try await reader.frame()?.header.opcode == .close)
        }
        print("16 MiB binary echo over TCP: \(clock.now - start)")
        try await server.stop()
        try await server.stop()  // stopping twice is harmless
    }
}
