import CaseModel
import Foundation
import Harness
import NIOPosix
import Recording
import ReportFormat
import Testee
import Testing

/// Runs every case of the handshake suite against `url`, one after the other, writes their reports and returns
/// the records by case ID.
func runHandshakeSuite(against url: String, openHandshake: Double = 5) async throws -> [String: CaseRecord] {
    let suite = try builtinSuite()
    let selected = try CaseSelection(suites: ["handshake"]).select(from: suite)
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    var settings = RunSettings(seed: 15)
    settings.timeouts.openHandshake = openHandshake
    let runner = CaseRunner(group: group, settings: settings)
    let server = try ServerTarget(url: url)
    let items = selected.map { CaseScheduler.Item(definition: $0, ordinal: suite.ordinal(of: $0.id) ?? 0) }
    let records = await CaseScheduler(jobs: 1).run(items, servers: [server], runner: runner).flatMap { $0 }
    try await group.shutdownGracefully()
    // The reports of these cases are written like any other's, and show the request and the answer.
    let outdir = FileManager.default.temporaryDirectory.appendingPathComponent("wsspec-handshake-\(UUID().uuidString)")
    let writer = try ReportWriter(directory: outdir)
    for record in records { try writer.write(record) }
    try expectValidReports(in: outdir, count: records.count)
    try? FileManager.default.removeItem(at: outdir)
    #expect(Set(records.map(\.agent)).count == 1, "one server, one agent: \(Set(records.map(\.agent)))")
    return Dictionary(uniqueKeysWithValues: records.map { ($0.caseID, $0) })
}

/// Every case's behaviour is `default` but those in `except`; a mismatch shows the case's result.
func expectVerdicts(
    _ records: [String: CaseRecord], default expected: String, except: [String: String],
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) {
    #expect(records.count == 49, sourceLocation: sourceLocation)
    for (id, record) in records.sorted(by: { CaseID($0.key)! < CaseID($1.key)! }) {
        let want = except[id] ?? expected
        #expect(
            record.behavior == want, "\(id): \(record.behavior), expected \(want) — \(record.result)",
            sourceLocation: sourceLocation)
        #expect(record.harnessError == nil, "\(id): \(record.harnessError.map { "\($0)" } ?? "")", sourceLocation: sourceLocation)
    }
}

@Suite("The handshake suite against real and misbehaving servers", .serialized)
struct HandshakeSuiteTests {
    @Test("wsspec echo meets every MUST and SHOULD; it chooses no subprotocol and refuses a GET with a body")
    func echoServer() async throws {
        let server = try await startEchoServer()
        let records = try await runHandshakeSuite(against: "ws://127.0.0.1:\(server.port)")
        try await server.stop()
        expectVerdicts(records, default: "OK", except: ["20.1.5": "INFORMATIONAL", "20.6.1": "INFORMATIONAL", "20.6.2": "INFORMATIONAL"])
        // The report shows the raw request and the answer.
        let version = try #require(records["20.4.1"])
        #expect(version.recording.handshakeRequest.contains("\r\nSec-WebSocket-Version: 8\r\n"))
        #expect(version.recording.handshakeResponse?.hasPrefix("HTTP/1.1 426 ") == true)
        #expect(records["20.5.1"]?.result.contains("Every check holds") == true)
        #expect(records["21.2.3"]?.recording.handshakeResponse?.contains("server_max_window_bits=10") == true)
    }

    /// Each FAILED and NON-STRICT of websockets 17.4 rests on RFC text (README, "The handshake suite"):
    /// - 20.2.8: "Upgrade : websocket" is dropped without an answer; RFC 7230 §3.2.4 says MUST answer 400.
    /// - 20.2.9, 20.2.10: no Host or two Hosts get 101; RFC 7230 §5.4 says MUST answer 400 (RFC 6455 §4.2.1 item 2).
    /// - 20.4.1–3: an unsupported version gets 400 without Sec-WebSocket-Version; RFC 6455 §4.4 requires the header.
    /// - 20.1.3 (NON-STRICT): an empty line before the request line is dropped; RFC 7230 §3.5 says SHOULD ignore it.
    /// INFORMATIONAL: 20.1.5 (a GET with a body: dropped), 20.5.1 (its Pong comes before its 101 answer),
    /// 20.6.1/20.6.2 (no subprotocol chosen: the server has none configured).
    @Test("Python websockets 17.4: the verdicts checked by hand against the RFCs")
    func pythonWebsockets() async throws {
        let server = try PythonEchoServer()
        defer { server.stop() }
        let records = try await runHandshakeSuite(against: "ws://127.0.0.1:\(server.port)")
        expectVerdicts(records, default: "OK", except: [
            "20.1.3": "NON-STRICT", "20.1.5": "INFORMATIONAL", "20.2.8": "FAILED", "20.2.9": "FAILED", "20.2.10": "FAILED",
            "20.4.1": "FAILED", "20.4.2": "FAILED", "20.4.3": "FAILED", "20.5.1": "INFORMATIONAL",
            "20.6.1": "INFORMATIONAL", "20.6.2": "INFORMATIONAL",
        ])
        #expect(records["20.4.1"]?.result.contains("there is no Sec-WebSocket-Version header") == true)
        #expect(records["20.2.8"]?.result.contains("No answer") == true)
        #expect(records.values.allSatisfy { $0.agent.contains("websockets/17.4") })
    }

