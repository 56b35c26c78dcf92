import CaseModel
import NIOCore
import ReportFormat
import Gating
import Rendering
import Recording
import JSONCodec
import Testing
import WebSocketWire

@testable import Engine
@testable import Harness
import Recording

@Suite("Receive limits")
struct ReceiveLimitsTests {
    static let echoHello = definition(
        steps: [.send(FrameStep(opcode: .text, payload: .bytes(hello))), .killAfter(seconds: 1)],
        expected: [(.ok, [.message(.bytes(hello), binary: false)])])

    static func limits(_ size: UInt64) -> ReceiveLimits {
        var limits = ReceiveLimits()
        limits.maxMessageSize = size
        return limits
    }

    /// A binary frame header announcing `length` octets, unmasked.
    static func header(_ opcode: Opcode, length: UInt64, fin: Bool = true) -> [UInt8] {
        FrameEncoder.encode(FrameHeader(fin: fin, opcode: opcode, payloadLength: length), payload: [])
    }

    @Test("a frame announcing more than the limit: Close 1009 at its header, and none of its payload is kept")
    func frameBeyondTheLimit() {
        var h = Harness(Self.echoHello, limits: Self.limits(100))
        _ = h.open()
        _ = h.sentFrames()
        _ = h.receive(Self.header(.binary, length: 1 << 30) + [UInt8](repeating: 7, count: 5000))
        #expect(h.sentFrames().map(\.payload) == [
            FrameEncoder.closePayload(
                code: 1009, reason: Array("message exceeds wsspec's receive limit of 100 octets (--max-message-size)".utf8))
        ])
        #expect(h.closing.failedByMe && h.closing.localCloseCode == 1009)
        #expect(h.observation.received.isEmpty)
    }

    @Test("fragments whose sum passes the limit fail the message at the frame that passes it")
    func messageBeyondTheLimit() {
        var h = Harness(Self.echoHello, limits: Self.limits(100))
        _ = h.open()
        _ = h.sentFrames()
        _ = h.receive(serverFrame(.text, [UInt8](repeating: 0x61, count: 60), fin: false))
        #expect(h.sentFrames().isEmpty)
        _ = h.receive(serverFrame(.continuation, [UInt8](repeating: 0x61, count: 60)))
        #expect(h.closing.localCloseCode == 1009)
        #expect(h.observation.received.isEmpty)
    }

    @Test("control frames are not held to the limit: a Close with a reason still counts with a tiny limit")
    func controlFramesUnderTinyLimit() {
        var h = Harness(Self.echoHello, limits: Self.limits(1))
        _ = h.open()
        _ = h.sentFrames()
        _ = h.receive(serverClose(1000, "bye"))
        #expect(h.closing.remoteCloseCode == 1000 && h.closing.remoteCloseReason == "bye")
        #expect(!h.closing.failedByMe)
    }

    @Test("a ping announcing 2^63 − 1 octets: Close 1002 for its length, and its payload is not stored")
    func hugeControlFrame() {
        var h = Harness(Self.echoHello)
        _ = h.open()
        _ = h.sentFrames()
        _ = h.receive([0x89, 0x7F, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF] + [UInt8](repeating: 1, count: 4096))
        #expect(h.closing.localCloseCode == 1002)
        #expect(h.closing.localCloseReason == "control frame with payload length > 125 octets")
    }

    @Test("a message of exactly the limit is accepted")
    func messageAtTheLimit() {
        var h = Harness(Self.echoHello, limits: Self.limits(5))
        _ = h.open()
        _ = h.receive(serverFrame(.text, hello))
        #expect(h.observation.received == [.message(hello, binary: false)])
        #expect(h.closing.localCloseCode == 1000)
    }

    @Test("a 2^63−1 length with the limit at its largest: nothing is reserved ahead of the payload")
    func largestLength() {
        var h = Harness(Self.echoHello, limits: Self.limits(.max))
        _ = h.open()
        _ = h.sentFrames()
        _ = h.receive(Self.header(.text, length: 0x7FFF_FFFF_FFFF_FFFF) + Array("abc".utf8))
        #expect(h.sentFrames().isEmpty)
        #expect(h.observation.received.isEmpty)
        #expect(h.engine.state == .open)
    }

    @Test("events beyond the expected ones are kept only up to the limit; then Close 1009 and no more are kept")
    func surplusEvents() {
        var h = Harness(Self.echoHello, limits: Self.limits(1000))
        _ = h.open()
        _ = h.sentFrames()
        let other = [UInt8](repeating: 0x62, count: 300)
        for _ in 0..<10 { _ = h.receive(serverFrame(.binary, other)) }
        // Each kept event counts its payload and 64 octets of bookkeeping: 1 + 2 events fit into 1000.
        #expect(h.observation.received.count <= 3)
        #expect(h.closing.localCloseCode == 1009)
        #expect(h.closing.localCloseReason?.contains("beyond what the case expects") == true)
        for _ in 0..<5 { _ = h.receive(serverFrame(.pong, [1, 2, 3])) }
        #expect(h.observation.received.count <= 3)
    }

    @Test("the wire log stops at its entry cap with a WLM entry; statistics go on")
    func wireLogCap() {
        var limits = ReceiveLimits()
        limits.maxWireLogEntries = 20
        var h = Harness(Self.echoHello, limits: limits)
        _ = h.open()
        for _ in 0..<50 { _ = h.receive(serverFrame(.pong, [1])) }
        let entries = h.recorder.entries
        #expect(entries.count <= 22)
        #expect(entries.contains(.wirelog(enabled: false)))
        #expect(h.recorder.statistics.rxFrames[10] == 50)
    }

    @Test("a complete handshake answer longer than 64 KiB is refused like an endless one")
    func hugeCompleteHandshake() {
        var h = Harness(Self.echoHello)
        _ = h.connect()
        var answer = h.goodResponse
        answer.removeLast(2)
        answer += Array(("X-Big: " + String(repeating: "a", count: 70_000) + "\r\n\r\n").utf8)
        let actions = h.receive(answer)
        #expect(actions.contains(.close(flushFirst: false)))
        #expect(h.closing.wasNotCleanReason == "handshake response header block longer than 65536 octets")
        #expect(!h.observation.connectionWasOpen)
    }
}
