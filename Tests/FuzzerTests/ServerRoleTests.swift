import CaseModel
import Foundation
import NIOCore
import Recording
import Testing
import WebSocketWire

@testable import Engine

/// The same driver and the same case files, with wsspec as the server and a scripted client on the other end:
/// the client's request is validated and answered, wsspec's frames go out unmasked, the client's must be masked.
@Suite("Server role")
struct ServerRoleTests {
    static let suite: CaseSuite = {
        let cases = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Cases")
        return try! CaseSuite.load(directory: cases)
    }()

    static func builtIn(_ id: String) throws -> CaseDefinition {
        try #require(suite[CaseID(id)!])
    }

    static let key = "dGhlIHNhbXBsZSBub25jZQ=="
    static let request = Array(
        ("GET /runCase?case=1&agent=scripted HTTP/1.1\r\nHost: 127.0.0.1:9001\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n"
            + "User-Agent: ScriptedClient/1.0\r\n\r\n").utf8)

    /// A frame as a client sends it: masked.
    static func clientFrame(_ opcode: Opcode, _ payload: [UInt8], fin: Bool = true, mask: MaskKey? = MaskKey(1, 2, 3, 4))
        -> [UInt8]
    {
        FrameEncoder.encode(
            FrameHeader(fin: fin, rsv: 0, opcode: opcode, maskKey: mask, payloadLength: UInt64(payload.count)),
            payload: payload)
    }

    /// The driver in server role, with what it writes read back by a client-role parser.
    struct Peer {
        var driver: CaseDriver
        var now: UInt64 = 1_000_000_000
        var fromServer = FrameParser(role: .client)
        var response = ""
        var frames: [(opcode: Opcode, fin: Bool, masked: Bool, payload: [UInt8])] = []
        var violations: [FrameViolation] = []

        init(_ definition: CaseDefinition) {
            let data = TestDataLibrary(
                directory: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                    .deletingLastPathComponent().appendingPathComponent("Cases/data"))
            driver = CaseDriver(definition: definition, role: .server, timeouts: ProtocolTimeouts(), seed: 7, testData: data)
        }

        mutating func tick() -> UInt64 {
            now += 1_000_000
            return now
        }

        @discardableResult
        mutating func collect() -> [EngineAction] {
            let actions = driver.takeActions()
            for case .write(let buffer) in actions {
                let bytes = Array(buffer.readableBytesView)
                if response.isEmpty {
                    response = String(decoding: bytes, as: UTF8.self)
                    continue
                }
                fromServer.append(bytes)
            }
            var current: (opcode: Opcode, fin: Bool, masked: Bool, payload: [UInt8])?
            while let event = fromServer.next() {
                switch event {
                case .frameBegin(let header, let found):
                    violations += found
                    current = (header.opcode, header.fin, header.maskKey != nil, [])
                case .payload(let chunk):
                    current?.payload += chunk.readableBytesView
                case .frameEnd:
                    frames.append(current!)
                }
            }
            return actions
        }

        mutating func connect() -> [EngineAction] {
            driver.connected(at: tick(), wallClock: Date(timeIntervalSince1970: 1_800_000_000))
            return collect()
        }

        mutating func send(_ bytes: [UInt8]) -> [EngineAction] {
            driver.received(ByteBuffer(bytes: bytes), at: tick())
            return collect()
        }

        mutating func fire(_ timer: TimerID) -> [EngineAction] {
            driver.timerFired(timer)
            return collect()
        }

        mutating func lose() -> CaseRecording {
            driver.connectionLost(at: tick())
            collect()
            return driver.recording(at: now)
        }
    }

