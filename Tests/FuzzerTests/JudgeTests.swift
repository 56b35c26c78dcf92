import CaseModel
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

@Suite("Judge (catalogue §1.5)")
struct JudgeTests {
    static func observation(
        _ received: [ObservedEvent] = [], closing: ClosingBehavior = .cleanCloseByClient, open: Bool = true,
        txFrames: [Int: Int] = [:]
    ) -> CaseRecording {
        var o = CaseRecording()
        o.received = received
        o.closing = closing
        o.connectionWasOpen = open
        o.statistics.txFrames = txFrames
        return o
    }

    static let twoOutcomes = definition(
        expected: [(.ok, [.message(.text("Hello, world!"), binary: false)]), (.nonStrict, [])],
        close: serverFails1002)

    // MARK: behavior

    @Test("events equal to the OK list: OK")
    func behaviorOK() {
        let v = Judge.judge(Self.twoOutcomes, Self.observation([.message(Array("Hello, world!".utf8), binary: false)],
                                                               closing: .serverFailed(code: 1002)))
        #expect(v.behavior == "OK")
        #expect(v.result == "Actual events match at least one expected.")
    }

    @Test("events equal to the NON-STRICT list: NON-STRICT")
    func behaviorNonStrict() {
        let v = Judge.judge(Self.twoOutcomes, Self.observation([], closing: .serverFailed(code: 1002)))
        #expect(v.behavior == "NON-STRICT")
        #expect(v.result == "Actual events match at least one expected.")
    }

    @Test(
        "events that are not exactly an expected list: FAILED",
        arguments: [
            ("a different payload", [ObservedEvent.message(Array("Hello, world?".utf8), binary: false)]),
            ("binary instead of text", [.message(Array("Hello, world!".utf8), binary: true)]),
            ("a pong instead of a message", [.pong(Array("Hello, world!".utf8))]),
            ("one event too many", [.message(Array("Hello, world!".utf8), binary: false), .pong([])]),
            ("a timeout event", [.timeout("A")]),
        ])
    func behaviorFailed(name: String, received: [ObservedEvent]) {
        let v = Judge.judge(Self.twoOutcomes, Self.observation(received, closing: .serverFailed(code: 1002)))
        #expect(v.behavior == "FAILED")
        #expect(v.result == "Actual events differ from any expected.")
    }

    @Test("events must come in the expected order")
    func order() {
        let d = definition(expected: [(.ok, [.pong(.text("payload-0")), .pong(.text("payload-1"))])])
        #expect(Judge.judge(d, Self.observation([.pong(Array("payload-0".utf8)), .pong(Array("payload-1".utf8))])).behavior == "OK")
        #expect(Judge.judge(d, Self.observation([.pong(Array("payload-1".utf8)), .pong(Array("payload-0".utf8))])).behavior == "FAILED")
    }

    @Test("matching compares whole payloads, built from repeat patterns")
    func matchesRepeated() {
        let expected: [ExpectedEvent] = [.message(.repeated(.text("*"), length: 65536), binary: false), .timeout("A")]
        var big = [UInt8](repeating: 0x2A, count: 65536)
        #expect(Judge.matches([.message(big, binary: false), .timeout("A")], expected))
        #expect(!Judge.matches([.message(big, binary: false), .timeout("B")], expected))
        big[65535] = 0x2B
        #expect(!Judge.matches([.message(big, binary: false), .timeout("A")], expected))
        #expect(!Judge.matches([.message(Array(big.dropLast()), binary: false), .timeout("A")], expected))
        #expect(Judge.matches([], []))
    }

    // MARK: behaviorClose: rules 1–5, first match wins

    struct CloseRule: Sendable, CustomTestStringConvertible {
        var name: String
        var expected: CloseExpectation
        var closing: ClosingBehavior
        var behaviorClose: String
        var resultClose: String
        var testDescription: String { name }
    }

    static let c1000 = CloseExpectation(closedByClient: true, codes: [1000], requireClean: true)
    static let wrongEndpoint = "The connection was failed by the wrong endpoint"
    static let unclean = "The spec requires the connection to be failed cleanly here"
    static let preferServer = "It is preferred that the server close the TCP connection"
    static let proper = "Connection was properly closed"

