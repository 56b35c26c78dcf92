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

@Suite("CaseDriver")
struct CaseDriverTests {
    /// 1.1.x-like: one text frame, a kill timer; the echo is expected, then wsspec closes with 1000.
    static let echoHello = definition(
        steps: [.send(FrameStep(opcode: .text, payload: .bytes(hello))), .killAfter(seconds: 1)],
        expected: [(.ok, [.message(.bytes(hello), binary: false)])])

    /// S-1002 with nothing to send but a kill timer.
    static let serverMustFail = definition(steps: [.killAfter(seconds: 1)], close: serverFails1002)

    /// wsspec closes with 1000 right after opening.
    static let closesAtOnce = definition(steps: [.close(code: 1000, reason: nil), .killAfter(seconds: 1)])

    // MARK: Opening handshake

    @Test("connecting sends the opening handshake and arms the open-handshake timer and the watchdog")
    func connecting() throws {
        var h = Harness(Self.echoHello)
        let actions = h.connect()
        let request = h.engine.request!
        #expect(actions == [
            .schedule(.openHandshake, seconds: 5),
            .schedule(.watchdog, seconds: h.engine.watchdogDeadline),
            .write(ByteBuffer(string: request.encoded())),
        ])
        #expect(request.encoded().hasPrefix("GET / HTTP/1.1\r\nUser-Agent: wsspec/"))
        #expect(request.encoded().contains("\r\nHost: 127.0.0.1:9001\r\n"))
        #expect(h.engine.state == .connecting)
        #expect(h.engine.watchdogDeadline == 5 + 1 + 1 + 10 + 1)
    }

    @Test("the handshake key and every masking key are replayed from the seed")
    func seeded() {
        func run(seed: UInt64) -> (String, [UInt8]) {
            var h = Harness(Self.echoHello, seed: seed)
            _ = h.open()
            _ = h.receive(serverFrame(.text, hello))
            return (h.engine.request!.key, h.written)
        }
        #expect(run(seed: 42) == run(seed: 42))
        #expect(run(seed: 42).0 != run(seed: 43).0)
        #expect(run(seed: 42).1 != run(seed: 43).1)
    }

    @Test("a valid answer opens the case and runs its steps: masked frames that decode to the case's frames")
    func opensAndRunsSteps() {
        let d = definition(steps: [
            .send(FrameStep(opcode: .text, payload: .bytes(hello))),
            .send(FrameStep(opcode: .binary, rsv: 5, payload: .bytes([0xFE]), repeatLength: 300)),
            .send(FrameStep(opcode: .ping, payload: .text("p"))),
            .message(MessageStep(binary: false, payload: .text("fragment"), fragmentSize: 3)),
            // An exact multiple of the fragment size ends with an empty frame (catalogue §1.4 quirk).
            .message(MessageStep(binary: true, payload: .text("abcdef"), fragmentSize: 3)),
            .send(FrameStep(opcode: Opcode(rawValue: 13), fin: false)),
            .killAfter(seconds: 1),
        ], close: serverFails1002)
        var h = Harness(d)
        let actions = h.open()
        #expect(h.engine.state == .open)
        #expect(h.observation.connectionWasOpen)
        #expect(actions.first == .cancel(.openHandshake))
        #expect(killTimer(in: actions) != nil)
        #expect(scheduled(actions).map(\.1) == [1])

        let frames = h.sentFrames()
        #expect(frames.allSatisfy { $0.masked })
        #expect(frames.map(\.opcode.rawValue) == [1, 2, 9, 1, 0, 0, 2, 0, 0, 13])
        #expect(frames.map(\.fin) == [true, true, true, false, false, true, false, false, true, false])
        #expect(frames.map { String(decoding: $0.payload, as: UTF8.self) }.suffix(7)
            == ["fra", "gme", "nt", "abc", "def", "", ""])
        #expect(frames[0].payload == hello)
        #expect(frames[1].payload == [UInt8](repeating: 0xFE, count: 300) && frames[1].rsv == 5)
        #expect(frames[2].payload == Array("p".utf8))
        // Every frame has its own key.
        var keys = Set<[UInt8]>()
        var parser = FrameParser(role: .server)
        parser.append(h.written)
        while let e = parser.next() { if case .frameBegin(let header, _) = e { keys.insert(header.maskKey!.array) } }
        #expect(keys.count == frames.count)
    }

    @Test("a refused answer drops TCP at once; the case never opens and is FAILED / FAILED")
    func handshakeRefused() {
        var h = Harness(Self.echoHello)
        _ = h.connect()
        let actions = h.receive(Array("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".utf8))
        #expect(actions == [.close(flushFirst: false)])
        #expect(h.engine.state == .closed)
        #expect(h.closing.droppedByMe)
        #expect(h.closing.wasNotCleanReason == "WebSocket connection upgrade failed (404 - NotFound)")
        #expect(h.observation.handshakeResponse == "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
        _ = h.lose()
        #expect(!h.observation.connectionWasOpen)
        let v = Judge.judge(Self.echoHello, h.observation)
        #expect(v.behavior == "FAILED" && v.behaviorClose == "FAILED")
        #expect(v.resultClose == "The WebSocket opening handshake was never completed!")
    }

    @Test("a wrong accept value is refused with both values in the reason")
    func wrongAccept() {
        var h = Harness(Self.echoHello)
        _ = h.connect()
        let response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
        #expect(h.receive(Array(response.utf8)) == [.close(flushFirst: false)])
        let expected = HandshakeRequest.acceptValue(forKey: h.engine.request!.key)
        #expect(h.closing.wasNotCleanReason
            == "HTTP Sec-WebSocket-Accept bogus value : expected \(expected) / got s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    @Test("an answer in pieces opens once the empty line arrives; frames in the same read are parsed")
    func handshakeInPiecesAndTrailingFrames() {
        var h = Harness(Self.echoHello)
        _ = h.connect()
        let response = h.goodResponse
        for octet in response.dropLast() {
            #expect(h.receive([octet]).isEmpty)
        }
        #expect(h.engine.state == .connecting)
        // The last octet of the header block and the echo in one read.
        _ = h.receive([response.last!] + serverFrame(.text, hello))
        #expect(h.engine.state == .closing, "the echo arrived and wsspec closed")
        #expect(h.observation.received == [.message(hello, binary: false)])
        #expect(h.observation.peerSoftware == "TestServer/1.0")
    }

    @Test("the open-handshake timeout drops TCP and says so")
    func openHandshakeTimeout() {
        var h = Harness(Self.echoHello)
        _ = h.connect()
        #expect(h.fire(.openHandshake) == [.close(flushFirst: false)])
        #expect(h.closing.wasOpenHandshakeTimeout)
        #expect(h.closing.droppedByMe)
        #expect(h.closing.wasNotCleanReason == "peer did not finish (in time) the opening handshake")
    }

    // MARK: Closing handshake

    @Test("after the expected echo wsspec closes with 1000 and arms the close-handshake timer; the reply makes it clean")
    func autoCloseAndCleanClose() {
        var h = Harness(Self.echoHello)
        _ = h.open()
        _ = h.sentFrames()
        let afterEcho = h.receive(serverFrame(.text, hello))
        let close = h.sentFrames()
        #expect(close.map(\.opcode) == [.close])
        #expect(close.first?.payload == bytes("03 e8"))
        #expect(close.first?.masked == true)
        #expect(scheduled(afterEcho).contains { $0 == (.closeHandshake, 1) })
        #expect(h.engine.state == .closing)
        #expect(h.closing.closedByMe && h.closing.localCloseCode == 1000 && h.closing.localCloseReason == nil)

        let afterReply = h.receive(serverClose(1000))
        #expect(afterReply.contains(.cancel(.closeHandshake)))
        #expect(scheduled(afterReply).contains { $0 == (.serverDrop, 1) })
        #expect(h.closing.wasClean)
        #expect(h.closing.remoteCloseCode == 1000)

        let atEnd = h.lose()
        #expect(atEnd.contains(.cancel(.serverDrop)))
        #expect(h.engine.isFinished)
        #expect(h.observation.txFrames == [1: 1, 8: 1])
        #expect(h.closing.wasNotCleanReason == nil)
        let v = Judge.judge(Self.echoHello, h.observation)
        #expect(v == Verdict(behavior: "OK", behaviorClose: "OK", result: "Actual events match at least one expected.",
                             resultClose: "Connection was properly closed"))
    }

    @Test("no auto-close when a case has two expected outcomes (catalogue §6 quirk 1)")
    func noAutoCloseWithTwoOutcomes() {
        let d = definition(
            steps: [.send(FrameStep(opcode: .text, payload: .bytes(hello)))],
            expected: [(.ok, [.message(.bytes(hello), binary: false)]), (.nonStrict, [])])
        var h = Harness(d)
        _ = h.open()
        #expect(h.receive(serverFrame(.text, hello)).isEmpty)
        #expect(h.engine.state == .open)
    }

    @Test("no auto-close when the case switches it off")
    func autoCloseOff() {
        let d = definition(
            steps: [.send(FrameStep(opcode: .text, payload: .bytes(hello)))],
            expected: [(.ok, [.message(.bytes(hello), binary: false)])], autoClose: false)
        var h = Harness(d)
        _ = h.open()
        #expect(h.receive(serverFrame(.text, hello)).isEmpty)
    }

    @Test("a server Close while open is answered with 1000 and no reason; the close is clean")
    func serverCloseWhileOpen() {
        var h = Harness(Self.serverMustFail)
        _ = h.open()
        _ = h.sentFrames()
        let actions = h.receive(serverClose(1002, "bye"))
        #expect(h.sentFrames().map(\.payload) == [bytes("03 e8")])
        #expect(!scheduled(actions).contains { $0.0 == .closeHandshake }, "no timer for a reply")
        #expect(h.closing.wasClean)
        #expect(!h.closing.closedByMe)
        #expect(h.closing.localCloseCode == 1000 && h.closing.localCloseReason == nil)
        #expect(h.closing.remoteCloseCode == 1002 && h.closing.remoteCloseReason == "bye")
        _ = h.lose()
        let v = Judge.judge(Self.serverMustFail, h.observation)
        #expect(v.behavior == "OK" && v.behaviorClose == "OK")
    }

    @Test("a Close reply with the invalid code 1005 while closing drops TCP; the code is still recorded")
    func invalidCodeWhileClosing() {
        var h = Harness(Self.closesAtOnce)
        _ = h.open()
        #expect(h.sentFrames().map(\.payload) == [bytes("03 e8")])
        #expect(h.engine.state == .closing)
        let actions = h.receive(serverClose(1005))
        #expect(actions == [.close(flushFirst: true)])
        #expect(h.sentFrames().isEmpty)
        #expect(h.closing.remoteCloseCode == 1005)
        #expect(h.closing.droppedByMe)
        #expect(!h.closing.wasClean)
        _ = h.lose()
        #expect(h.closing.wasNotCleanReason == nil)
        #expect(Judge.judge(Self.closesAtOnce, h.observation).behaviorClose == "UNCLEAN")
    }

    @Test("an invalid close code while open: Close 1002, and the frame counts as the reply")
    func invalidCodeWhileOpen() {
        var h = Harness(Self.serverMustFail)
        _ = h.open()
        _ = h.sentFrames()
        let actions = h.receive(serverClose(0))
        let sent = h.sentFrames()
        #expect(sent.map(\.payload) == [FrameEncoder.closePayload(code: 1002, reason: Array("invalid close code 0".utf8))])
        #expect(h.closing.wasClean)
        #expect(h.closing.remoteCloseCode == 0)
        #expect(h.closing.closedByMe && h.closing.failedByMe)
        #expect(scheduled(actions).contains { $0 == (.serverDrop, 1) })
    }

    @Test("a close reason that is not UTF-8 while open: Close 1007 and TCP dropped, reason unset")
    func invalidCloseReason() {
        var h = Harness(Self.serverMustFail)
        _ = h.open()
        _ = h.sentFrames()
        let actions = h.receive(serverFrame(.close, bytes("03 e8 ff fe")))
        #expect(h.sentFrames().map(\.payload)
            == [FrameEncoder.closePayload(code: 1007, reason: Array("invalid close reason (non-UTF-8 payload)".utf8))])
        #expect(actions.last == .close(flushFirst: true))
        #expect(!h.closing.wasClean && h.closing.droppedByMe)
        #expect(h.closing.remoteCloseReason == nil)
    }

    @Test("the close-handshake timeout drops TCP and says so")
    func closeHandshakeTimeout() {
        var h = Harness(Self.closesAtOnce)
        let actions = h.open()
        #expect(scheduled(actions).contains { $0 == (.closeHandshake, 1) })
        #expect(h.fire(.closeHandshake) == [.close(flushFirst: false)])
        #expect(h.closing.wasCloseHandshakeTimeout)
        #expect(!h.closing.wasClean && h.closing.droppedByMe)
        #expect(h.closing.wasNotCleanReason == "peer did not respond (in time) in closing handshake")
        #expect(Judge.judge(Self.closesAtOnce, h.observation).behaviorClose == "UNCLEAN")
    }

    @Test("the server-drop timeout drops TCP and makes the close unclean")
    func serverDropTimeout() {
        var h = Harness(Self.closesAtOnce)
        _ = h.open()
        _ = h.receive(serverClose(1000))
        #expect(h.closing.wasClean)
        #expect(h.fire(.serverDrop) == [.close(flushFirst: false)])
        #expect(h.closing.wasServerConnectionDropTimeout)
        #expect(!h.closing.wasClean && h.closing.droppedByMe)
        #expect(h.closing.wasNotCleanReason == "server did not drop TCP connection (in time)")
        _ = h.lose()
        #expect(Judge.judge(Self.closesAtOnce, h.observation).behaviorClose == "UNCLEAN")
    }

    @Test("timers that fire after the connection is gone do nothing")
    func lateTimers() {
        var h = Harness(Self.echoHello)
        let actions = h.open()
        _ = h.lose()
        for timer in [TimerID.closeHandshake, .serverDrop, .openHandshake, .watchdog, killTimer(in: actions)!] {
            #expect(h.fire(timer).isEmpty, "\(timer)")
        }
        #expect(!h.recorder.entries.contains { kind($0) == "KLE" })
    }

    @Test("the TCP connection lost without a closing handshake: the peer dropped it")
    func peerDropped() {
        var h = Harness(Self.echoHello)
        _ = h.open()
        let actions = h.lose()
        #expect(actions.contains(.cancel(.watchdog)))
        #expect(!h.closing.wasClean && !h.closing.droppedByMe)
        #expect(h.closing.wasNotCleanReason == "peer dropped the TCP connection without previous WebSocket closing handshake")
        #expect(h.engine.state == .closed)
    }

    // MARK: Kill and close timers

    @Test("the kill timer while open: Close 1001 'Going Away'")
    func killWhileOpen() throws {
        var h = Harness(Self.serverMustFail)
        let opened = h.open()
        let kill = try #require(killTimer(in: opened))
        _ = h.sentFrames()
        let actions = h.fire(kill)
        let sent = h.sentFrames()
        #expect(sent.map(\.opcode) == [.close])
        #expect(sent.first?.payload == bytes("03 e9 47 6f 69 6e 67 20 41 77 61 79"))
        #expect(scheduled(actions).contains { $0 == (.closeHandshake, 1) })
        #expect(h.closing.failedByMe && h.closing.closedByMe)
        #expect(h.closing.localCloseCode == 1001 && h.closing.localCloseReason == "Going Away")
        #expect(h.recorder.entries.map(kind).suffix(3) == ["KLE", "TF", "TO"])
        // The server ignored the error: wsspec closed, the wrong endpoint.
        _ = h.receive(serverClose(1000))
        _ = h.lose()
        #expect(Judge.judge(Self.serverMustFail, h.observation).behaviorClose == "FAILED")
    }

    @Test("the kill timer while closing drops TCP; wasClean stays as it was")
    func killWhileClosing() throws {
        var h = Harness(Self.serverMustFail)
        let opened = h.open()
        let kill = try #require(killTimer(in: opened))
        _ = h.receive(serverClose(1002))
        _ = h.sentFrames()
        #expect(h.fire(kill) == [.close(flushFirst: true)])
        #expect(h.sentFrames().isEmpty)
        #expect(h.closing.failedByMe && h.closing.droppedByMe)
        #expect(h.closing.wasClean)
        _ = h.lose()
        #expect(Judge.judge(Self.serverMustFail, h.observation).behaviorClose == "FAILED BY CLIENT")
    }

    @Test("close-after sends a Close with an empty payload, unless already closing")
    func closeAfter() throws {
        let d = definition(steps: [.closeAfter(seconds: 2)])
        var h = Harness(d)
        let actions = h.open()
        let timer = try #require(scheduled(actions).first { if case .closeAfter = $0.0 { true } else { false } })
        #expect(timer.1 == 2)
        _ = h.fire(timer.0)
        let sent = h.sentFrames()
        #expect(sent.map(\.opcode) == [.close] && sent.first?.payload == [])
        #expect(h.written.count == 6, "88 80 and the key")
        #expect(h.closing.closedByMe && !h.closing.failedByMe && h.closing.localCloseCode == nil)
        #expect(h.recorder.entries.map(kind).suffix(3) == ["TIE", "TF", "TO"])
        // Firing again while closing sends nothing.
        #expect(h.fire(timer.0).isEmpty)
    }

    @Test("a pause with a tag records the timeout event when it fires while open, then the script goes on")
    func pauseWithTag() throws {
        let d = definition(
            steps: [.pause(seconds: 1, tag: "A"), .send(FrameStep(opcode: .text, payload: .text("after")))],
            expected: [(.ok, [.timeout("A")]), (.nonStrict, [])])
        var h = Harness(d)
        let actions = h.open()
        let pause = try #require(scheduled(actions).first { if case .pause = $0.0 { true } else { false } })
        #expect(h.sentFrames().isEmpty, "nothing is sent before the pause ends")
        _ = h.fire(pause.0)
        #expect(h.observation.received == [.timeout("A")])
        #expect(h.sentFrames().map(\.payload) == [Array("after".utf8)])
        #expect(h.recorder.entries.map(kind).suffix(4) == ["CT", "CTE", "TF", "TO"])
    }

    // MARK: Frames from the server

    @Test("a masked server frame: Close 1002 'masked server-to-client frame', the message is not delivered")
    func maskedServerFrame() {
        var h = Harness(Self.serverMustFail)
        _ = h.open()
        _ = h.sentFrames()
        let actions = h.receive(serverFrame(.text, hello, mask: MaskKey(1, 2, 3, 4)))
        #expect(h.sentFrames().map(\.payload)
            == [FrameEncoder.closePayload(code: 1002, reason: Array("masked server-to-client frame".utf8))])
        #expect(!actions.contains(.close(flushFirst: true)) && !actions.contains(.close(flushFirst: false)))
        #expect(h.observation.received.isEmpty)
        #expect(h.closing.failedByMe && h.closing.closedByMe)
        #expect(h.closing.localCloseCode == 1002 && h.closing.localCloseReason == "masked server-to-client frame")
        #expect(h.engine.state == .closing)
    }

    @Test(
        "each broken rule fails the connection with 1002 and the violation's reason",
        arguments: [
            (bytes("8b 00"), "control frame using reserved opcode 11"),
            (bytes("83 00"), "data frame using reserved opcode 3"),
            (bytes("91 00"), "RSV = 1 and no extension negotiated"),
            (bytes("80 00"), "received continuation data frame outside fragmented message"),
            (serverFrame(.ping, [UInt8](repeating: 0xFE, count: 126)), "control frame with payload length > 125 octets"),
        ])
    func violations(frame: [UInt8], reason: String) {
        var h = Harness(Self.serverMustFail)
        _ = h.open()
        _ = h.sentFrames()
        _ = h.receive(frame)
        #expect(h.sentFrames().map(\.payload) == [FrameEncoder.closePayload(code: 1002, reason: Array(reason.utf8))])
        #expect(h.observation.received.isEmpty, "no pong for a ping that broke a rule")
    }

    @Test("invalid UTF-8 in a text message: Close 1007, then TCP dropped at once")
    func invalidUTF8() {
        var h = Harness(Self.serverMustFail)
        _ = h.open()
        _ = h.sentFrames()
        let x = bytes("ce ba e1 bd b9 cf 83 ce bc ce b5 ed a0 80 65 64 69 74 65 64")
        let actions = h.receive(serverFrame(.text, x))
        #expect(h.sentFrames().map(\.payload) == [FrameEncoder.closePayload(
            code: 1007, reason: Array("encountered invalid UTF-8 while processing text message at payload octet index 12".utf8))])
        #expect(actions.last == .close(flushFirst: true))
        #expect(h.closing.closedByMe && h.closing.failedByMe && h.closing.droppedByMe)
        #expect(!h.closing.wasClean)
        #expect(h.observation.received.isEmpty)
        _ = h.lose()
        #expect(h.closing.wasNotCleanReason == nil)
    }

    @Test("invalid UTF-8 split over frames: Close 1007 with the index in the whole message")
    func invalidUTF8AcrossFrames() {
        var h = Harness(Self.serverMustFail)
        _ = h.open()
        _ = h.sentFrames()
        // κόσμε as in catalogue §2.6 (11 octets), then U+110000.
        _ = h.receive(serverFrame(.text, bytes("ce ba e1 bd b9 cf 83 ce bc ce b5"), fin: false))
        #expect(h.sentFrames().isEmpty)
        _ = h.receive(serverFrame(.continuation, bytes("f4 90 80 80"), fin: true))
        #expect(h.sentFrames().first?.payload == FrameEncoder.closePayload(
            code: 1007, reason: Array("encountered invalid UTF-8 while processing text message at payload octet index 12".utf8)))
        #expect(h.closing.droppedByMe)
    }

    @Test("a text message ending inside a code point: Close 1007, and the reply is awaited")
    func truncatedUTF8() {
        var h = Harness(Self.serverMustFail)
        _ = h.open()
        _ = h.sentFrames()
        let actions = h.receive(serverFrame(.text, Array("Hello".utf8) + [0xCE]))
        #expect(h.sentFrames().map(\.payload) == [FrameEncoder.closePayload(
            code: 1007, reason: Array("UTF-8 text message payload ended within Unicode code point at payload octet index 6".utf8))])
        #expect(!actions.contains(.close(flushFirst: true)))
        #expect(h.engine.state == .closing)
        #expect(h.observation.received.isEmpty)
    }

    @Test("a fragmented message is delivered whole; a server ping is answered with its payload and not recorded")
    func fragmentedMessageAndPing() {
        let d = definition(expected: [(.ok, [.message(.text("fragment1fragment2"), binary: false)])])
        var h = Harness(d)
        _ = h.open()
        _ = h.receive(serverFrame(.text, Array("fragment1".utf8), fin: false))
        _ = h.receive(serverFrame(.ping, Array("ping payload".utf8)))
        let pong = h.sentFrames()
        #expect(pong.map(\.opcode) == [.pong] && pong.first?.payload == Array("ping payload".utf8))
        #expect(h.observation.received.isEmpty)
        _ = h.receive(serverFrame(.continuation, Array("fragment2".utf8)))
        #expect(h.observation.received == [.message(Array("fragment1fragment2".utf8), binary: false)])
        #expect(h.sentFrames().map(\.opcode) == [.close], "auto-close after the expected message")
    }

    @Test("pongs and messages arriving while closing are still recorded")
    func eventsWhileClosing() {
        var h = Harness(Self.closesAtOnce)
        _ = h.open()
        _ = h.receive(serverFrame(.pong, Array("late".utf8)) + serverFrame(.binary, [1, 2]))
        #expect(h.observation.received == [.pong(Array("late".utf8)), .message([1, 2], binary: true)])
    }

    // MARK: Writing in pieces and the wire log

    @Test("a chopped frame is written in pieces, with a write turn between them; frames behind it wait")
    func choppedFrame() {
        let d = definition(steps: [
            .send(FrameStep(opcode: .ping, payload: .bytes(hello), chop: 2)),
            .send(FrameStep(opcode: .text, payload: .text("x"))),
        ])
        var h = Harness(d)
        var actions = h.open()
        var pieces: [[UInt8]] = []
        while true {
            let writes = actions.compactMap(\.written)
            pieces += writes
            guard actions.contains(.scheduleWriteTurn) else { break }
            #expect(actions.last == .scheduleWriteTurn)
            #expect(writes.count == 1, "one piece per turn")
            actions = h.writeTurn()
        }
        // The ping is 2 + 4 + 5 = 11 octets: five pieces of 2, one of 1; then the text frame.
        #expect(pieces.map(\.count) == [2, 2, 2, 2, 2, 1, 7])
        let frames = h.sentFrames()
        #expect(frames.map(\.opcode) == [.ping, .text])
        #expect(frames.first?.payload == hello)
        let syncFlags = h.recorder.entries.compactMap { if case .txOctets(_, let sync) = $0 { sync } else { nil } }
        #expect(syncFlags == [false, true, true, true, true, true, true, false])
    }

    @Test("wire log of a simple case: TO, RO, TF, TO, KL, RO, RF, TF, TO, RO, RF (catalogue §1.7)")
    func wireLogSimpleCase() {
        var h = Harness(Self.echoHello)
        _ = h.open()
        _ = h.receive(serverFrame(.text, hello))
        _ = h.receive(serverClose(1000))
        _ = h.lose()
        let entries = h.recorder.entries
        #expect(entries.map(kind) == ["TO", "RO", "TF", "TO", "KL", "RO", "RF", "TF", "TO", "RO", "RF"])
        guard entries.count == 11 else { return }
        #expect(entries[0] == .txOctets(BytePreview(Array(h.engine.request!.encoded().utf8)), sync: false))
        #expect(entries[1] == .rxOctets(BytePreview(h.goodResponse)))
        if case .txFrame(let payload, let opcode, let fin, let rsv, let mask, let repeatLength, let chop, let sync) = entries[2] {
            #expect(payload == BytePreview(hello) && opcode == 1 && fin && rsv == 0 && mask?.count == 4)
            #expect(repeatLength == nil && chop == nil && !sync)
        } else {
            Issue.record("entry 2 should be TF")
        }
        #expect(entries[4] == .killAfter(seconds: 1))
        #expect(entries[6] == .rxFrame(payload: BytePreview(hello), opcode: 1, fin: true, rsv: 0, mask: nil))
        #expect(entries[10] == .rxFrame(payload: BytePreview(bytes("03 e8")), opcode: 8, fin: true, rsv: 0, mask: nil))
        // Statistics match the log.
        let stats = h.recorder.statistics
        #expect(stats.txFrames == [1: 1, 8: 1] && stats.rxFrames == [1: 1, 8: 1])
        #expect(stats.rxOctets.values.reduce(0, +) == 3 && stats.txOctets.values.reduce(0, +) == 3)
    }

    @Test("queued (sync) writes: later TF entries and the KL come before the remaining TO entries (case 3.3)")
    func wireLogSyncFrames() {
        let d = definition(steps: [
            .send(FrameStep(opcode: .text, payload: .text("Hello, world!"), sync: true)),
            .send(FrameStep(opcode: .text, rsv: 3, payload: .text("Hello, world!"), sync: true)),
            .send(FrameStep(opcode: .ping, sync: true)),
            .killAfter(seconds: 1),
        ], close: serverFails1002)
        var h = Harness(d)
        _ = h.open()
        _ = h.writeTurn()
        _ = h.writeTurn()
        #expect(h.writeTurn().isEmpty, "the queue is empty")
        let kinds = h.recorder.entries.map(kind).dropFirst(2)
        #expect(Array(kinds) == ["TF", "TO", "TF", "TF", "KL", "TO", "TO"])
        #expect(h.sentFrames().map(\.rsv) == [0, 3, 0])
    }

    @Test("wirelog: false stops octet and frame entries but not timers; statistics go on")
    func wirelogSwitch() throws {
        let d = definition(steps: [
            .wirelog(false, silent: false), .send(FrameStep(opcode: .text, payload: .bytes(hello))), .killAfter(seconds: 1),
        ], close: serverFails1002)
        var h = Harness(d)
        _ = h.open()
        #expect(h.recorder.entries.map(kind) == ["TO", "RO", "WLM", "KL"])
        #expect(h.recorder.statistics.txFrames == [1: 1])
    }
}
