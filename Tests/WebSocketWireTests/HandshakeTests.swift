import Testing
import WebSocketWire

@Suite("Opening handshake")
struct HandshakeTests {
    /// RFC 6455 §1.3.
    static let sampleKey = "dGhlIHNhbXBsZSBub25jZQ=="
    static let sampleAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

    // MARK: Request

    @Test("the request has the reference's header lines in the reference's order (catalogue §1.2)")
    func requestLayout() {
        let request = HandshakeRequest(
            resource: "/chat?room=1", host: "127.0.0.1", port: 9001, key: Self.sampleKey,
            userAgent: "AutobahnTestSuite/25.10.1-0.10.9")
        #expect(request.encoded() == [
            "GET /chat?room=1 HTTP/1.1",
            "User-Agent: AutobahnTestSuite/25.10.1-0.10.9",
            "Host: 127.0.0.1:9001",
            "Upgrade: WebSocket",
            "Connection: Upgrade",
            "Pragma: no-cache",
            "Cache-Control: no-cache",
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
            "Sec-WebSocket-Version: 13",
            "", "",
        ].joined(separator: "\r\n"))
    }

    @Test("optional headers go between the key and the version: Origin, Protocol (no blank), Extensions (blank)")
    func requestOptionalHeaders() {
        let request = HandshakeRequest(
            resource: "/", host: "example.com", port: 80, key: Self.sampleKey, userAgent: nil,
            origin: "http://example.com", protocols: ["chat", "superchat"],
            extensions: ["permessage-deflate; client_max_window_bits", "permessage-deflate"],
            extraHeaders: [(name: "X-Test", value: "1")])
        #expect(request.encoded() == [
            "GET / HTTP/1.1",
            "Host: example.com:80",
            "Upgrade: WebSocket",
            "Connection: Upgrade",
            "Pragma: no-cache",
            "Cache-Control: no-cache",
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
            "Origin: http://example.com",
            "Sec-WebSocket-Protocol: chat,superchat",
            "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits, permessage-deflate",
            "X-Test: 1",
            "Sec-WebSocket-Version: 13",
            "", "",
        ].joined(separator: "\r\n"))
    }

    @Test("an IPv6 host is bracketed in the Host header, and the port is always written")
    func requestIPv6Host() {
        let request = HandshakeRequest(resource: "/", host: "::1", port: 443, key: Self.sampleKey)
        #expect(request.encoded().contains("\r\nHost: [::1]:443\r\n"))
    }

    @Test("Sec-WebSocket-Accept of the RFC 6455 §1.3 sample key")
    func acceptValue() {
        #expect(HandshakeRequest.acceptValue(forKey: Self.sampleKey) == Self.sampleAccept)
        // Another pair, as computed by `openssl sha1 -binary | base64`.
        #expect(HandshakeRequest.acceptValue(forKey: "x3JJHMbDL1EzLkh9GBhXDw==") == "HSmrc0sMlYUkAGmm5OPpG2HaGWk=")
    }

    // MARK: Response parsing

    static func response(_ lines: [String]) -> HandshakeResponse {
        HandshakeResponse(headerBlock: Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8))
    }

    static let goodLines = [
        "HTTP/1.1 101 Switching Protocols",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Accept: \(sampleAccept)",
        "Server: TestServer/1.0",
    ]

    static func validate(_ lines: [String], protocols: [String] = []) -> String? {
        response(lines).validate(key: sampleKey, offeredProtocols: protocols)?.reason
    }

    static func replacing(_ name: String, with line: String?) -> [String] {
        goodLines.compactMap { $0.hasPrefix(name + ":") ? line : $0 }
    }

    @Test("a correct answer is accepted")
    func accepts() {
        #expect(Self.validate(Self.goodLines) == nil)
    }

    @Test("header names are case-insensitive; Upgrade and Connection values too")
    func caseInsensitive() {
        let lines = [
            "HTTP/1.1 101 Switching Protocols",
            "UPGRADE: WebSocket",
            "connection: keep-alive, UPGRADE",
            "sec-websocket-accept:\t\(Self.sampleAccept)  ",
        ]
        #expect(Self.validate(lines) == nil)
        let r = Self.response(lines)
        #expect(r["Sec-WebSocket-Accept"] == Self.sampleAccept)
        #expect(r["UPGRADE"] == "WebSocket")
    }

    @Test("repeated headers are joined with \", \" and counted")
    func repeatedHeaders() {
        let r = Self.response(["HTTP/1.1 101 OK", "X-A: one", "x-a: two", "Other: 3"])
        #expect(r["x-a"] == "one, two")
        #expect(r.headerCounts["x-a"] == 2)
        #expect(r.headerCounts["other"] == 1)
        #expect(r.statusLine == "HTTP/1.1 101 OK")
    }

    @Test("the header block ends after the first empty line")
    func endOfHeaderBlock() {
        let block = Array("HTTP/1.1 101 OK\r\nA: b\r\n\r\n".utf8)
        #expect(HandshakeResponse.endOfHeaderBlock(in: block + [0x81, 0x00]) == block.count)
        #expect(HandshakeResponse.endOfHeaderBlock(in: Array("HTTP/1.1 101 OK\r\nA: b\r\n\r".utf8)) == nil)
        #expect(HandshakeResponse.endOfHeaderBlock(in: Array("\r\n\r".utf8)) == nil)
    }

    @Test("searching on from where the last search stopped finds an empty line split across pieces")
    func endOfHeaderBlockFrom() {
        let block = Array("HTTP/1.1 101 OK\r\nA: b\r\n\r\n".utf8)
        for split in 0..<block.count {
            // The first piece was searched in vain (or not at all, when empty); the search goes on from there.
            #expect(HandshakeResponse.endOfHeaderBlock(in: block + [0x81], from: split) == block.count, "split \(split)")
        }
        #expect(HandshakeResponse.endOfHeaderBlock(in: Array("\r\n\r".utf8), from: 0) == nil)
        #expect(HandshakeResponse.endOfHeaderBlock(in: [], from: 5) == nil)
    }

    struct Failure: Sendable, CustomTestStringConvertible {
        var name: String
        var lines: [String]
        var reason: String
        var testDescription: String { name }
    }

    static let failures: [Failure] = [
        .init(name: "404", lines: ["HTTP/1.1 404 Not Found", "Content-Length: 0"],
              reason: "WebSocket connection upgrade failed (404 - NotFound)"),
        .init(name: "426", lines: ["HTTP/1.1 426 Upgrade Required"],
              reason: "WebSocket connection upgrade failed (426 - UpgradeRequired)"),
        .init(name: "200 without phrase", lines: ["HTTP/1.1 200"], reason: "WebSocket connection upgrade failed (200)"),
        .init(name: "HTTP/1.0", lines: ["HTTP/1.0 101 Switching Protocols"] + goodLines.dropFirst(),
              reason: "Unsupported HTTP version ('HTTP/1.0')"),
        .init(name: "status line with one token", lines: ["HTTP/1.1"], reason: "Bad HTTP response status line 'HTTP/1.1'"),
        .init(name: "status code not a number", lines: ["HTTP/1.1 abc Switching"],
              reason: "Bad HTTP status code ('abc')"),
        .init(name: "no Upgrade", lines: replacing("Upgrade", with: nil), reason: "HTTP Upgrade header missing"),
        .init(name: "wrong Upgrade", lines: replacing("Upgrade", with: "Upgrade: h2c"),
              reason: "HTTP Upgrade header different from 'websocket' (case-insensitive) : h2c"),
        .init(name: "no Connection", lines: replacing("Connection", with: nil), reason: "HTTP Connection header missing"),
        .init(name: "Connection without upgrade", lines: replacing("Connection", with: "Connection: keep-alive"),
              reason: "HTTP Connection header does not include 'upgrade' value (case-insensitive) : keep-alive"),
        .init(name: "no accept", lines: replacing("Sec-WebSocket-Accept", with: nil),
              reason: "HTTP Sec-WebSocket-Accept header missing in opening handshake reply"),
        .init(name: "wrong accept", lines: replacing("Sec-WebSocket-Accept", with: "Sec-WebSocket-Accept: AAAA"),
              reason: "HTTP Sec-WebSocket-Accept bogus value : expected \(sampleAccept) / got AAAA"),
        .init(name: "accept twice", lines: goodLines + ["Sec-WebSocket-Accept: \(sampleAccept)"],
              reason: "HTTP Sec-WebSocket-Accept header appears more than once in opening handshake reply"),
        .init(name: "unrequested extension", lines: goodLines + ["Sec-WebSocket-Extensions: permessage-deflate"],
              reason: "server wants to use extension 'permessage-deflate' we did not request, haven't implemented or did not enable"),
        .init(name: "extensions twice",
              lines: goodLines + ["Sec-WebSocket-Extensions: permessage-deflate", "Sec-WebSocket-Extensions: x"],
              reason: "HTTP Sec-WebSocket-Extensions header appears more than once in opening handshake reply"),
        .init(name: "protocol twice",
              lines: goodLines + ["Sec-WebSocket-Protocol: chat", "Sec-WebSocket-Protocol: chat"],
              reason: "HTTP Sec-WebSocket-Protocol header appears more than once in opening handshake reply"),
    ]

    @Test("each refused answer gives the reference's reason", arguments: failures)
    func refused(_ failure: Failure) {
        #expect(Self.validate(failure.lines, protocols: ["chat"]) == failure.reason)
    }

    @Test("a subprotocol must be one the client offered; an empty one is fine")
    func subprotocol() throws {
        let chosen = Self.goodLines + ["Sec-WebSocket-Protocol: chat"]
        let reason = try #require(Self.validate(chosen, protocols: []))
        #expect(reason.hasPrefix("subprotocol selected by server (chat) not in subprotocol list requested by client"))
        #expect(Self.validate(chosen, protocols: ["superchat", "chat"]) == nil)
        #expect(Self.validate(Self.goodLines + ["Sec-WebSocket-Protocol: "], protocols: []) == nil)
    }

    @Test("a custom extension hook decides about each extension")
    func extensionHook() {
        let r = Self.response(Self.goodLines + ["Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=10"])
        var seen: [ExtensionResponse] = []
        let failure = r.validate(key: Self.sampleKey, offeredProtocols: []) { ext in
            seen.append(ext)
            return nil
        }
        #expect(failure == nil)
        #expect(seen.map(\.name) == ["permessage-deflate"])
        #expect(seen.first?.parameters.map(\.name) == ["server_max_window_bits"])
        #expect(seen.first?.parameters.map(\.value) == ["10"])
    }

    @Test("Sec-WebSocket-Extensions is split into extensions and parameters")
    func parseExtensions() {
        let parsed = ExtensionResponse.parseHeader(
            "permessage-deflate; Client_Max_Window_Bits=\"12\"; server_no_context_takeover, x-webkit-deflate-frame")
        #expect(parsed.map(\.name) == ["permessage-deflate", "x-webkit-deflate-frame"])
        #expect(parsed[0].parameters.map(\.name) == ["client_max_window_bits", "server_no_context_takeover"])
        #expect(parsed[0].parameters.map(\.value) == ["12", nil])
        #expect(parsed[1].parameters.isEmpty)
    }
}
