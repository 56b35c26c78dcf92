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
            driver = CaseDriver(definition: definition, role: .server, timeouts: ProtocolTimeouts(), seed: 7)
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

    @Test("a request without the WebSocket upgrade is answered 400 and dropped")
    func badRequest() throws {
        var peer = Peer(try Self.builtIn("1.1.1"))
        _ = peer.connect()
        let actions = peer.send(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        #expect(peer.response.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        #expect(actions.contains(.close(flushFirst: true)))
        let recording = peer.lose()
        #expect(!recording.connectionWasOpen)
        #expect(recording.closing.wasNotCleanReason == "the request has no 'Upgrade: websocket' header")
    }
}
