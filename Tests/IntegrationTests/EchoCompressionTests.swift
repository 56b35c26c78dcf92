import NIOCore
import Testee
import Testing
import WebSocketWire

/// The echo server's permessage-deflate path, without sockets: compressed messages in pieces in, compressed echoes
/// out, inflated straight into the message and validated as they arrive.
@Suite struct EchoCompressionTests {
    static let mask = MaskKey(0x11, 0x22, 0x33, 0x44)

    /// A machine that accepted `offer`; the answer's extension header is returned with it.
    static func open(offer: String, _ configuration: EchoServerConfiguration = .init()) -> (EchoConnectionStateMachine, String) {
        var machine = EchoConnectionStateMachine(configuration: configuration)
        let request = [
            "GET / HTTP/1.1", "Host: 127.0.0.1", "Upgrade: websocket", "Connection: Upgrade",
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13",
            "Sec-WebSocket-Extensions: \(offer)",
        ].joined(separator: "\r\n") + "\r\n\r\n"
        let answer = written(machine.received(ByteBuffer(string: request)))
        #expect(machine.phase == .open)
        return (machine, String(decoding: answer, as: UTF8.self))
    }

    static func written(_ actions: [EchoConnectionStateMachine.Action]) -> [UInt8] {
        actions.flatMap { action -> [UInt8] in
            if case .write(let buffer) = action { return Array(buffer.readableBytesView) }
            return []
        }
    }

    /// `payload` as client frames of at most `piece` octets, RSV1 on the first.
    static func frames(_ opcode: Opcode, _ payload: [UInt8], piece: Int) -> [UInt8] {
        var out: [UInt8] = []
        var start = 0
        repeat {
            let end = min(payload.count, start + piece)
            let header = FrameHeader(
                fin: end == payload.count, rsv: start == 0 ? 4 : 0, opcode: start == 0 ? opcode : .continuation,
                maskKey: mask, payloadLength: UInt64(end - start))
            out += FrameEncoder.encode(header, payload: Array(payload[start..<end]))
            start = end
        } while start < payload.count
        return out
    }

    /// The server frames in `octets`: (header, payload).
    static func serverFrames(_ octets: [UInt8]) -> [(FrameHeader, [UInt8])] {
        var parser = FrameParser()
        parser.compressionNegotiated = true
        parser.append(octets)
        var result: [(FrameHeader, [UInt8])] = []
        var payload: [UInt8] = []
        while let event = parser.next() {
            switch event {
            case .frameBegin: payload = []
            case .payload(let chunk): payload += Array(chunk.readableBytesView)
            case .frameEnd(let header): result.append((header, payload))
            }
        }
        return result
    }

    static func text(_ count: Int) -> [UInt8] {
        let words = ["Straße ", "frame ", "über ", "message ", "naïve ", "octet ", "€ ", "window "]
        var out: [UInt8] = []
        var i = 0
        while out.count < count {
            out += Array(words[(i * 7 + i / 3) % words.count].utf8)
            i += 1
        }
        return out
    }

    @Test("compressed messages in pieces come back compressed, one frame each, in the server's context", arguments: [
        ("permessage-deflate", 15), ("permessage-deflate; server_max_window_bits=9", 9),
        ("permessage-deflate; server_no_context_takeover; server_max_window_bits=10", 10),
    ])
    func roundTrip(offer: String, window: Int) throws {
        var (machine, answer) = Self.open(offer: offer)
        #expect(answer.contains("Sec-WebSocket-Extensions: permessage-deflate"))
        let noTakeover = offer.contains("server_no_context_takeover")
        let client = MessageDeflater(windowBits: 15, noContextTakeover: false)
        let reader = MessageInflater(windowBits: window, noContextTakeover: noTakeover)
        for (n, size) in [100_000, 16, 70_000, 3].enumerated() {
            let message = n % 2 == 0 ? Self.text(size) : Array(Self.text(size).reversed())
            let opcode: Opcode = n % 2 == 0 ? .text : .binary
            let echoes = Self.serverFrames(Self.written(machine.received(ByteBuffer(bytes: Self.frames(
                opcode, client.compress(message), piece: 1000)))))
            try #require(echoes.count == 1)
            #expect(echoes[0].0.rsv == 4 && echoes[0].0.fin && echoes[0].0.opcode == opcode)
            var plain: [UInt8] = []
            reader.beginMessage()
            try reader.inflate(echoes[0].1, into: &plain)
            try reader.endMessage(into: &plain)
            #expect(plain == message, "message \(n) of \(size) octets")
        }
    }

    @Test("invalid UTF-8 inside a compressed text message fails with 1007, one that inflates too far with 1009")
    func failures() throws {
        let client = MessageDeflater(windowBits: 15, noContextTakeover: true)
        var (machine, _) = Self.open(offer: "permessage-deflate")
        let bad = Self.text(5000) + [0xC0, 0x80] + Self.text(100)
        var frames = Self.serverFrames(Self.written(machine.received(ByteBuffer(bytes: Self.frames(.text, client.compress(bad), piece: 300)))))
        #expect(frames.last?.0.opcode == .close && frames.last.map { UInt16($0.1[0]) << 8 | UInt16($0.1[1]) } == 1007)

        (machine, _) = Self.open(offer: "permessage-deflate", .init(maxMessageSize: 10_000))
        let large = [UInt8](repeating: 0x41, count: 20_000)
        frames = Self.serverFrames(Self.written(machine.received(ByteBuffer(bytes: Self.frames(.binary, client.compress(large), piece: 50)))))
        #expect(frames.last?.0.opcode == .close && frames.last.map { UInt16($0.1[0]) << 8 | UInt16($0.1[1]) } == 1009)
    }

    @Test("the compressed path appends to a ByteBuffer what the array path returns")
    func byteBufferPaths() throws {
        let message = Self.text(50_000)
        let a = MessageDeflater(windowBits: 12, noContextTakeover: false)
        let b = MessageDeflater(windowBits: 12, noContextTakeover: false)
        let inflater = MessageInflater(windowBits: 12, noContextTakeover: false)
        for _ in 0..<3 {
            let array = a.compress(message)
            var buffer = ByteBuffer(string: "head")
            message.withUnsafeBytes { b.compress($0, appendingTo: &buffer) }
            #expect(Array(buffer.readableBytesView) == Array("head".utf8) + array)
            var out = ByteBuffer()
            inflater.beginMessage()
            try array.withUnsafeBytes { try inflater.inflate($0, into: &out) }
            try inflater.endMessage(into: &out)
            #expect(Array(out.readableBytesView) == message)
        }
    }
}
