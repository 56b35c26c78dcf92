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

/// Categories 9 and 6.4.3/6.4.4 on the engine: the echo check and frames streamed in pieces.
@Suite("Echo check and streamed frames")
struct EchoCheckTests {
    static func echoCase(_ steps: [Step], rounds: Int = 1) -> CaseDefinition {
        var d = definition(id: "9.1.1", steps: steps, expected: [])
        d.echo = EchoCheck(within: 10, rounds: rounds)
        return d
    }

    static let pattern = Payload.text("BAsd7&jh23")
    static let bigText: [Step] = [
        .wirelog(false, silent: true),
        .send(FrameStep(opcode: .text, payload: pattern, repeatLength: 1000)),
        .closeAfter(seconds: 10),
    ]

    /// Opens the case and returns the payload wsspec sent in its first frame.
    static func open(_ h: inout Harness) -> [UInt8] {
        _ = h.open()
        return h.sentFrames().first?.payload ?? []
    }

    @Test("no echo: FAILED with the time limit in the result")
    func noEcho() {
        var h = Harness(Self.echoCase(Self.bigText))
        _ = Self.open(&h)
        _ = h.lose()
        let v = Judge.judge(h.engine.definition, h.observation)
        #expect(v.behavior == "FAILED")
        #expect(v.result == "Did not receive message within 10 seconds.")
    }

    @Test("the same message back: OK, the wire log back on silently, Close 1000 at once")
    func correctEcho() {
        var h = Harness(Self.echoCase(Self.bigText))
        let sent = Self.open(&h)
        #expect(sent.count == 1000)
        #expect(!h.recorder.logEnabled)
        // Delivered in uneven pieces, as a network would.
        let frame = serverFrame(.text, sent)
        _ = h.receive(Array(frame[..<7]))
        _ = h.receive(Array(frame[7..<513]))
        _ = h.receive(Array(frame[513...]))
        #expect(h.caseVerdict == CaseVerdict(behavior: "OK", result: "Received text message of length 1000."))
        #expect(h.observation.received.isEmpty, "echoes are checked, not kept")
        #expect(h.recorder.logEnabled)
        #expect(!h.recorder.entries.contains { kind($0) == "WLM" })
        let close = h.sentFrames().last
        #expect(close?.opcode == .close && close?.payload == [0x03, 0xE8])
    }

    @Test("a wrong length or type fails with the reference's texts")
    func wrongLengthOrType() {
        var h = Harness(Self.echoCase(Self.bigText))
        let sent = Self.open(&h)
        _ = h.receive(serverFrame(.text, Array(sent.dropLast())))
        #expect(h.caseVerdict?.result == "Expected text message with payload of length 1000, but got 999.")
        #expect(h.caseVerdict?.behavior == "FAILED")

        var b = Harness(Self.echoCase(Self.bigText))
        let sentAgain = Self.open(&b)
        _ = b.receive(serverFrame(.binary, sentAgain))
        #expect(b.caseVerdict?.result == "Expected text message with payload, but got binary.")
    }

    @Test("one wrong byte fails the case and names its offset (the reference does not compare content)")
    func wrongContent() {
        var h = Harness(Self.echoCase(Self.bigText))
        var echoed = Self.open(&h)
        echoed[777] ^= 0x20
        _ = h.receive(serverFrame(.text, echoed))
        #expect(h.caseVerdict?.behavior == "FAILED")
        #expect(h.caseVerdict?.result.contains("at payload octet 777") == true)
    }

    @Test("round trips: the next message goes out only after each correct echo; OK after the last")
    func roundTrips() {
        let steps: [Step] = [
            .wirelog(false, silent: false), .closeAfter(seconds: 60),
            .send(FrameStep(opcode: .binary, payload: .bytes([0xFE]), repeatLength: 16)),
        ]
        var h = Harness(Self.echoCase(steps, rounds: 3))
        _ = h.open()
        for round in 1...3 {
            let frames = h.sentFrames()
            #expect(frames.count == 1, "round \(round): one message in flight")
            _ = h.receive(serverFrame(.binary, frames.first?.payload ?? []))
        }
        #expect(h.caseVerdict == CaseVerdict(behavior: "OK", result: "Ok, received all echo'ed messages in time."))
        #expect(h.recorder.entries.filter { kind($0) == "WLM" }.count == 2, "switched off and on, both announced")
        #expect(h.recorder.statistics.txFrames[2] == 3)
    }

    @Test("round trips: a wrong echo ends the loop with the reference's text")
    func roundTripMismatch() {
        let steps: [Step] = [.send(FrameStep(opcode: .text, payload: .text("*"), repeatLength: 4))]
        var h = Harness(Self.echoCase(steps, rounds: 1000))
        _ = h.open()
        _ = h.receive(serverFrame(.binary, Array("****".utf8)))
        #expect(h.caseVerdict?.result
            == "Echo'ed message type or length differs from what I sent (got binary = True, payload length = 4).")
        #expect(h.sentFrames().last?.opcode == .close)
    }

    @Test("frame-begin writes only a header; frame-data pieces continue its masking; no TF entry, no frame count")
    func streamedFrame() {
        let d = definition(
            id: "6.4.3",
            steps: [
                .frameBegin(FrameBeginStep(opcode: .text, fin: false, length: 5)),
                .frameData(.text("ab")), .pause(seconds: 1, tag: "A"), .frameData(.text("cde")),
                .send(FrameStep(opcode: .continuation, payload: .empty)),
            ],
            expected: [(.ok, [.timeout("A")])], close: CloseExpectation(closedByClient: false, codes: [1007], requireClean: false))
        var h = Harness(d)
        _ = h.open()
        #expect(h.sentFrames().isEmpty, "the frame is not complete yet")
        let fire = h.fire(.pause(1))
        _ = fire
        let frames = h.sentFrames()
        #expect(frames.map(\.payload) == [Array("abcde".utf8), []])
        #expect(frames.map(\.fin) == [false, true])
        #expect(h.recorder.statistics.txFrames == [0: 1])
        #expect(h.recorder.entries.filter { kind($0) == "TF" }.count == 1)
        #expect(h.observation.received == [.timeout("A")])
    }

    @Test("the matcher compares chunk by chunk against a repeated pattern and finds the first difference")
    func matcher() {
        let payload = Payload.repeated(.text("BAsd7&jh23"), length: 300_000)
        let expected = payload.bytes()
        var good = PayloadMatcher(expecting: payload)
        var bad = PayloadMatcher(expecting: payload)
        var wrong = expected
        wrong[200_001] = 0
        for start in stride(from: 0, to: expected.count, by: 70_001) {
            let end = min(start + 70_001, expected.count)
            expected[start..<end].withUnsafeBytes { good.consume($0) }
            wrong[start..<end].withUnsafeBytes { bad.consume($0) }
        }
        #expect(good.count == 300_000 && good.mismatch == nil)
        #expect(bad.mismatch == PayloadMatcher.Mismatch(offset: 200_001, sent: expected[200_001], received: 0))

        var longer = PayloadMatcher(expecting: .text("abc"))
        Array("abcd".utf8).withUnsafeBytes { longer.consume($0) }
        #expect(longer.count == 4 && longer.mismatch == nil, "extra octets are a length problem, not a content one")
    }
}
