import CaseModel
import Foundation
import Harness
import NIOPosix
import Recording
import ReportFormat
import Testee
import Testing

/// Runs category 22 (the `http2` suite) against `url`, writes the reports and returns the records by case ID.
func runHTTP2HandshakeSuite(against url: String) async throws -> [String: CaseRecord] {
    let suite = try builtinSuite()
    let selected = try CaseSelection(suites: ["http2"]).select(from: suite)
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let runner = CaseRunner(group: group, settings: RunSettings(seed: 22))
    let server = try ServerTarget(url: url)
    let items = selected.map { CaseScheduler.Item(definition: $0, ordinal: suite.ordinal(of: $0.id) ?? 0) }
    let records = await CaseScheduler(jobs: 2).run(items, servers: [server], runner: runner).flatMap { $0 }
    try await group.shutdownGracefully()
    let outdir = FileManager.default.temporaryDirectory.appendingPathComponent("wsspec-h2-handshake-\(UUID().uuidString)")
    let writer = try ReportWriter(directory: outdir)
    for record in records { try writer.write(record) }
    try expectValidReports(in: outdir, count: records.count)
    try? FileManager.default.removeItem(at: outdir)
    return Dictionary(uniqueKeysWithValues: records.map { ($0.caseID, $0) })
}

func expectHTTP2Verdicts(
    _ records: [String: CaseRecord], _ expected: [String: Behavior], sourceLocation: Testing.SourceLocation = #_sourceLocation
) {
    #expect(records.count == 10, sourceLocation: sourceLocation)
    for (id, record) in records.sorted(by: { CaseID($0.key)! < CaseID($1.key)! }) {
        let want = expected[id] ?? .ok
        #expect(record.behavior == want.rawValue, "\(id): \(record.behavior), expected \(want) — \(record.result)", sourceLocation: sourceLocation)
        #expect(record.harnessError == nil, "\(id): \(record.harnessError.map { "\($0)" } ?? "")", sourceLocation: sourceLocation)
    }
}

func startHTTP2Echo(lax: Bool = false, announce: Bool = true) async throws -> EchoServer {
    var configuration = EchoServerConfiguration()
    configuration.port = 0
    configuration.http2 = true
    configuration.laxHTTP2 = lax
    configuration.announceConnectProtocol = announce
    return try await EchoServer.start(configuration)
}

/// Category 22 (RFC 8441's handshake) against the echo server, servers built to fail it, and Hypercorn.
@Suite("The HTTP/2 handshake cases against real and misbehaving servers", .serialized)
struct HTTP2HandshakeSuiteTests {
    @Test("wsspec echo --http2 meets every MUST and SHOULD: it resets malformed requests with PROTOCOL_ERROR")
    func echoServer() async throws {
        let server = try await startHTTP2Echo()
        let records = try await runHTTP2HandshakeSuite(against: "h2://127.0.0.1:\(server.port)")
        try await server.stop()
        expectHTTP2Verdicts(records, [:])
        #expect(records["22.3.3"]?.recording.streamReset == "PROTOCOL_ERROR")
        #expect(records["22.4.2"]?.recording.handshakeResponse?.contains("sec-websocket-version: 13\r\n") == true)
        #expect(records["22.2.1"]?.recording.handshakeRequest == ":method: CONNECT\r\n:authority: 127.0.0.1:\(server.port)\r\nsec-websocket-version: 13\r\n\r\n")
    }

    @Test("a lax server that answers every stream with 200: FAILED on the MUSTs, NON-STRICT on the SHOULDs")
    func laxServer() async throws {
        let server = try await startHTTP2Echo(lax: true)
        let records = try await runHTTP2HandshakeSuite(against: "h2://127.0.0.1:\(server.port)")
        try await server.stop()
        expectHTTP2Verdicts(records, [
            "22.2.1": .nonStrict, "22.2.2": .nonStrict, "22.3.1": .failed, "22.3.2": .failed, "22.3.3": .failed,
            "22.3.4": .failed, "22.4.2": .failed,
        ])
        #expect(records["22.2.2"]?.result.contains("the server opened the WebSocket (:status 200)") == true)
        #expect(records["22.3.1"]?.result.contains("no RST_STREAM or GOAWAY PROTOCOL_ERROR") == true)
    }

