import Foundation
import JSONCodec
import Recording
import ReportFormat
import Rendering
import Testing

/// What reports say of a case run over HTTP/2 (RFC 8441).
@Suite("HTTP/2 in the reports")
struct HTTP2ReportTests {
    static func overHTTP2(agent: String, _ id: String) -> CaseRecord {
        var record = ReportFixtures.record(agent: agent, id, "OK", "OK")
        record.recording.httpVersion = "2"
        record.recording.streamEnd = "END_STREAM from the server"
        record.recording.handshakeRequest = ":method: CONNECT\r\n:protocol: websocket\r\n\r\n"
        record.recording.handshakeResponse = ":status: 200\r\n\r\n"
        return record
    }

    @Test("the JSON has wsspecHTTPVersion and wsspecStreamEnd, and the header lists as httpRequest/httpResponse")
    func json() {
        let json = Self.overHTTP2(agent: "h2server", "1.1.1").json()
        #expect(json["wsspecHTTPVersion"]?.stringValue == "2")
        #expect(json["wsspecStreamEnd"]?.stringValue == "END_STREAM from the server")
        #expect(json["httpRequest"]?.stringValue == ":method: CONNECT\r\n:protocol: websocket\r\n\r\n")
        #expect(json["httpResponse"]?.stringValue == ":status: 200\r\n\r\n")
        // An HTTP/1.1 case keeps the reference's fields only.
        let plain = ReportFixtures.record(agent: "h1server", "1.1.1", "OK", "OK").json()
        #expect(plain["wsspecHTTPVersion"] == nil && plain["wsspecStreamEnd"] == nil)
        #expect(json["wsspecStreamReset"] == nil && json["wsspecGoAway"] == nil && json["wsspecConnectProtocol"] == nil)
        // An HTTP/2 handshake case's resets, GOAWAY and the server's setting.
        var handshake = Self.overHTTP2(agent: "h2server", "22.3.1")
        handshake.recording.streamReset = "PROTOCOL_ERROR"
        handshake.recording.goAway = "NO_ERROR"
        handshake.recording.connectProtocolSetting = 1
        let h = handshake.json()
        #expect(h["wsspecStreamReset"]?.stringValue == "PROTOCOL_ERROR" && h["wsspecGoAway"]?.stringValue == "NO_ERROR")
        #expect(h["wsspecConnectProtocol"] == .int(1))
    }

    @Test("the matrix's server header says HTTP/2 for a server run over HTTP/2, nothing for HTTP/1.1")
    func matrixHeader() throws {
        let cases = [
            ReportedCase(Self.overHTTP2(agent: "h2server", "1.1.1")),
            ReportedCase(ReportFixtures.record(agent: "h1server", "1.1.1", "OK", "OK")),
        ]
        let index = HTMLReport(cases: cases, generator: "t").renderIndex()
        #expect(index.contains("<th colspan=\"2\" class=\"agent\">h2server <span class=\"http-version\">HTTP/2</span></th>"))
        #expect(index.contains("<th colspan=\"2\" class=\"agent\">h1server</th>"))
    }
}