    /// Tornado 6.6.1 (README, "The handshake suite", checked by hand):
    /// - 20.1.2: HTTP/1.0 gets 101; RFC 6455 §4.2.1 item 1 asks for HTTP/1.1 or higher.
    /// - 20.1.4: the absolute-form target gets 404; RFC 7230 §5.3.2 says a server MUST accept it.
    /// - 20.3.2–4: a key of 15 octets, a key that is not base64 and two keys get 101 (§4.2.1 item 5, §11.3.1).
    /// - 20.7.1: a 64 KiB header is dropped without an answer; RFC 7230 §3.2.5 says MUST answer with a 4xx.
    /// - 21.1.4, 21.1.5, 21.1.8, 21.1.9, 21.1.11, 21.1.12: invalid offers (window `010`, a window without a value,
    ///   repeated parameters, values on flags) are accepted; RFC 7692 §7 says MUST decline them.
    /// - 21.2.4: `server_no_context_takeover` is asked for and the answer leaves it out (RFC 7692 §7.1.1.1).
    /// - 21.2.5: `server_max_window_bits=7` before a valid offer makes it answer 500 instead of declining the
    ///   first offer (RFC 7692 §7).
    @Test("Tornado 6.6.1: a second real server, its verdicts checked by hand against the RFCs")
    func tornado() async throws {
        let server = try PythonEchoServer(script: "tornado_echo.py")
        defer { server.stop() }
        let records = try await runHandshakeSuite(against: "ws://127.0.0.1:\(server.port)")
        var expected = ["20.6.1": "INFORMATIONAL", "20.6.2": "INFORMATIONAL"]
        for id in ["20.1.2", "20.1.4", "20.3.2", "20.3.3", "20.3.4", "20.7.1", "21.1.4", "21.1.5", "21.1.8", "21.1.9"] {
            expected[id] = "FAILED"
        }
        for id in ["21.1.11", "21.1.12", "21.2.4", "21.2.5"] { expected[id] = "FAILED" }
        expectVerdicts(records, default: "OK", except: expected)
        #expect(records.values.allSatisfy { $0.agent == "TornadoServer/6.6.1" })
    }

    @Test("a server that accepts anything: every MUST it breaks is FAILED, the SHOULD it breaks NON-STRICT")
    func laxServer() async throws {
        let server = try HostileServer(.laxHandshake)
        defer { server.stop() }
        let records = try await runHandshakeSuite(against: server.url)
        var failed: [String: String] = ["20.1.3": "NON-STRICT"]
        for id in ["20.1.1", "20.1.2", "20.2.1", "20.2.2", "20.2.3", "20.2.4", "20.2.8", "20.2.9", "20.2.10"] { failed[id] = "FAILED" }
        for id in ["20.3.1", "20.3.2", "20.3.3", "20.3.4", "20.3.5", "20.4.1", "20.4.2", "20.4.3", "20.4.4"] { failed[id] = "FAILED" }
        for id in ["20.6.1", "20.6.2", "20.6.3", "21.2.2", "21.2.5", "21.2.6"] { failed[id] = "FAILED" }
        for n in 1...12 { failed["21.1.\(n)"] = "FAILED" }
        // Refusing nothing, it upgrades the GET with a body and then reads the body as frames: no Pong.
        failed["20.1.5"] = "INFORMATIONAL"
        expectVerdicts(records, default: "OK", except: failed)
        #expect(records["20.4.1"]?.result.contains("MUST (RFC 6455 §4.4, §4.2.2) status: [4xx, 5xx]: got 101") == true)
        #expect(records["20.3.1"]?.result.contains("got 101") == true)
        #expect(records["20.3.5"]?.result.contains("the server selected 'wsspec.unoffered' (none was offered)") == true)
        #expect(records["20.6.1"]?.result.contains("the server selected 'wsspec.unoffered' (offered: chat, superchat)") == true)
        #expect(records["21.1.1"]?.result.contains("server_max_window_bits=7, outside 8–15") == true)
        #expect(records["21.1.8"]?.result.contains("twice") == true)
        #expect(records["21.2.2"]?.result.contains("client_max_window_bits without a value") == true)
        #expect(records["20.1.3"]?.result.contains("SHOULD (RFC 7230 §3.5) status: 101: got 400") == true)
    }

