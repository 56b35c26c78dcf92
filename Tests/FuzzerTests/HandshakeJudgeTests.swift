import CaseModel
import Recording
import Testing
import WebSocketWire

@testable import Engine

/// The handshake judge as a pure function: a case's checks against a recorded request and answer.
@Suite("HandshakeJudge: each check's level decides the verdict")
struct HandshakeJudgeTests {
    static let key = "dGhlIHNhbXBsZSBub25jZQ=="
    static let request =
        "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: \(key)\r\n"
        + "Sec-WebSocket-Protocol: chat, superchat\r\nSec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=10\r\n"
        + "Sec-WebSocket-Version: 13\r\n\r\n"

    static func definition(_ checks: [HandshakeCheck]) -> CaseDefinition {
        var d = CaseDefinition(
            id: CaseID("20.9.1")!, description: "", expectation: "", rfc: "6455 §4.2.2",
            category: CaseGroup(id: "20", title: "", suite: "handshake"), steps: [], expected: [(.ok, [])],
            close: CloseExpectation(closedByClient: true, codes: [.normalClosure], requireClean: false),
            source: CaseModel.SourceLocation(file: "t", line: 1, column: 1))
        d.handshake = HandshakeCase(request: RawRequest(), checks: checks)
        return d
    }

    static func recording(answer: String?, request: String = request) -> CaseRecording {
        var r = CaseRecording()
        r.handshakeRequest = request
        r.handshakeResponse = answer
        r.connectionWasOpen = answer?.hasPrefix("HTTP/1.1 101") == true
        if answer == nil {
            r.closing.droppedByMe = true
            r.closing.wasOpenHandshakeTimeout = true
        }
        return r
    }

    static func check(_ level: RequirementLevel, _ kind: HandshakeCheckKind, _ written: String) -> HandshakeCheck {
        HandshakeCheck(level: level, kind: kind, written: written)
    }

    static let accept = HandshakeRequest.acceptValue(forKey: key)
    static let good = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: \(accept)\r\n\r\n"

    @Test("every check holds: OK, and the result lists them")
    func allHold() {
        let checks = [
            Self.check(.must, .status([101...101]), "status: 101"), Self.check(.must, .accept, "accept: true"),
            Self.check(.must, .subprotocol(.offered), "subprotocol: offered"), Self.check(.must, .deflate(.valid), "deflate: valid"),
            Self.check(.must, .headerHas("connection", "UPGRADE"), "header: Connection, has: UPGRADE"),
        ]
        let j = Judge.judgement(Self.definition(checks), Self.recording(answer: Self.good))
        #expect(j.behavior == .ok && j.behaviorClose == .ok)
        #expect(j.result == "The answer: HTTP/1.1 101 Switching Protocols. Every check holds (MUST status: 101; MUST accept: true; MUST subprotocol: offered; MUST deflate: valid; MUST header: Connection, has: UPGRADE).")
    }

    @Test("the worst broken level wins: MUST → FAILED, SHOULD → NON-STRICT, MAY → INFORMATIONAL; MUSTs are named first")
    func levels() {
        let answer = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
        let must = Self.check(.must, .headerHas("Sec-WebSocket-Version", "13"), "header: Sec-WebSocket-Version, has: 13")
        let should = Self.check(.should, .status([426...426]), "status: 426")
        let may = Self.check(.may, .status([101...101]), "status: 101")
        let all = Judge.judgement(Self.definition([may, should, must]), Self.recording(answer: answer))
        #expect(all.behavior == .failed && all.behaviorClose == .failed)
        #expect(all.result == "The answer: HTTP/1.1 400 Bad Request. MUST (RFC 6455 §4.2.2) header: Sec-WebSocket-Version, has: 13: there is no Sec-WebSocket-Version header. SHOULD (RFC 6455 §4.2.2) status: 426: got 400. MAY (RFC 6455 §4.2.2) status: 101: got 400.")
        #expect(Judge.judgement(Self.definition([may, should]), Self.recording(answer: answer)).behavior == .nonStrict)
        let open = Judge.judgement(Self.definition([may]), Self.recording(answer: answer))
        #expect(open.behavior == .informational && open.behaviorClose == .informational)
    }

    @Test("a wrong accept, an unoffered subprotocol and a deflate answer beyond the offer are each named")
    func brokenAnswers() {
        let answer = "HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: x\r\nSec-WebSocket-Protocol: other\r\n"
            + "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n"
        let checks = [
            Self.check(.must, .accept, "accept: true"), Self.check(.must, .subprotocol(.offered), "subprotocol: offered"),
            Self.check(.must, .deflate(.valid), "deflate: valid"),
        ]
        let j = Judge.judgement(Self.definition(checks), Self.recording(answer: answer))
        #expect(j.behavior == .failed)
        #expect(j.result.contains("expected Sec-WebSocket-Accept \(Self.accept), got x"))
        #expect(j.result.contains("the server selected 'other' (offered: chat, superchat)"))
        #expect(j.result.contains("does not limit server_max_window_bits to 10 or less (RFC 7692 §7.1.2.1)"))
    }

    @Test("no answer: every check of the answer fails with why; a check's own clause replaces the case's")
    func noAnswer() {
        var check = Self.check(.must, .status([400...499]), "status: [4xx]")
        check.rfc = "7230 §3.2.5"
        let j = Judge.judgement(Self.definition([check]), Self.recording(answer: nil))
        #expect(j.behavior == .failed)
        #expect(j.result == "No answer: none came in time. MUST (RFC 7230 §3.2.5) status: [4xx]: no answer (none came in time).")
        #expect(j.resultClose.hasPrefix("The server did not answer"))
    }

    @Test("closed: the server closing after its refusal holds; wsspec having to close breaks it")
    func closed() {
        let answer = "HTTP/1.1 400 Bad Request\r\n\r\n"
        let checks = [Self.check(.should, .closed, "closed: true")]
        var byServer = Self.recording(answer: answer)
        byServer.closing.droppedByMe = false
        #expect(Judge.judgement(Self.definition(checks), byServer).behavior == .ok)
        var kept = Self.recording(answer: answer)
        kept.closing.droppedByMe = true
        kept.closing.wasServerConnectionDropTimeout = true
        let j = Judge.judgement(Self.definition(checks), kept)
        #expect(j.behavior == .nonStrict && j.result.contains("the server kept the connection open"))
    }

    @Test("header lines: LF endings, blank lines before the start line and repeated fields are read as sent")
    func headerLines() {
        let lines = HeaderLines(text: "\r\nHTTP/1.1 426 Upgrade Required\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Version:  8 \r\n\r\nbody: no")
        #expect(lines.startLine == "HTTP/1.1 426 Upgrade Required" && lines.status == 426)
        #expect(lines.values("SEC-WEBSOCKET-VERSION") == ["13", "8"])
        #expect(lines.values("body").isEmpty)
    }
}
