import Testing

@testable import CaseModel

/// HTTP/2 handshake cases (`request: { version: HTTP/2 }`): the header list and the checks only they have.
@Suite("HTTP/2 handshake cases")
struct HTTP2HandshakeCaseTests {
    static let header = "category: { id: \"22\", title: H2, suite: http2 }\ncases:\n"

    static func load(_ request: String, _ response: String) throws -> HandshakeCase {
        let yaml = header + """
              - id: "22.1.1"
                description: d
                expectation: e
                rfc: "8441 §4"
                request: \(request)
                response: \(response)

            """
        return try #require(try CaseLoader.load(yaml: yaml, file: "h2.yaml").cases.first?.handshake)
    }

    static func problem(_ request: String, _ response: String) -> String {
        let yaml = header + """
              - id: "22.1.1"
                description: d
                expectation: e
                request: \(request)
                response: \(response)

            """
        return problems(loading: yaml).map(\.message).joined(separator: "; ")
    }

    @Test("the standard extended CONNECT changed by set (~ removes a field) and add, pseudo-header fields included")
    func fields() throws {
        let c = try Self.load(
            #"{ version: HTTP/2, set: { ":path": ~, ":protocol": other }, add: ["upgrade: websocket", ":odd: x: y"] }"#,
            "[ must: { stream-error: PROTOCOL_ERROR }, may: { reset: any }, should: { refused: true }, must: { connect-protocol: true } ]")
        let stream = try #require(c.stream)
        #expect(stream.fields.map { "\($0.name)=\($0.value)" } == [
            ":method=CONNECT", ":protocol=other", ":scheme=$scheme", ":authority=$host", "sec-websocket-version=13",
            "upgrade=websocket", ":odd=x: y",
        ])
        #expect(c.checks.map(\.kind) == [.streamError("PROTOCOL_ERROR"), .reset(nil), .refused, .connectProtocol])
        #expect(c.waitsForServerClose)
        let filled = stream.filled(host: "h:1", path: "/p", scheme: "https", key: "k")
        #expect(filled.map(\.value) == ["CONNECT", "other", "https", "h:1", "13", "websocket", "x: y"])
        #expect(try Self.load("{ version: HTTP/2 }", "[ must: { status: 2xx } ]").stream?.fields == StreamRequest.standardFields)
    }

    @Test("HTTP/1.1-only keys and checks are refused in an HTTP/2 case, the HTTP/2 checks in an HTTP/1.1 case, bad codes named")
    func refusals() {
        #expect(Self.problem("{ version: HTTP/2, method: GET }", "[ must: { status: 200 } ]").contains("'method' is not for an HTTP/2 request"))
        #expect(Self.problem("{ version: HTTP/2, set: { host: x } }", "[ must: { status: 200 } ]").contains("'host' is not one of the standard fields"))
        #expect(Self.problem("{ version: HTTP/2 }", "[ must: { accept: true } ]").contains("is for an HTTP/1.1 case"))
        #expect(Self.problem("{ }", "[ must: { reset: PROTOCOL_ERROR } ]").contains("is for an HTTP/2 case"))
        #expect(Self.problem("{ version: HTTP/2 }", "[ must: { reset: PROTOCOL } ]").contains("'PROTOCOL' is not an HTTP/2 error code"))
        #expect(Self.problem("{ version: HTTP/2 }", "[ must: { stream-error: any } ]").contains("not an HTTP/2 error code"))
        #expect(Self.problem("{ version: HTTP/2, add: [\"nocolon\"] }", "[ must: { status: 200 } ]").contains("is not a field"))
    }

    @Test("the built-in category 22 loads: ten cases, each with its clause, all in the http2 suite")
    func builtin() throws {
        let suite = try CaseLoader.loadDirectory(builtInCaseDirectory)
        let cases = suite.cases.filter { $0.id.category == "22" }
        #expect(cases.count == 10)
        #expect(cases.allSatisfy { $0.category.suiteName == "http2" && $0.rfc != nil && $0.handshake?.stream != nil })
    }
}