    @Test("1.1.1 as the server: 101 with the accept value, an empty unmasked text frame, the echo, Close 1000, clean")
    func case1_1_1() throws {
        var peer = Peer(try Self.builtIn("1.1.1"))
        let connected = peer.connect()
        #expect(!connected.contains { if case .write = $0 { true } else { false } }, "the server waits for the request")
        let opened = peer.send(Self.request)
        #expect(peer.response.hasPrefix("HTTP/1.1 101 Switching Protocols\r\n"))
        #expect(peer.response.contains("\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"))
        #expect(opened.contains(.cancel(.openHandshake)))
        #expect(peer.frames.count == 1)
        let first = try #require(peer.frames.first)
        #expect(first.opcode == .text && first.fin && !first.masked && first.payload.isEmpty)
        #expect(peer.violations.isEmpty, "a client-role parser finds nothing wrong with what the server sent")

        // The client echoes the message; the events are complete, so the server closes with 1000.
        _ = peer.send(Self.clientFrame(.text, []))
        #expect(peer.frames.last?.opcode == .close && peer.frames.last?.payload == [0x03, 0xE8])
        #expect(peer.driver.state == .closing)
        _ = peer.send(Self.clientFrame(.close, [0x03, 0xE8]))
        let recording = peer.lose()

        #expect(recording.connectionWasOpen)
        #expect(recording.received == [.message([], binary: false)])
        #expect(recording.closing.isServer)
        #expect(recording.closing.closedByMe && recording.closing.wasClean && !recording.closing.failedByMe)
        #expect(recording.closing.remoteCloseCode == .normalClosure && recording.closing.localCloseCode == .normalClosure)
        #expect(recording.peerSoftware == "ScriptedClient/1.0")
        #expect(recording.handshakeRequest.hasPrefix("GET /runCase?case=1&agent=scripted HTTP/1.1\r\n"))
        #expect(recording.wirelog.contains { if case .txFrame(_, 1, true, 0, nil, nil, nil, false) = $0 { true } else { false } })
        let judged = Judge.judge(try Self.builtIn("1.1.1"), recording).judgement
        #expect(judged?.behavior == .ok && judged?.behaviorClose == .ok)
    }

