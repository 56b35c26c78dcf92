import CaseModel
import Foundation
import Testing
import WebSocketWire

@testable import Engine
@testable import Harness
import Recording

@Suite("Handshake options and timer scale")
struct HandshakeOptionsTests {
    static func parse(_ json: String) throws -> FuzzingSpec {
        try FuzzingSpec.parse(Data(json.utf8), file: "spec.json")
    }

    @Test("spec servers take headers as an object or as 'Name: value' lines")
    func specHeaders() throws {
        let spec = try Self.parse("""
            {"cases": ["*"], "servers": [
              {"url": "ws://h:1", "headers": {"X-B": "2", "Authorization": "Bearer t"}},
              {"url": "ws://h:2", "headers": ["Cookie: a=1", "X-Two: x"]}]}
            """)
        #expect(spec.servers[0].headers == [try HeaderField(name: "Authorization", value: "Bearer t"), try HeaderField(name: "X-B", value: "2")])
        #expect(spec.servers[1].headers.map(\.name) == ["Cookie", "X-Two"])
    }

    @Test(
        "bad handshake values in a spec are refused with the file, the server and the problem",
        arguments: [
            (#"{"headers": {"X-A": "a\r\nX-B: b"}}"#, "'servers[0].headers': value of header 'X-A' has a carriage return (CR)"),
            (#"{"headers": ["X-A"]}"#, "has no ':'"),
            (#"{"headers": {"X-A": 1}}"#, "'servers[0].headers.X-A' must be a text"),
            (#"{"headers": 3}"#, "must be an object of header names and values"),
            (#"{"origin": "http://a\nb"}"#, "servers[0]: origin has a line feed (LF)"),
            (#"{"protocols": ["a b"]}"#, "subprotocol 'a b' has a space"),
            (#"{"hostname": "bad name"}"#, "TLS server name (SNI) 'bad name' has a space"),
        ])
    func specRefuses(fields: String, message: String) {
        let server = String(fields.dropFirst().dropLast())
        let json = #"{"cases": ["*"], "servers": [{"url": "ws://h:1", "# + server + "}]}"
        #expect {
            try Self.parse(json)
        } throws: { error in
            let text = (error as? FuzzingSpec.Problem)?.description ?? ""
            return text.contains(message)
        }
    }

    @Test("a server's headers reach the request the engine sends")
    func headersInRequest() throws {
        var options = HandshakeOptions()
        options.headers = [try HeaderField(line: "Authorization: Bearer t"), try HeaderField(line: "Host: vhost")]
        let engine = CaseDriver(definition: definition(), handshake: options, timeouts: ProtocolTimeouts(), seed: 1)
        let request = engine.request!.encoded()
        #expect(request.contains("\r\nAuthorization: Bearer t\r\nSec-WebSocket-Version: 13\r\n"))
        #expect(request.contains("\r\nHost: vhost\r\n") && !request.contains("127.0.0.1"))
    }

    @Test("--timer-scale stretches pauses, close-after and kill-after, and the watchdog with them")
    func timerScale() throws {
        var timeouts = ProtocolTimeouts()
        timeouts.timerScale = 2.5
        let d = definition(steps: [.closeAfter(seconds: 2), .killAfter(seconds: 1), .pause(seconds: 1, tag: nil)])
        var h = Harness(d, timeouts: timeouts)
        let actions = h.open()
        let timers = scheduled(actions).map(\.1)
        #expect(timers.contains(5) && timers.contains(2.5))
        let nominal: Double = 2 + 1 + 1
        let expected: Double = 5 + 1 + 1 + 10 + nominal * 2.5
        #expect(h.engine.watchdogDeadline == expected)
        #expect(h.recorder.entries.contains { if case .closeAfter(seconds: 5) = $0 { true } else { false } })
    }

    @Test("IP addresses are told from host names (no SNI for an address)")
    func ipAddresses() {
        #expect(ServerTarget.isIPAddress("127.0.0.1") && ServerTarget.isIPAddress("::1"))
        #expect(!ServerTarget.isIPAddress("localhost") && !ServerTarget.isIPAddress("1.2.3.example"))
    }
}