    @Test("a server without SETTINGS_ENABLE_CONNECT_PROTOCOL: 22.1.1 FAILED, and wsspec sends no extended CONNECT (RFC 8441 §3)")
    func noConnectSetting() async throws {
        let server = try await startHTTP2Echo(announce: false)
        let records = try await runHTTP2HandshakeSuite(against: "h2://127.0.0.1:\(server.port)")
        try await server.stop()
        let settings = try #require(records["22.1.1"])
        #expect(settings.behavior == Behavior.failed.rawValue && settings.result.contains("SETTINGS_ENABLE_CONNECT_PROTOCOL absent"))
        #expect(settings.harnessError == nil && settings.recording.handshakeResponse == nil)
        #expect(records.values.allSatisfy { $0.recording.handshakeResponse == nil })
    }

    @Test("over ws:// an HTTP/2 handshake case is a configuration error that says it needs h2:// or h2s://")
    func wrongTransport() async throws {
        let server = try await startEchoServer()
        let suite = try builtinSuite()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let runner = CaseRunner(group: group, settings: RunSettings(seed: 22))
        let definition = try #require(suite[CaseID("22.1.2")!])
        let records = await CaseScheduler(jobs: 1).run(
            [CaseScheduler.Item(definition: definition, ordinal: 1)], servers: [try ServerTarget(url: "ws://127.0.0.1:\(server.port)")],
            runner: runner
        ).flatMap { $0 }
        try await group.shutdownGracefully()
        try await server.stop()
        let error = try #require(records.first?.harnessError)
        #expect(error.kind == .configuration)
        #expect(error.reason.contains("it runs only against h2:// or h2s:// URLs"))
    }

    /// Hypercorn 0.18.0 (h2 4.x): GOAWAY PROTOCOL_ERROR for every malformed request (a connection error: the MAY
    /// of a stream reset is INFORMATIONAL), the connection dropped for an ordinary CONNECT, 200 for an unknown
    /// :protocol (NON-STRICT), a Sec-WebSocket-Accept for a key over HTTP/2 (INFORMATIONAL) and a 400 without
    /// sec-websocket-version for version 8 (FAILED).
    @Test("Hypercorn 0.18.0: the outcomes listed in the README")
    func hypercorn() async throws {
        let server = try PythonEchoServer(script: "hypercorn_echo.py")
        defer { server.stop() }
        let records = try await runHTTP2HandshakeSuite(against: "h2://127.0.0.1:\(server.port)")
        expectHTTP2Verdicts(records, [
            "22.2.2": .nonStrict, "22.3.1": .informational, "22.3.2": .informational, "22.3.3": .informational,
            "22.3.4": .informational, "22.4.1": .informational, "22.4.2": .failed,
        ])
        #expect(records["22.3.1"]?.recording.goAway == "PROTOCOL_ERROR")
        // Hypercorn leaves a stream open after its WebSocket closes; wsspec's own RST_STREAM is not the server's.
        #expect(records["22.1.2"]?.recording.streamEnd == "RST_STREAM from wsspec (CANCEL)")
        #expect(records["22.1.2"]?.recording.streamReset == nil)
        // A failure's explanation names the fields sent and how the stream ended, not TCP.
        let explanation = try #require(records["22.4.2"]?.explanation)
        #expect(explanation.sent.contains("field 'sec-websocket-version: 8'"))
        #expect(explanation.observedClose.contains("(the stream ended first by END_STREAM from the server)"), "\(explanation.observedClose)")
        #expect(!explanation.observedClose.contains("TCP"), "\(explanation.observedClose)")
    }
}
