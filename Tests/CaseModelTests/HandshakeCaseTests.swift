import CaseModel
import Foundation
import Testing

@Suite("Handshake cases: the raw request, the checks and the suite they belong to")
struct HandshakeCaseTests {
    static let header = """
        category: { id: "20", title: Opening handshake, suite: handshake }
        cases:

        """

    static func load(_ cases: String) throws -> CaseDefinition {
        try #require(try CaseLoader.load(yaml: header + cases, file: "h.yaml").cases.first)
    }

    @Test("a request is the standard one changed by set, add, before, body and after, written in order and spelling")
    func rawRequest() throws {
        let c = try Self.load("""
              - id: "20.1.1"
                description: d
                expectation: e
                rfc: "6455 §4.2.1"
                request:
                  method: POST
                  target: "http://$host/chat"
                  set: { Sec-WebSocket-Version: "8", connection: ~ }
                  add: ["X-Odd :  spaced ", "sec-websocket-key: $key", { name: X-Long, value: { repeat: "ab", length: 5 } }]
                  before: "\\r\\n"
                  body: "hi"
                  after: { hex: "89 00" }
                response:
                  - must: { status: [4xx, 500] }
                  - should: { header: Sec-WebSocket-Version, has: "13" }
                    rfc: "6455 §4.4"
                  - may: { status: 426 }

            """)
        let handshake = try #require(c.handshake)
        #expect(c.category.suite == "handshake")
        let octets = handshake.request.encoded(host: "h:1", key: "K", resource: "/")
        let expected =
            "\r\nPOST http://h:1/chat HTTP/1.1\r\nHost: h:1\r\nUpgrade: websocket\r\nSec-WebSocket-Key: K\r\n"
            + "Sec-WebSocket-Version: 8\r\nX-Odd :  spaced \r\nsec-websocket-key: K\r\nX-Long: ababa\r\n\r\nhi"
        #expect(octets == Array(expected.utf8) + [0x89, 0x00])
        #expect(handshake.request.shownLength(host: "h:1", key: "K", resource: "/") == expected.utf8.count)
        #expect(handshake.checks.map(\.level) == [.must, .should, .may])
        #expect(handshake.checks[0].kind == .status([400...499, 500...500]))
        #expect(handshake.checks[0].written == "status: [4xx, 500]")
        #expect(handshake.checks[1].kind == .headerHas("Sec-WebSocket-Version", "13"))
        #expect(handshake.checks[1].rfc == "6455 §4.4")
        #expect(c.steps.isEmpty)
        // A handshake case closes normally after its events.
        #expect(c.close.closedByClient && c.expected.first?.events == [])
    }