    static let closeRules: [CloseRule] = [
        .init(name: "5: all as expected", expected: c1000, closing: .cleanCloseByClient,
              behaviorClose: "OK", resultClose: proper),
        .init(name: "1: server closed where wsspec should have", expected: c1000,
              closing: ClosingBehavior(closedByMe: false, wasClean: true, remoteCloseCode: 1000),
              behaviorClose: "FAILED", resultClose: wrongEndpoint),
        .init(name: "1: wsspec closed (kill timer) where the server should have", expected: serverFails1002,
              closing: ClosingBehavior(closedByMe: true, failedByMe: true, wasClean: true, remoteCloseCode: 1001),
              behaviorClose: "FAILED", resultClose: wrongEndpoint),
        .init(name: "1 before 2, 3 and 4", expected: c1000,
              closing: ClosingBehavior(closedByMe: false, droppedByMe: true, wasClean: false, remoteCloseCode: 1002),
              behaviorClose: "FAILED", resultClose: wrongEndpoint),
        .init(name: "2: not clean where clean is required", expected: c1000,
              closing: ClosingBehavior(closedByMe: true, wasClean: false, wasCloseHandshakeTimeout: true),
              behaviorClose: "UNCLEAN", resultClose: unclean),
        .init(name: "2 before 3 and 4", expected: c1000,
              closing: ClosingBehavior(closedByMe: true, droppedByMe: true, wasClean: false, remoteCloseCode: 1002),
              behaviorClose: "UNCLEAN", resultClose: unclean),
        .init(name: "2 does not apply when clean is not required", expected: serverFails1002,
              closing: ClosingBehavior(closedByMe: false, wasClean: false),
              behaviorClose: "OK", resultClose: proper),
        .init(name: "3: a code not in the list", expected: c1000,
              closing: ClosingBehavior(closedByMe: true, wasClean: true, remoteCloseCode: 1001),
              behaviorClose: "WRONG CODE", resultClose: "The close code should have been 1000 or empty"),
        .init(name: "3: several codes joined by commas",
              expected: CloseExpectation(closedByClient: false, codes: [1002, 1007], requireClean: false),
              closing: ClosingBehavior(closedByMe: false, wasClean: true, remoteCloseCode: 1000),
              behaviorClose: "WRONG CODE", resultClose: "The close code should have been 1002,1007 or empty"),
        .init(name: "3 before 4", expected: c1000,
              closing: ClosingBehavior(closedByMe: true, droppedByMe: true, wasClean: true, remoteCloseCode: 3000),
              behaviorClose: "WRONG CODE", resultClose: "The close code should have been 1000 or empty"),
        .init(name: "3: a Close without code always passes", expected: serverFails1002,
              closing: ClosingBehavior(closedByMe: false, wasClean: true, remoteCloseCode: nil),
              behaviorClose: "OK", resultClose: proper),
        .init(name: "4: wsspec dropped TCP", expected: c1000,
              closing: ClosingBehavior(closedByMe: true, droppedByMe: true, wasClean: true, remoteCloseCode: 1000),
              behaviorClose: "FAILED BY CLIENT", resultClose: preferServer),
        .init(name: "4: wsspec dropped TCP after the server closed (kill timer in CLOSING)", expected: serverFails1002,
              closing: ClosingBehavior(closedByMe: false, failedByMe: true, droppedByMe: true, wasClean: true, remoteCloseCode: 1002),
              behaviorClose: "FAILED BY CLIENT", resultClose: preferServer),
    ]

    @Test("behaviorClose rules in priority order", arguments: closeRules)
    func closeRule(_ rule: CloseRule) {
        let v = Judge.judge(definition(close: rule.expected), Self.observation(closing: rule.closing))
        #expect(v.behaviorClose == rule.behaviorClose)
        #expect(v.resultClose == rule.resultClose)
        #expect(v.behavior == "OK", "the close rules leave behavior alone")
    }