    @Test("5.19 as the server: fragments and pings around the one-second pause; both pongs and the message back")
    func case5_19() throws {
        let definition = try Self.builtIn("5.19")
        var peer = Peer(definition)
        _ = peer.connect()
        let opened = peer.send(Self.request)
        // Two fragments and the first ping, then the pause.
        #expect(peer.frames.map(\.opcode) == [.text, .continuation, .ping])
        #expect(peer.frames.allSatisfy { !$0.masked })
        let pause = try #require(opened.compactMap { if case .schedule(let id, 1.0) = $0, case .pause = id { id } else { nil } }.first)
        _ = peer.send(Self.clientFrame(.pong, Array("pongme 1!".utf8)))
        let resumed = peer.fire(pause)
        #expect(peer.frames.map(\.opcode) == [.text, .continuation, .ping, .continuation, .continuation, .ping, .continuation])
        #expect(resumed.contains { if case .schedule(.closeAfter, 1.0) = $0 { true } else { false } })

        _ = peer.send(Self.clientFrame(.pong, Array("pongme 2!".utf8)))
        // The client echoes the whole message in two masked fragments.
        _ = peer.send(Self.clientFrame(.text, Array("fragment1fragment2".utf8), fin: false))
        _ = peer.send(Self.clientFrame(.continuation, Array("fragment3fragment4fragment5".utf8)))
        #expect(peer.frames.last?.opcode == .close, "every expected event arrived: the server closes")
        _ = peer.send(Self.clientFrame(.close, [0x03, 0xE8]))
        let recording = peer.lose()

        #expect(
            recording.received == [
                .pong(Array("pongme 1!".utf8)), .pong(Array("pongme 2!".utf8)),
                .message(Array("fragment1fragment2fragment3fragment4fragment5".utf8), binary: false),
            ])
        #expect(recording.closing.wasClean && recording.closing.closedByMe)
        #expect(recording.wirelog.contains(.delay(seconds: 1, tag: nil)) && recording.wirelog.contains(.delayFired(tag: nil)))
        let judged = Judge.judge(definition, recording).judgement
        #expect(judged?.behavior == .ok && judged?.behaviorClose == .ok)
    }

    @Test("an unmasked frame from the client fails the connection with 1002")
    func unmaskedFromClient() throws {
        var peer = Peer(try Self.builtIn("1.1.1"))
        _ = peer.connect()
        _ = peer.send(Self.request)
        _ = peer.send(Self.clientFrame(.text, [], mask: nil))
        #expect(peer.frames.last.map { Array($0.payload.prefix(2)) } == [0x03, 0xEA])
        #expect(peer.driver.recording(at: peer.now).closing.failedByMe)
    }

    @Test("a request without the WebSocket upgrade is answered 426 and dropped; the case never opened")
    func badRequest() throws {
        var peer = Peer(try Self.builtIn("1.1.1"))
        _ = peer.connect()
        let actions = peer.send(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        #expect(peer.response == "HTTP/1.1 426 HTTP Upgrade header missing\r\n\r\n")
        #expect(actions.contains(.close(flushFirst: true)))
        let recording = peer.lose()
        #expect(!recording.connectionWasOpen)
        #expect(recording.closing.wasNotCleanReason == "HTTP Upgrade header missing")
        #expect(recording.handshakeResponse == nil)
        let judged = try #require(Judge.judge(try Self.builtIn("1.1.1"), recording).judgement)
        #expect(judged.behavior == .failed && judged.behaviorClose == .failed)
        #expect(judged.resultClose == "The WebSocket opening handshake was never completed!")
    }

    @Test("the 101 is the reference's: Server first, Upgrade: WebSocket, the accept value, no extension outside 12.x/13.x")
    func switchingProtocols() throws {
        var peer = Peer(try Self.builtIn("1.1.1"))
        _ = peer.connect()
        _ = peer.send(Self.request(extensions: "permessage-deflate; client_max_window_bits"))
        #expect(
            peer.response
                == "HTTP/1.1 101 Switching Protocols\r\nServer: wsspec/\(WSSpecVersion.current)\r\nUpgrade: WebSocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")
    }

    /// A request with a Sec-WebSocket-Extensions header.
    static func request(extensions: String) -> [UInt8] {
        Array(request.dropLast(2)) + Array("Sec-WebSocket-Extensions: \(extensions)\r\n\r\n".utf8)
    }

    @Test("the client's Close reply ends the case at once: TCP aborted by the server, OK / OK, never FAILED BY CLIENT")
    func replyWhileClosing() throws {
        let definition = try Self.builtIn("1.1.1")
        var peer = Peer(definition)
        _ = peer.connect()
        _ = peer.send(Self.request)
        _ = peer.send(Self.clientFrame(.text, []))
        let replied = peer.send(Self.clientFrame(.close, [0x03, 0xE8]))
        #expect(replied.contains(.close(flushFirst: false)), "the server closes TCP itself, at once")
        #expect(!replied.contains { if case .schedule(.serverDrop, _) = $0 { true } else { false } }, "no drop timer in this role")
        let recording = peer.lose()
        #expect(recording.closing.droppedByMe && recording.closing.wasClean && !recording.closing.wasServerConnectionDropTimeout)
        let judged = try #require(Judge.judge(definition, recording).judgement)
        #expect(judged.behaviorClose == .ok && judged.resultClose == "Connection was properly closed")
    }

    @Test("a client that closes first where the server should: 1000 back, TCP closed after it, FAILED (wrong endpoint)")
    func clientClosesFirst() throws {
        let definition = try Self.builtIn("1.1.1")
        var peer = Peer(definition)
        _ = peer.connect()
        _ = peer.send(Self.request)
        let actions = peer.send(Self.clientFrame(.close, [0x03, 0xE8]))
        #expect(peer.frames.last?.opcode == .close && peer.frames.last?.payload == [0x03, 0xE8], "answered with 1000")
        #expect(actions.contains(.close(flushFirst: true)), "the reply goes out, then TCP is closed")
        let recording = peer.lose()
        #expect(!recording.closing.closedByMe && recording.closing.wasClean && recording.closing.droppedByMe)
        #expect(recording.closing.localCloseCode == .normalClosure && recording.closing.localCloseReason == nil)
        let judged = try #require(Judge.judge(definition, recording).judgement)
        #expect(judged.behavior == .failed && judged.behaviorClose == .failed)
        #expect(judged.resultClose == "The connection was failed by the wrong endpoint")
    }

    @Test("S-1002 in server role: the client fails the connection with 1002 first; close OK (3.1, RSV set)")
    func clientFailsOnProtocolError() throws {
        let definition = try Self.builtIn("3.1")
        var peer = Peer(definition)
        _ = peer.connect()
        _ = peer.send(Self.request)
        _ = peer.send(Self.clientFrame(.close, [0x03, 0xEA]))
        let recording = peer.lose()
        let judged = try #require(Judge.judge(definition, recording).judgement)
        #expect(judged.behaviorClose == .ok, "\(judged)")
        #expect(judged.behavior == .ok, "\(judged)")
    }

    @Test("S-1002 with a code the case does not allow: WRONG CODE")
    func clientWrongCode() throws {
        let definition = try Self.builtIn("3.1")
        var peer = Peer(definition)
        _ = peer.connect()
        _ = peer.send(Self.request)
        _ = peer.send(Self.clientFrame(.close, [0x03, 0xE8]))
        let judged = try #require(Judge.judge(definition, peer.lose()).judgement)
        #expect(judged.behaviorClose == .wrongCode)
    }

    @Test("the client ignores the protocol error: the kill timer's Close 1001 makes it the server's close, FAILED")
    func killTimer() throws {
        let definition = try Self.builtIn("3.1")
        var peer = Peer(definition)
        _ = peer.connect()
        let opened = peer.send(Self.request)
        let kill = try #require(opened.compactMap { if case .schedule(let id, _) = $0, case .kill = id { id } else { nil } }.first)
        _ = peer.fire(kill)
        #expect(peer.frames.last?.opcode == .close && Array(peer.frames.last!.payload.prefix(2)) == [0x03, 0xE9])
        _ = peer.send(Self.clientFrame(.close, [0x03, 0xE9]))
        let recording = peer.lose()
        #expect(recording.closing.closedByMe && recording.closing.failedByMe)
        let judged = try #require(Judge.judge(definition, recording).judgement)
        #expect(judged.behaviorClose == .failed)
    }

    @Test("the server's Close unanswered: the close-handshake timer aborts TCP, UNCLEAN")
    func closeUnanswered() throws {
        let definition = try Self.builtIn("1.1.1")
        var peer = Peer(definition)
        _ = peer.connect()
        _ = peer.send(Self.request)
        _ = peer.send(Self.clientFrame(.text, []))
        let actions = peer.fire(.closeHandshake)
        #expect(actions.contains(.close(flushFirst: false)))
        let recording = peer.lose()
        #expect(recording.closing.wasCloseHandshakeTimeout && !recording.closing.wasClean)
        #expect(recording.closing.wasNotCleanReason == "peer did not respond (in time) in closing handshake")
        let judged = try #require(Judge.judge(definition, recording).judgement)
        #expect(judged.behavior == .ok && judged.behaviorClose == .unclean)
    }

    @Test("the client drops TCP without a Close: peer dropped, wrong endpoint (the server had not closed)")
    func clientDropsTCP() throws {
        let definition = try Self.builtIn("1.1.1")
        var peer = Peer(definition)
        _ = peer.connect()
        _ = peer.send(Self.request)
        let recording = peer.lose()
        #expect(!recording.closing.droppedByMe && !recording.closing.wasClean)
        #expect(recording.closing.wasNotCleanReason == "peer dropped the TCP connection without previous WebSocket closing handshake")
        let judged = try #require(Judge.judge(definition, recording).judgement)
        #expect(judged.behavior == .failed && judged.behaviorClose == .failed)
    }

    @Test("an unmasked client: Close 1002, and its unmasked Close reply is a second violation: TCP closed before it counts")
    func unmaskedThenUnmaskedClose() throws {
        let definition = try Self.builtIn("1.1.1")
        var peer = Peer(definition)
        _ = peer.connect()
        _ = peer.send(Self.request)
        _ = peer.send(Self.clientFrame(.text, [], mask: nil))
        let actions = peer.send(Self.clientFrame(.close, [0x03, 0xEA], mask: nil))
        #expect(actions.contains { if case .close = $0 { true } else { false } })
        let recording = peer.lose()
        #expect(recording.closing.remoteCloseCode == nil && !recording.closing.wasClean)
        #expect(recording.closing.closedByMe && recording.closing.failedByMe && recording.closing.droppedByMe)
        #expect(recording.closing.wasNotCleanReason == nil)
        #expect(recording.closing.localCloseReason == "unmasked client-to-server frame")
        let judged = try #require(Judge.judge(definition, recording).judgement)
        #expect(judged.behavior == .failed && judged.behaviorClose == .unclean)
    }

    @Test("12.x/13.x in server role: the case's rules pick the client's offer and the 101 answers it")
    func deflateAccepted() throws {
        for (id, offer, answer) in [
            ("12.1.1", "permessage-deflate; client_max_window_bits", "permessage-deflate"),
            ("13.2.1", "permessage-deflate; client_max_window_bits", "permessage-deflate; client_no_context_takeover"),
            ("13.3.1", "permessage-deflate; client_max_window_bits", "permessage-deflate; client_max_window_bits=9"),
            (
                "13.7.1", "permessage-deflate; server_no_context_takeover; client_max_window_bits",
                "permessage-deflate; server_no_context_takeover; client_no_context_takeover; client_max_window_bits=9"
            ),
            ("13.7.1", "permessage-deflate", "permessage-deflate; client_no_context_takeover"),
        ] {
            var peer = Peer(try Self.builtIn(id))
            _ = peer.connect()
            _ = peer.send(Self.request(extensions: offer))
            #expect(peer.response.contains("\r\nSec-WebSocket-Extensions: \(answer)\r\n"), "\(id) \(offer): \(peer.response)")
            #expect(peer.driver.state == .open, "the message loop runs")
            #expect(peer.frames.first?.opcode == .text)
        }
    }

    @Test("13.3 without client_max_window_bits in the offer: no extension, UNIMPLEMENTED and a Close at once")
    func deflateNotAgreed() throws {
        let definition = try Self.builtIn("13.3.1")
        var peer = Peer(definition)
        _ = peer.connect()
        _ = peer.send(Self.request(extensions: "permessage-deflate"))
        #expect(!peer.response.contains("Sec-WebSocket-Extensions"))
        #expect(peer.frames.last?.opcode == .close)
        _ = peer.send(Self.clientFrame(.close, [0x03, 0xE8]))
        let judged = try #require(Judge.judge(definition, peer.lose()).judgement)
        #expect(judged.behavior == .unimplemented && judged.behaviorClose == .ok)
    }

    @Test("a malformed deflate offer refuses the handshake with 400 on any case: FAILED / FAILED")
    func deflateMalformed() throws {
        let definition = try Self.builtIn("1.1.1")
        var peer = Peer(definition)
        _ = peer.connect()
        _ = peer.send(Self.request(extensions: "permessage-deflate; foo"))
        #expect(peer.response == "HTTP/1.1 400 illegal extension parameter 'foo' for extension 'permessage-deflate'\r\n\r\n")
        let judged = try #require(Judge.judge(definition, peer.lose()).judgement)
        #expect(judged.behavior == .failed && judged.behaviorClose == .failed)
    }

    @Test("outside 12.x/13.x a frame with RSV1 is a protocol error: Close 1002")
    func rsv1WithoutDeflate() throws {
        var peer = Peer(try Self.builtIn("1.1.1"))
        _ = peer.connect()
        _ = peer.send(Self.request(extensions: "permessage-deflate"))
        let frame = FrameEncoder.encode(
            FrameHeader(fin: true, rsv: 4, opcode: .text, maskKey: MaskKey(1, 2, 3, 4), payloadLength: 0), payload: [])
        _ = peer.send(frame)
        #expect(peer.frames.last.map { Array($0.payload.prefix(2)) } == [0x03, 0xEA])
    }

    @Test("a message loop's next message is compressed ahead when the edge asks, and the wire is the same as without")
    func preparedLoopMessages() throws {
        /// Runs 12.1.1 (1000 messages, both directions with context takeover), echoing each compressed message as
        /// it came; with `ahead`, calls `prepare()` (twice) whenever the driver asks for it. Returns the payloads
        /// the driver sent and how often it asked.
        func run(ahead: Bool) throws -> (payloads: [[UInt8]], asked: Int, finding: CheckFinding?) {
            var peer = Peer(try Self.builtIn("12.1.1"))
            _ = peer.connect()
            var actions = peer.send(Self.request(extensions: "permessage-deflate"))
            var asked = 0
            var echoed = 0
            while peer.driver.state == .open, echoed < peer.frames.count {
                if actions.contains(.prepareWhenFlushed) {
                    asked += 1
                    if ahead {
                        peer.driver.prepare()
                        peer.driver.prepare()
                        actions = peer.collect()
                        #expect(actions.isEmpty, "preparing writes nothing")
                    }
                }
                let sent = peer.frames[echoed]
                echoed += 1
                guard sent.opcode == .text else { break }
                actions = peer.send(FrameEncoder.encode(
                    FrameHeader(fin: true, rsv: 4, opcode: .text, maskKey: MaskKey(9, 8, 7, 6),
                        payloadLength: UInt64(sent.payload.count)),
                    payload: sent.payload))
            }
            return (peer.frames.filter { $0.opcode == .text }.map(\.payload), asked, peer.driver.recording(at: peer.now).finding)
        }
        let plain = try run(ahead: false)
        let ahead = try run(ahead: true)
        #expect(plain.payloads.count == 1000 && plain.finding == .loopCompleted)
        #expect(ahead.payloads == plain.payloads && ahead.finding == .loopCompleted)
        #expect(plain.asked == 999 && ahead.asked == 999, "asked after every message but the last")
    }
}
