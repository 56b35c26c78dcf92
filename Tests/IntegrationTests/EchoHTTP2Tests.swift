import NIOHPACK
import Testing

@testable import Testee

/// What `wsspec echo --http2` takes for an extended CONNECT (RFC 8441 §4–5) and how it refuses the rest.
@Suite("The echo server's extended CONNECT")
struct EchoHTTP2Tests {
    static let valid: [(String, String)] = [
        (":method", "CONNECT"), (":protocol", "websocket"), (":scheme", "https"), (":path", "/chat"),
        (":authority", "example.test"), ("sec-websocket-version", "13"),
    ]

    static func problem(replacing name: String, with value: String?) -> (status: Int, reason: String)? {
        var fields = valid.filter { $0.0 != name }
        if let value { fields.append((name, value)) }
        return EchoStreamHandler.problem(HPACKHeaders(fields)).map { ($0.status, $0.reason) }
    }

    @Test("a complete extended CONNECT for websocket is accepted")
    func accepted() {
        #expect(EchoStreamHandler.problem(HPACKHeaders(Self.valid)) == nil)
    }

    @Test("each missing or wrong part is refused with its status and the clause")
    func refused() {
        #expect(Self.problem(replacing: ":method", with: "GET")?.status == 405)
        #expect(Self.problem(replacing: ":protocol", with: nil)?.status == 400)
        #expect(Self.problem(replacing: ":protocol", with: nil)?.reason.contains("RFC 9113 §8.5") == true)
        #expect(Self.problem(replacing: ":protocol", with: "webtransport")?.status == 501)
        #expect(Self.problem(replacing: ":path", with: nil)?.reason == "extended CONNECT without :path (RFC 8441 §4)")
        #expect(Self.problem(replacing: ":scheme", with: nil)?.reason == "extended CONNECT without :scheme (RFC 8441 §4)")
        #expect(Self.problem(replacing: "sec-websocket-version", with: "8")?.status == 400)
        // RFC 6455 §4.4: the refusal names the version the server speaks (22.4.2 found it missing).
        var fields = Self.valid.filter { $0.0 != "sec-websocket-version" }
        fields.append(("sec-websocket-version", "8"))
        #expect(EchoStreamHandler.problem(HPACKHeaders(fields))?.headers.map { "\($0.0): \($0.1)" } == ["sec-websocket-version: 13"])
        #expect(Self.problem(replacing: "sec-websocket-version", with: nil)?.status == 400)
    }
}