    @Test("a handshake that never completed: FAILED / FAILED, whatever was expected")
    func neverOpen() {
        var closing = ClosingBehavior(droppedByMe: true)
        closing.wasNotCleanReason = "WebSocket connection upgrade failed (404 - NotFound)"
        let v = Judge.judge(definition(expected: [(.ok, [])]), Self.observation(closing: closing, open: false))
        #expect(v == Verdict(
            behavior: "FAILED", behaviorClose: "FAILED", result: "Actual events differ from any expected.",
            resultClose: "The WebSocket opening handshake was never completed!"))
    }

    // MARK: Case-specific rules

    @Test("wrong-endpoint-fatal: the wrong side closing fails the case itself, result text unchanged")
    func wrongEndpointIsFatal() {
        let close = CloseExpectation(closedByClient: false, codes: [1007], requireClean: false, wrongEndpointIsFatal: true)
        let d = definition(expected: [(.ok, [])], close: close)
        // The server ignored invalid UTF-8; wsspec's kill timer closed.
        let killed = ClosingBehavior(closedByMe: true, failedByMe: true, wasClean: true, remoteCloseCode: 1000)
        let v = Judge.judge(d, Self.observation([], closing: killed))
        #expect(v.behavior == "FAILED")
        #expect(v.behaviorClose == "FAILED")
        #expect(v.result == "Actual events match at least one expected.")
        // The server closed: the flag changes nothing.
        let ok = Judge.judge(d, Self.observation([], closing: .serverFailed(code: 1007)))
        #expect(ok.behavior == "OK" && ok.behaviorClose == "OK")
        // Without the flag the same observation leaves behavior OK.
        let lenient = Judge.judge(definition(expected: [(.ok, [])], close: serverFails1002), Self.observation([], closing: killed))
        #expect(lenient.behavior == "OK" && lenient.behaviorClose == "FAILED")
    }

    @Test("wrong-code-fails: WRONG CODE makes behavior FAILED with the close explanation as result")
    func wrongCodeFails() {
        var rules = VerdictRules()
        rules.wrongCodeFails = true
        let d = definition(expected: [(.ok, [])], verdict: rules)
        let v = Judge.judge(d, Self.observation([], closing: ClosingBehavior(closedByMe: true, wasClean: true, remoteCloseCode: 1002)))
        #expect(v == Verdict(
            behavior: "FAILED", behaviorClose: "WRONG CODE", result: "The close code should have been 1000 or empty",
            resultClose: "The close code should have been 1000 or empty"))
        // Other close verdicts are left alone.
        let unclean = Judge.judge(d, Self.observation([], closing: ClosingBehavior(closedByMe: true, wasClean: false)))
        #expect(unclean.behavior == "OK" && unclean.behaviorClose == "UNCLEAN")
    }

    @Test("informational with one result text (7.13.x)")
    func informationalResult() {
        var rules = VerdictRules()
        rules.informational = true
        rules.result = "Actual events are undefined by the spec."
        let d = definition(close: CloseExpectation(closedByClient: true, codes: [1000, 5000, 1002], requireClean: false), verdict: rules)
        for closing in [ClosingBehavior.cleanCloseByClient, ClosingBehavior(closedByMe: false, droppedByMe: true)] {
            let v = Judge.judge(d, Self.observation([.pong([])], closing: closing))
            #expect(v.behavior == "INFORMATIONAL")
            #expect(v.behaviorClose == "INFORMATIONAL")
            #expect(v.result == "Actual events are undefined by the spec.")
        }
        #expect(Judge.judge(d, Self.observation()).resultClose == "Connection was properly closed")
    }

    @Test("informational with a result text per matched outcome (7.1.6)")
    func informationalResults() {
        var rules = VerdictRules()
        rules.informational = true
        rules.results = [.ok: "echoed first", .nonStrict: "Close was processed before text message could be returned."]
        let d = definition(
            expected: [(.ok, [.message(.text("Hello World!"), binary: false)]), (.nonStrict, [])], autoClose: false,
            verdict: rules)
        let echoed = Judge.judge(d, Self.observation([.message(Array("Hello World!".utf8), binary: false)]))
        #expect(echoed.behavior == "INFORMATIONAL" && echoed.result == "echoed first")
        let closedFirst = Judge.judge(d, Self.observation([]))
        #expect(closedFirst.result == "Close was processed before text message could be returned.")
        #expect(closedFirst.behaviorClose == "INFORMATIONAL")
        // Nothing matched and no text for FAILED: the default text stays.
        let other = Judge.judge(d, Self.observation([.pong([])]))
        #expect(other.behavior == "INFORMATIONAL" && other.result == "Actual events differ from any expected.")
    }

    @Test("a result text per outcome also applies to ordinary cases")
    func resultsWithoutInformational() {
        var rules = VerdictRules()
        rules.results = [.ok: "Received text message of length 5."]
        let d = definition(expected: [(.ok, [.message(.text("Hello"), binary: false)])], verdict: rules)
        let v = Judge.judge(d, Self.observation([.message(hello, binary: false)]))
        #expect(v.behavior == "OK" && v.result == "Received text message of length 5.")
        #expect(Judge.judge(d, Self.observation([])).result == "Actual events differ from any expected.")
    }

    @Test("tx-frames (10.1.1): the frames wsspec sent are counted by opcode")
    func txFrames() {
        var rules = VerdictRules()
        rules.txFrames = [0: 50, 1: 1]
        let d = definition(expected: [(.ok, [.message(.text("x"), binary: false)])], verdict: rules)
        let echo: [ObservedEvent] = [.message(Array("x".utf8), binary: false)]

        let right = Judge.judge(d, Self.observation(echo, txFrames: [0: 50, 1: 1, 8: 1]))
        #expect(right.behavior == "OK", "other opcodes (the Close) do not count")

        let wrong = Judge.judge(d, Self.observation(echo, txFrames: [0: 49, 1: 1, 8: 1]))
        #expect(wrong.behavior == "FAILED")
        #expect(wrong.result == "Frames transmitted {0: 49, 1: 1} does not match what we expected {0: 50, 1: 1}.")
        #expect(wrong.behaviorClose == "OK")

        let missing = Judge.judge(d, Self.observation(echo, txFrames: [1: 1]))
        #expect(missing.result == "Frames transmitted {0: 0, 1: 1} does not match what we expected {0: 50, 1: 1}.")

        let neverOpen = Judge.judge(d, Self.observation([], closing: ClosingBehavior(droppedByMe: true), open: false))
        #expect(neverOpen.behavior == "FAILED")
        #expect(neverOpen.result == "WebSocket connection was never open")
        #expect(neverOpen.resultClose == "The WebSocket opening handshake was never completed!")
    }
}

extension ClosingBehavior {
    /// wsspec closed, the server answered with 1000 and dropped TCP.
    static let cleanCloseByClient = ClosingBehavior(
        closedByMe: true, wasClean: true, localCloseCode: 1000, remoteCloseCode: 1000)

    /// The server failed the connection with `code`; wsspec answered.
    static func serverFailed(code: CloseCode) -> ClosingBehavior {
        ClosingBehavior(closedByMe: false, wasClean: true, localCloseCode: 1000, remoteCloseCode: code)
    }
}