    @Test("without changes the request is RFC 6455 §4.1's, with the server's resource and a LF ending if asked")
    func standardRequest() throws {
        var request = RawRequest()
        #expect(String(decoding: request.encoded(host: "a:9", key: "k", resource: "/r"), as: UTF8.self)
            == "GET /r HTTP/1.1\r\nHost: a:9\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: k\r\nSec-WebSocket-Version: 13\r\n\r\n")
        request.lineEnding = "\n"
        request.headers = ["A: 1"]
        #expect(String(decoding: request.encoded(host: "a:9", key: "k", resource: "/"), as: UTF8.self) == "GET / HTTP/1.1\nA: 1\n\n")
    }

    @Test("every kind of check loads: subprotocol, deflate, accept, closed, events (with a close-after)")
    func checkKinds() throws {
        let c = try Self.load("""
              - id: "20.2.1"
                description: d
                expectation: e
                request: {}
                steps: [ close-after: 1 ]
                response:
                  - must: { subprotocol: offered }
                  - must: { deflate: declined }
                  - must: { accept: true }
                  - may: { closed: true }
                  - must: { header: X, absent: true }
                  - must: { header: Y, value: "v" }
                  - must: { events: [ pong: "Hello" ] }

            """)
        let kinds = try #require(c.handshake).checks.map(\.kind)
        #expect(kinds == [
            .subprotocol(.offered), .deflate(.declined), .accept, .closed, .headerAbsent("X"), .headerValue("Y", "v"),
            .events([.pong(.text("Hello"))]),
        ])
        #expect(c.expected.first?.events == [.pong(.text("Hello"))])
        #expect(c.handshake?.waitsForServerClose == true)
    }

    /// A malformed handshake case: each problem is reported at the node it is about.
    @Test(
        "malformed handshake cases get located errors",
        arguments: [
            ("request: {}", "needs 'response'", "id: \"20.1.1\""),
            ("response: [ must: { status: 101 } ]", "needs 'request'", "id: \"20.1.1\""),
            ("request: {}\n    response: [ must: { status: 101 } ]\n    expect: { OK: [] }", "'expect' is not for a handshake case", "expect:"),
            ("request: { metod: GET }\n    response: [ must: { status: 101 } ]", "unknown key 'metod'", "metod"),
            ("request: { set: { X-Nope: 1 } }\n    response: [ must: { status: 101 } ]", "not one of the standard header lines", "X-Nope"),
            ("request: {}\n    response: [ must: { status: 6xx } ]", "expected a whole number", "6xx"),
            ("request: {}\n    response: [ must: { status: 101 } ]\n    steps: []", nil, nil),
            ("request: {}\n    response: [ { must: { status: 101 }, should: { accept: true } } ]", "one level", "{ must"),
            ("request: {}\n    response: [ must: { stauts: 101 } ]", "unknown key 'stauts'", "stauts"),
            ("request: {}\n    response: [ must: { status: 101, accept: true } ]", "tests one thing", "{ status"),
            ("request: {}\n    response: [ must: { header: Upgrade } ]", "one of absent: true", "{ header"),
            ("request: {}\n    response: [ must: { deflate: maybe } ]", "got 'maybe'", "maybe"),
            ("request: {}\n    response: [ must: { events: [ pong: x ] } ]", "needs a close-after step", "[ must"),
            ("request: {}\n    response: []", "at least one check", "[]"),
            ("request: { add: [\"A: 1\\nB: 2\"] }\n    response: [ must: { status: 101 } ]", "cannot contain a line break", "\"A: 1"),
        ] as [(String, String?, String?)])
    func malformed(body: String, message: String?, marker: String?) throws {
        let yaml = Self.header + "  - id: \"20.1.1\"\n    description: d\n    expectation: e\n    " + body + "\n"
        let found = problems(loading: yaml, file: "h.yaml")
        guard let message, let marker else {
            #expect(found.isEmpty, "\(found)")
            return
        }
        let problem = try #require(found.first, "no problem reported for: \(body)")
        #expect(problem.message.contains(message), "\(problem.message)")
        let at = position(of: marker, in: yaml)
        #expect(problem.location.line == at.line, "\(problem) for \(marker)")
        #expect(problem.location.column == at.column, "\(problem) for \(marker)")
    }

    @Test("a category's suite is a plain name; 'all' is not one")
    func suiteNames() throws {
        let bad = problems(loading: "category: { id: \"20\", title: T, suite: all }\ncases: []\n")
        #expect(bad.first?.message.contains("'all' names every suite") == true)
        let reference = try CaseLoader.load(yaml: "category: { id: \"20\", title: T, suite: reference }\ncases: []\n", file: "r.yaml")
        #expect(reference.groups["20"]?.suite == nil)
    }

    @Test("--suite: the reference's cases by default; a pattern that only selects another suite's cases says which option would")
    func selection() throws {
        let suite = try CaseLoader.loadDirectory(builtInCaseDirectory)
        let reference = try CaseSelection().select(from: suite)
        #expect(reference.count == 517)
        let handshake = try CaseSelection(suites: ["handshake"]).select(from: suite)
        #expect(!handshake.isEmpty && handshake.allSatisfy { ["20", "21"].contains($0.id.category) && $0.handshake != nil })
        // The reference's IDs end at 13: the handshake suite's categories cannot collide with them.
        #expect(reference.allSatisfy { Int($0.id.category)! <= 13 })
        let http2 = try CaseSelection(suites: ["http2"]).select(from: suite)
        #expect(!http2.isEmpty && http2.allSatisfy { $0.id.category == "22" && $0.handshake?.stream != nil })
        #expect(try CaseSelection(suites: ["all"]).select(from: suite).count == reference.count + handshake.count + http2.count)
        #expect(throws: CaseSelection.Problem.self) { try CaseSelection(include: ["20.*"]).select(from: suite) }
        do {
            _ = try CaseSelection(include: ["20.1.1"]).select(from: suite)
        } catch let problem as CaseSelection.Problem {
            #expect(problem.description.contains("--suite handshake"))
        }
        // An exclude that names only the other suite's cases is not an error (a spec file's exclude-cases).
        #expect(try CaseSelection(exclude: ["12.*"], suites: ["handshake"]).select(from: suite).count == handshake.count)
        #expect(throws: CaseSelection.Problem.self) { try CaseSelection(exclude: ["77.*"], suites: ["handshake"]).select(from: suite) }
        do {
            _ = try CaseSelection(suites: ["handshakes"]).select(from: suite)
            Issue.record("an unknown suite must be refused")
        } catch let problem as CaseSelection.Problem {
            #expect(problem.description.contains("there is no suite 'handshakes'"))
        }
        // Every check names its clause, its own or the case's.
        for c in handshake {
            #expect(c.rfc != nil, "\(c.id) names no RFC clause")
        }
    }
}
