import CaseModel
import Recording
import Testing

@testable import Engine

/// The HTTP/2 checks of the handshake judge: the server's SETTINGS, RST_STREAM, GOAWAY and :status.
@Suite("HandshakeJudge over HTTP/2")
struct HTTP2HandshakeJudgeTests {
    static func definition(_ checks: [HandshakeCheck]) -> CaseDefinition {
        var d = HandshakeJudgeTests.definition(checks)
        d.handshake = HandshakeCase(request: RawRequest(), stream: StreamRequest(), checks: checks)
        return d
    }

    static func recording(
        status: Int?, reset: String? = nil, goAway: String? = nil, setting: Int? = 1, timeout: Bool = false
    ) -> CaseRecording {
        var r = CaseRecording()
        r.httpVersion = "2"
        r.handshakeRequest = ExtendedConnect.text([HTTP2HeaderField(":method", "CONNECT"), HTTP2HeaderField(":protocol", "websocket")])
        r.handshakeResponse = status.map {
            ExtendedConnect.text([HTTP2HeaderField(":status", "\($0)"), HTTP2HeaderField("sec-websocket-version", "13")])
        }
        r.connectionWasOpen = status == 200
        r.streamReset = reset
        r.goAway = goAway
        r.connectProtocolSetting = setting
        r.streamEnd = reset.map { "RST_STREAM from the server (\($0))" } ?? "END_STREAM from the server"
        if timeout {
            r.closing.droppedByMe = true
            r.closing.wasOpenHandshakeTimeout = true
        }
        return r
    }

    static func judge(_ level: RequirementLevel, _ kind: HandshakeCheckKind, _ recording: CaseRecording) -> Judgement {
        Judge.judgement(definition([HandshakeJudgeTests.check(level, kind, "c")]), recording)
    }

    @Test("stream-error holds for RST_STREAM or GOAWAY of its code; reset only for RST_STREAM; other codes and answers break them")
    func streamErrors() {
        #expect(Self.judge(.must, .streamError("PROTOCOL_ERROR"), Self.recording(status: nil, reset: "PROTOCOL_ERROR")).behavior == .ok)
        #expect(Self.judge(.must, .streamError("PROTOCOL_ERROR"), Self.recording(status: nil, goAway: "PROTOCOL_ERROR")).behavior == .ok)
        let cancel = Self.judge(.must, .streamError("PROTOCOL_ERROR"), Self.recording(status: nil, reset: "CANCEL"))
        #expect(cancel.behavior == .failed && cancel.result.contains("got RST_STREAM CANCEL"))
        let answered = Self.judge(.must, .streamError("PROTOCOL_ERROR"), Self.recording(status: 400))
        #expect(answered.behavior == .failed && answered.result.hasPrefix("The answer: :status 400."))
        #expect(Self.judge(.may, .reset("PROTOCOL_ERROR"), Self.recording(status: nil, goAway: "PROTOCOL_ERROR")).behavior == .informational)
        #expect(Self.judge(.must, .reset(nil), Self.recording(status: nil, reset: "REFUSED_STREAM")).behavior == .ok)
    }

    @Test("refused: an error :status, a reset or a closed connection hold; a 2xx or silence until the timeout do not")
    func refused() {
        #expect(Self.judge(.should, .refused, Self.recording(status: 404)).behavior == .ok)
        #expect(Self.judge(.should, .refused, Self.recording(status: nil, reset: "PROTOCOL_ERROR")).behavior == .ok)
        #expect(Self.judge(.should, .refused, Self.recording(status: nil)).behavior == .ok)
        let opened = Self.judge(.should, .refused, Self.recording(status: 200, reset: "CANCEL"))
        #expect(opened.behavior == .nonStrict && opened.result.contains("the server opened the WebSocket (:status 200)"))
        #expect(Self.judge(.should, .refused, Self.recording(status: nil, timeout: true)).behavior == .nonStrict)
    }

    @Test("connect-protocol reads the server's SETTINGS; status and header checks read :status and the fields")
    func settingsAndFields() {
        #expect(Self.judge(.must, .connectProtocol, Self.recording(status: 200)).behavior == .ok)
        let absent = Self.judge(.must, .connectProtocol, Self.recording(status: nil, setting: nil))
        #expect(absent.behavior == .failed && absent.result.contains("SETTINGS_ENABLE_CONNECT_PROTOCOL absent"))
        #expect(Self.judge(.must, .connectProtocol, Self.recording(status: 200, setting: 0)).behavior == .failed)
        #expect(Self.judge(.must, .status([200...299]), Self.recording(status: 200)).behavior == .ok)
        #expect(Self.judge(.must, .status([400...599]), Self.recording(status: 200)).behavior == .failed)
        #expect(Self.judge(.must, .headerHas("sec-websocket-version", "13"), Self.recording(status: 400)).behavior == .ok)
        #expect(Self.judge(.may, .headerAbsent("sec-websocket-version"), Self.recording(status: 400)).behavior == .informational)
    }
}