    @Test("a server that answers every deflate offer alike and refuses versions with 400: FAILED and INFORMATIONAL")
    func carelessDeflateServer() async throws {
        let server = try HostileServer(.carelessDeflate)
        defer { server.stop() }
        let records = try await runHandshakeSuite(against: server.url)
        var expected: [String: String] = [
            "20.1.3": "NON-STRICT", "20.1.5": "INFORMATIONAL", "20.2.8": "FAILED",
            "20.4.1": "INFORMATIONAL", "20.4.2": "INFORMATIONAL", "20.4.3": "INFORMATIONAL",
            "20.6.1": "INFORMATIONAL", "20.6.2": "INFORMATIONAL",
            "21.2.1": "FAILED", "21.2.3": "FAILED", "21.2.4": "FAILED", "21.2.5": "FAILED", "21.2.6": "FAILED",
            "21.2.7": "FAILED",
        ]
        for n in 1...12 { expected["21.1.\(n)"] = "FAILED" }
        expectVerdicts(records, default: "OK", except: expected)
        // 400 with Sec-WebSocket-Version meets the MUST; 426 is only the RFC's example.
        #expect(records["20.4.1"]?.result.contains("MAY (RFC 6455 §4.4, §4.2.2) status: 426: got 400") == true)
        #expect(records["21.2.1"]?.result.contains("§7.1.2.2") == true)
        #expect(records["21.2.3"]?.result.contains("§7.1.2.1") == true)
        #expect(records["21.2.4"]?.result.contains("§7.1.1.1") == true)
    }

    @Test("closed: wsspec waits for the server to close after refusing; one that keeps the connection is caught")
    func closedAfterRefusal() async throws {
        let yaml = """
            category: { id: "20", title: Opening handshake, suite: handshake }
            cases:
              - id: "20.9.1"
                description: A POST.
                expectation: Refused, and the server closes the connection.
                rfc: "6455 §4.2.1"
                request: { method: POST }
                response:
                  - must: { status: [4xx] }
                  - should: { closed: true }
            """
        let definition = try #require(try CaseLoader.load(yaml: yaml, file: "closed.yaml").cases.first)
        let echo = try await startEchoServer()
        let keeper = try HostileServer(.http404)
        defer { keeper.stop() }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let runner = CaseRunner(group: group, settings: RunSettings(seed: 15))
        let closedByServer = await runner.run(definition, ordinal: 1, server: try ServerTarget(url: "ws://127.0.0.1:\(echo.port)"))
        let kept = await runner.run(definition, ordinal: 1, server: try ServerTarget(url: keeper.url))
        try await echo.stop()
        try await group.shutdownGracefully()
        #expect(closedByServer.behavior == "OK", "\(closedByServer.result)")
        #expect(closedByServer.resultClose == "The server closed the connection after its answer")
        #expect(kept.behavior == "NON-STRICT", "\(kept.result)")
        #expect(kept.result.contains("SHOULD (RFC 6455 §4.2.1) closed: true: the server kept the connection open"))
        #expect(kept.closing.wasServerConnectionDropTimeout)
    }

    @Test("a server that never answers: FAILED with 'no answer', within the opening-handshake timeout")
    func silentServer() async throws {
        let server = try HostileServer(.silent)
        defer { server.stop() }
        let suite = try builtinSuite()
        let definition = try #require(suite[CaseID("20.3.5")!])
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var settings = RunSettings(seed: 15)
        settings.timeouts.openHandshake = 0.5
        let record = await CaseRunner(group: group, settings: settings).run(definition, ordinal: 1, server: try ServerTarget(url: server.url))
        try await group.shutdownGracefully()
        #expect(record.behavior == "FAILED")
        #expect(record.result.hasPrefix("No answer: none came in time."))
        #expect(record.result.contains("MUST (RFC 6455 §4.2.2) status: 101: no answer"))
    }
}
