import Testing

@testable import WebSocketWire

@Suite("Upgrade request (server side)")
struct UpgradeRequestTests {
    static func request(_ lines: [String], line: String = "GET /runCase?case=3&agent=my+lib%2F1 HTTP/1.1") -> UpgradeRequest? {
        UpgradeRequest(headerBlock: Array(([line] + lines + ["", ""]).joined(separator: "\r\n").utf8))
    }

    static let good = [
        "Host: 127.0.0.1:9001", "Upgrade: websocket", "Connection: keep-alive, Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13",
    ]

    @Test("path and query: + and %XX decoded, empty values dropped, ; separates too")
    func query() throws {
        let request = try #require(Self.request(Self.good, line: "GET /runCase?case=3&agent=my+lib%2F1;x=&y=2 HTTP/1.1"))
        #expect(request.path == "/runCase")
        #expect(request.values("case") == ["3"] && request.values("agent") == ["my lib/1"])
        #expect(request.values("x").isEmpty && request.values("y") == ["2"])
        #expect(request.problem() == nil)
    }

    @Test("each check in order, with its status")
    func checks() throws {
        func problem(_ lines: [String], line: String = "GET / HTTP/1.1") -> Int? {
            Self.request(lines, line: line)?.problem()?.status
        }
        #expect(Self.request(Self.good, line: "GET /") == nil, "not three tokens")
        #expect(problem(Self.good, line: "POST / HTTP/1.1") == 405)
        #expect(problem(Self.good, line: "GET / HTTP/1.0") == 505)
        #expect(problem(Self.good, line: "GET /#x HTTP/1.1") == 400)
        #expect(problem(Self.good.filter { !$0.hasPrefix("Host") }) == 400)
        #expect(problem(Self.good + ["Host: again"]) == 400)
        #expect(problem(Self.good.filter { !$0.hasPrefix("Upgrade") }) == 426)
        #expect(problem(Self.good.map { $0.hasPrefix("Upgrade") ? "Upgrade: h2c" : $0 }) == 400)
        #expect(problem(Self.good.filter { !$0.hasPrefix("Connection") }) == 400)
        #expect(problem(Self.good.map { $0.hasPrefix("Sec-WebSocket-Version") ? "Sec-WebSocket-Version: 8" : $0 }) == 400)
        #expect(problem(Self.good + ["Sec-WebSocket-Protocol: a, a"]) == 400)
        #expect(problem(Self.good + ["Origin: a", "Origin: b"]) == 400)
        #expect(problem(Self.good.map { $0.hasPrefix("Sec-WebSocket-Key") ? "Sec-WebSocket-Key: short==" : $0 }) == 400)
        #expect(problem(Self.good + ["Sec-WebSocket-Extensions: a", "Sec-WebSocket-Extensions: b"]) == 400)
        #expect(problem(Self.good) == nil)
    }

    @Test("the reference's answer form: status line and an empty line")
    func response() {
        #expect(UpgradeRequest.Problem(400, "bad").response == "HTTP/1.1 400 bad\r\n\r\n")
    }

    @Test("client offers: parsed strictly; the rules choose in order")
    func offers() throws {
        let offers = try ClientDeflateOffer.parse(
            "permessage-deflate; server_max_window_bits=10, x-other, permessage-deflate; client_max_window_bits=12"
        ).get()
        #expect(offers.count == 2 && offers[0].serverMaxWindowBits == 10 && offers[1].acceptsClientWindowBits)
        for bad in [
            "permessage-deflate; foo", "permessage-deflate; server_max_window_bits",
            "permessage-deflate; client_no_context_takeover=1", "permessage-deflate; client_max_window_bits=16",
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
        ] {
            guard case .failure(let problem) = ClientDeflateOffer.parse(bad) else {
                Issue.record("\(bad) was accepted")
                continue
            }
            #expect(problem.status == 400)
        }
        let windowRule = DeflateOffer(requestNoContextTakeover: false, requestMaxWindowBits: 9)
        let plainRule = DeflateOffer(requestNoContextTakeover: true, requestMaxWindowBits: 0)
        let agreed = ClientDeflateOffer.accept(offers, rules: [windowRule])
        #expect(agreed == DeflateParameters(clientMaxWindowBits: 9, serverMaxWindowBits: nil))
        #expect(ClientDeflateOffer.accept([offers[0]], rules: [windowRule]) == nil)
        #expect(
            ClientDeflateOffer.accept([offers[0]], rules: [windowRule, plainRule])
                == DeflateParameters(clientNoContextTakeover: true, serverMaxWindowBits: 10))
        #expect(ClientDeflateOffer.accept(offers, rules: []) == nil)
    }
}
