import Testing

@testable import WebSocketWire

@Suite("Extra handshake headers")
struct HeaderFieldTests {
    @Test(
        "'Name: value' lines are split at the first colon; blanks around the value are dropped",
        arguments: [
            ("Authorization: Bearer abc", "Authorization", "Bearer abc"),
            ("Cookie:a=1; b=2", "Cookie", "a=1; b=2"),
            ("X-Empty:", "X-Empty", ""),
            ("X-Url:  http://h:80/p  ", "X-Url", "http://h:80/p"),
            ("X-Tab: a\tb", "X-Tab", "a\tb"),
            ("X-Text: café", "X-Text", "café"),
        ])
    func parses(line: String, name: String, value: String) throws {
        let header = try HeaderField(line: line)
        #expect(header.name == name)
        #expect(header.value == value)
    }

    @Test(
        "headers that could break or smuggle into the request are refused, naming the problem and where",
        arguments: [
            ("X-A: one\r\nX-Injected: two", "a carriage return (CR) at position 4"),
            ("X-A: one\ntwo", "a line feed (LF) at position 4"),
            ("X-A: nul\u{0}", "a NUL at position 4"),
            ("X-A: bell\u{7}", "the control character U+0007"),
            ("X A: v", "header name 'X A' has a space at position 2"),
            ("X\r\nA: v", "header name 'X\\r\\nA' has a carriage return (CR)"),
            ("X(A): v", "has '(' at position 2"),
            (": v", "has no name before ':'"),
            ("no colon here", "has no ':'"),
            ("Sec-WebSocket-Key: x", "the handshake makes its own key"),
            ("upgrade: h2c", "the handshake sends 'Upgrade: WebSocket' itself"),
            ("Origin: http://x", "use --origin"),
            ("Sec-WebSocket-Protocol: chat", "use --protocol"),
        ])
    func refused(line: String, message: String) {
        #expect {
            try HeaderField(line: line)
        } throws: { error in
            (error as? HeaderField.Problem)?.description.contains(message) == true
        }
    }

    @Test("subprotocol names must be tokens")
    func subprotocolTokens() throws {
        try HeaderField.checkToken("chat.v2", what: "subprotocol")
        #expect(throws: HeaderField.Problem.self) { try HeaderField.checkToken("a,b", what: "subprotocol") }
        #expect(throws: HeaderField.Problem.self) { try HeaderField.checkToken("", what: "subprotocol") }
    }

    @Test("extra headers go after the standard ones, before the version; an extra Host replaces the URL's")
    func inTheRequest() throws {
        let auth = try HeaderField(line: "Authorization: Basic eDp5")
        let host = try HeaderField(line: "Host: virtual.example")
        let request = HandshakeRequest(
            resource: "/chat?room=1", host: "127.0.0.1", port: 9001, key: "dGhlIHNhbXBsZSBub25jZQ==",
            userAgent: "ua", origin: "http://o", protocols: ["a", "b"],
            extraHeaders: [auth, host].map { ($0.name, $0.value) })
        #expect(
            request.encoded()
                == "GET /chat?room=1 HTTP/1.1\r\nUser-Agent: ua\r\nHost: virtual.example\r\nUpgrade: WebSocket\r\n"
                + "Connection: Upgrade\r\nPragma: no-cache\r\nCache-Control: no-cache\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://o\r\nSec-WebSocket-Protocol: a,b\r\n"
                + "Authorization: Basic eDp5\r\nSec-WebSocket-Version: 13\r\n\r\n")
    }
}
