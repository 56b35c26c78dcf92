import CaseModel
import Foundation
import Harness
import Orchestration
import Recording
import Testing
import WebSocketWire

@testable import Engine

/// The explanation of each kind of mismatch, from constructed recordings.
@Suite("Explainer: why a case did not pass")
struct ExplainerTests {
    static func explain(_ d: CaseDefinition, _ r: CaseRecording) -> Explanation? {
        Explainer.explain(d, r, Judge.judge(d, r))
    }

    static let echoHello = definition(
        id: "1.1.2", steps: [.send(FrameStep(opcode: .text, payload: .text("Hello"))), .closeAfter(seconds: 1)],
        expected: [(.ok, [.message(.text("Hello"), binary: false)])])

    @Test("a handshake case: its request as written and the checks of the answer, each with its weight")
    func handshakeCase() {
        var request = RawRequest()
        request.headers.removeFirst()
        request.after = .text("x")
        #expect(Explainer.sent(request) == [
            "request line 'GET <path> HTTP/1.1'", "header 'Upgrade: websocket'", "header 'Connection: Upgrade'",
            "header 'Sec-WebSocket-Key: $key'", "header 'Sec-WebSocket-Version: 13'",
            "octets right after the request: 'x' (1 octet)",
        ])
        let check = HandshakeCheck(level: .must, kind: .status([400...400]), rfc: "7230 §5.4", written: "status: 400")
        #expect(Explainer.describe(check) == "MUST (RFC 7230 §5.4): status: 400")
    }

    @Test("a case that passed outright has no explanation")
    func passed() {
        let r = JudgeTests.observation([.message(Array("Hello".utf8), binary: false)])
        #expect(Self.explain(Self.echoHello, r) == nil)
    }

    @Test("missing echo: the first expected event that never came, and what was sent")
    func missingEcho() throws {
        var d = Self.echoHello
        d.rfc = "6455 §5.6"
        d.requirement = "A text message is delivered unchanged."
        let e = try #require(Self.explain(d, JudgeTests.observation([])))
        #expect(e.divergence == "event 1: expected text message 'Hello' (5 octets), the server sent nothing more")
        #expect(e.sent == ["text frame 'Hello' (5 octets)", "Close after 1 s"])
        #expect(e.expected == [.init(verdict: .ok, events: ["text message 'Hello' (5 octets)"])])
        #expect(e.expectedClose == "wsspec closes; code 1000, or none; a clean close")
        #expect(e.observed.isEmpty)
        #expect(e.observedClose == "wsspec sent Close 1000 first; the server sent Close 1000; clean")
        #expect(e.rfc == "6455 §5.6" && e.requirement == "A text message is delivered unchanged.")
    }

    @Test("an extra frame: expected nothing more, and what came")
    func extraFrame() throws {
        let r = JudgeTests.observation([.message(Array("Hello".utf8), binary: false), .pong([1, 2, 0xFF])])
        let e = try #require(Self.explain(Self.echoHello, r))
        #expect(e.divergence == "event 2: expected nothing more, the server sent pong 0x0102ff (3 octets)")
        #expect(e.observed == ["text message 'Hello' (5 octets)", "pong 0x0102ff (3 octets)"])
    }

    @Test("a different payload: where the octets part")
    func differentPayload() throws {
        let r = JudgeTests.observation([.message(Array("Help!".utf8), binary: false)])
        let e = try #require(Self.explain(Self.echoHello, r))
        #expect(e.divergence == "event 1: expected text message 'Hello' (5 octets), the server sent text message 'Help!' (5 octets) (the payloads differ from octet 3)")
    }

    @Test("wrong close code: the codes allowed and the one sent (category 7, where it fails the case)")
    func wrongCode() throws {
        var rules = VerdictRules()
        rules.wrongCodeFails = true
        let d = definition(id: "7.1.5", steps: [.close(code: 1000, reason: nil)], verdict: rules)
        let closing = ClosingBehavior(
            closedByMe: true, wasClean: true, localCloseCode: 1000, remoteCloseCode: 1002, remoteCloseReason: "bad\u{1b}[2J")
        let e = try #require(Self.explain(d, JudgeTests.observation([], closing: closing)))
        #expect(e.divergence == "the close: expected code 1000 or none, the server sent 1002")
        #expect(e.sent == ["Close 1000"])
        // The server's reason is quoted with its escape character made visible.
        #expect(e.observedClose == "wsspec sent Close 1000 first; the server sent Close 1002 'bad\\x1b[2J'; clean")
    }

    @Test("a server that did not fail the connection: the events matched, the wrong side closed")
    func serverDidNotFail() throws {
        let close = CloseExpectation(closedByClient: false, codes: [1007], requireClean: false, wrongEndpointIsFatal: true)
        let d = definition(id: "6.3.1", steps: [.send(FrameStep(opcode: .text, payload: .bytes([0xCE, 0xBA, 0xED])))],
                           expected: [(.ok, [])], close: close)
        let e = try #require(Self.explain(d, JudgeTests.observation([], closing: .cleanCloseByClient)))
        #expect(e.divergence.hasPrefix("the events are as expected, but the close: the server was to fail the connection, but it did not, and wsspec closed"))
        #expect(e.expectedClose == "the server fails the connection (sends Close first); code 1007, or none")
        #expect(e.sent == ["text frame 0xcebaed (3 octets)"])
    }

    @Test("no echo within the time limit: the echo check's own words")
    func echoTimeout() throws {
        var d = definition(id: "9.1.1", steps: [.message(MessageStep(binary: false, payload: .repeated(.text("*"), length: 65536)))])
        d.echo = EchoCheck(within: 10)
        d.expected = []
        let closing = ClosingBehavior(closedByMe: true, wasClean: false, wasNotCleanReason: "peer did not respond (in time) in closing handshake",
                                      wasCloseHandshakeTimeout: true, localCloseCode: 1000)
        let e = try #require(Self.explain(d, JudgeTests.observation([], closing: closing)))
        #expect(e.divergence == "Did not receive message within 10 seconds.; then the close: a clean close was required, but peer did not respond (in time) in closing handshake")
        #expect(e.sent == ["text message '****************************************'… (65536 octets)", "waits 10 s for the echo"])
        #expect(e.observedClose == "wsspec sent Close 1000 first; not clean: peer did not respond (in time) in closing handshake")
    }

    @Test("a harness error: not judged, and why")
    func harnessError() throws {
        let d = Self.echoHello
        let r = CaseRecording()
        let problem = HarnessError(.unreachable, "cannot connect to 127.0.0.1:1: refused")
        let e = try #require(Explainer.explain(d, r, .harnessError(problem)))
        #expect(e.divergence == "not judged: wsspec could not run the case: cannot connect to 127.0.0.1:1: refused")
        #expect(e.observedClose == "the case did not run")
    }

    @Test("NON-STRICT: where the events leave the OK list")
    func nonStrict() throws {
        let d = definition(
            id: "6.4.1", expected: [(.ok, [.timeout("A")]), (.nonStrict, [.timeout("A"), .timeout("B")])], close: serverFails1002)
        let r = JudgeTests.observation([.timeout("A"), .timeout("B")], closing: .serverFailed(code: 1002))
        let e = try #require(Self.explain(d, r))
        #expect(e.divergence == "events match the NON-STRICT list, not the OK one: event 2: expected nothing more, the server sent mark 'B' (open after the pause)")
        #expect(e.expected.map(\.verdict) == [.ok, .nonStrict])
    }

    @Test("the handshake never completed: the server's status line, escaped")
    func handshakeFailed() throws {
        var r = JudgeTests.observation([], closing: ClosingBehavior(droppedByMe: true, wasNotCleanReason: "bad status"), open: false)
        r.handshakeResponse = "HTTP/1.1 404 <b>Not\u{7}Found</b>\r\nServer: x\r\n\r\n"
        let e = try #require(Self.explain(Self.echoHello, r))
        #expect(e.divergence == "the opening handshake: the opening handshake did not complete; the server answered 'HTTP/1.1 404 <b>Not\\x07Found</b>' (bad status)")
    }

    @Test("long and binary payloads are cut; quotes, controls and bidi overrides are escaped")
    func octetSummary() {
        #expect(OctetSummary.describe([]) == "empty")
        #expect(OctetSummary.describe(Array("it's\n".utf8)) == "'it\\'s\\n' (5 octets)")
        #expect(OctetSummary.describe(Array("a\u{202E}b".utf8)) == "'a\\u{202e}b' (5 octets)")
        #expect(OctetSummary.describe([UInt8](repeating: 0xFF, count: 20)) == "0xffffffffffffffffffffffffffffffff… (20 octets)")
        #expect(OctetSummary.describe([UInt8](repeating: 0x61, count: 50)) == "'" + String(repeating: "a", count: 40) + "'… (50 octets)")
        // A multi-octet character cut by the preview's end is dropped, not turned into hex.
        let text = Array(String(repeating: "é", count: 100).utf8)
        #expect(OctetSummary.describe(text.prefix(161), length: 200) == "'" + String(repeating: "é", count: 40) + "'… (200 octets)")
        #expect(OctetSummary.plain("a\u{0}b", maxCharacters: 2) == "a\\x00…")
    }

    @Test("the replay line: the case, the seed, the options that shape the handshake, secrets left out, its own folder")
    func replay() throws {
        var request = RunRequest(builtinTestData: TestDataLibrary(directory: URL(fileURLWithPath: "/nonexistent")))
        request.urls = ["ws://127.0.0.1:9001/chat"]
        request.connection.timerScale = 2
        request.connection.origin = "http://o.example"
        let plan = try RunPlan(request)
        var server = try ServerTarget(url: "ws://127.0.0.1:9001/chat", agent: "my server")
        server.headers = [try HeaderField(name: "Authorization", value: "Bearer secret"), try HeaderField(name: "X-Room", value: "it's 1")]
        server.origin = "http://o.example"
        server.protocols = ["chat"]
        let line = ReplayCommand(caseID: "7.1.5", server: server, seed: 42, plan: plan, caseDirs: ["my cases"]).line
        #expect(line == "wsspec run ws://127.0.0.1:9001/chat --cases 7.1.5 --seed 42 --agent 'my server' -H 'Authorization: …' "
            + "-H 'X-Room: it'\\''s 1' --origin http://o.example --protocol chat --timer-scale 2 --case-dir 'my cases' "
            + "--outdir ./reports/servers/replay --trace")
        #expect(!line.contains("secret"))
        let builtin = ReplayCommand(caseID: "2.1", server: server, seed: 1, plan: plan, builtinServer: true).arguments
        #expect(!builtin.contains(server.url))
    }
}
