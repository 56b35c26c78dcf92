import CaseModel
import Foundation
import Engine
import Harness
import Recording
import ReportFormat
import Gating
import Rendering
import Recording
import JSONCodec
import Testee
import Testing

/// Categories 12 and 13 (permessage-deflate), end to end, run by the release-built wsspec (`ReleaseBinary`).
/// By default both tests run rows 1–6 (16 to 8192 units, whole messages) and row 11 (8192 units in 256-octet
/// fragments) of every subcategory, 84 cases: each file and each offer of the reference, each path of the
/// data (small and large messages, fragmented ones) once, in about 27 s of the reference run's case durations
/// where all 216 take 388 s. `WSSPEC_FULL_COMPRESSION=1` runs all 216 cases in both tests.
enum CompressionSelection {
    static let full = ProcessInfo.processInfo.environment["WSSPEC_FULL_COMPRESSION"] == "1"
    static let rows = Array(1...6) + [11]

    static var patterns: [String] {
        if full { return ["12.*", "13.*"] }
        return (1...5).flatMap { j in rows.map { "12.\(j).\($0)" } } + (1...7).flatMap { j in rows.map { "13.\(j).\($0)" } }
    }

    static var count: Int { full ? 216 : 12 * rows.count }
}

@Suite("Compression cases (12.x, 13.x) against real servers", .serialized)
struct CompressionSuiteTests {
    @Test("wsspec's own echo server, which speaks permessage-deflate, gets OK on the compression cases")
    func builtinEchoPasses() throws {
        let server = try ReleaseEchoServer()
        defer { server.stop() }
        let reports = try runRelease(CompressionSelection.patterns, against: server.url, agent: "wsspec-echo")

        #expect(reports.count == CompressionSelection.count)
        for report in reports {
            #expect(report.entry.behavior == "OK", "\(report.caseID): \(report.result)")
            #expect(report.entry.behaviorClose == "OK", "\(report.caseID): \(report.resultClose)")
            #expect(report.json["reportCompressionRatio"] == .bool(true) && report.json["reportTime"] == .bool(true))
            guard case .object(let stats) = report.json["trafficStats"] else {
                Issue.record("\(report.caseID): no trafficStats")
                continue
            }
            #expect(stats.count == 16)
            #expect(stats["outgoingWebSocketMessages"] == .int(1000) && stats["incomingWebSocketMessages"] == .int(1000))
        }
    }

    @Test("Verdicts against Python websockets 17.4 agree with the reference run on the compression cases")
    func agreesWithReferenceOnWebsockets() throws {
        let reference = try Reference.verdicts()
        let server = try PythonEchoServer()
        defer { server.stop() }
        let reports = try runRelease(
            CompressionSelection.patterns, against: "ws://127.0.0.1:\(server.port)", agent: "websockets")

        #expect(reports.count == CompressionSelection.count)
        let disagreements = try Reference.disagreements(reports, with: reference)
        #expect(disagreements.isEmpty, "\(disagreements.count) cases differ:\n\(disagreements.joined(separator: "\n"))")
        // 13.7 makes three offers; websockets takes the first, so the server resets its window with 9 bits.
        let c137 = try #require(reports.first { $0.caseID == "13.7.1" })
        #expect(c137.json["httpRequest"]?.stringValue?.contains(
            "Sec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover; client_max_window_bits; server_no_context_takeover; server_max_window_bits=9, permessage-deflate; client_no_context_takeover; client_max_window_bits; server_no_context_takeover, permessage-deflate; client_no_context_takeover; client_max_window_bits\r\n") == true)
        #expect(c137.json["httpResponse"]?.stringValue?.contains("server_max_window_bits=9") == true)
    }

    @Test("A server that declines compression makes the cases UNIMPLEMENTED, closed at once")
    func declinedIsUnimplemented() async throws {
        // The built-in echo declines an offer that insists on a 256-octet server window; use a case file that
        // makes such an offer.
        let yaml = """
            category: { id: "13", title: T }
            cases:
              - id: "13.9.1"
                description: d
                expectation: e
                deflate: [ { request-max-window-bits: 8 } ]
                steps:
                  - wirelog: false
                  - message-loop: { data: data1.json, as: text, size: 16, count: 10, timeout: 5, compressed: true }
                close: { by: client, codes: [1000], clean: true }
            """
        let suite = try CaseLoader.load(yaml: yaml, file: "declined.yaml")
        let server = try await startEchoServer()
        let group = MultiThreadedEventLoopGroupShared.group
        var settings = RunSettings(seed: 1)
        settings.testData = TestDataLibrary(directory: repositoryRoot.appendingPathComponent("Cases/data"))
        let record = await CaseRunner(group: group, settings: settings)
            .run(suite.cases[0], ordinal: 1, server: try ServerTarget(url: "ws://127.0.0.1:\(server.port)"))
        try await server.stop()
        #expect(record.behavior == "UNIMPLEMENTED")
        #expect(record.behaviorClose == "OK")
        #expect(record.trafficStats == nil)
        #expect(record.closing.localCloseCode == 1000)
        #expect(record.httpResponse?.contains("Sec-WebSocket-Extensions") == false)
    }

    @Test("A missing test-data file is a harness error, not a server failure")
    func missingDataIsHarnessError() async throws {
        let yaml = """
            category: { id: "12", title: T }
            cases:
              - id: "12.9.1"
                description: d
                expectation: e
                deflate: [ {} ]
                steps:
                  - message-loop: { data: no-such-file.bin, as: binary, size: 16, count: 10, timeout: 5, compressed: true }
                close: { by: client, codes: [1000], clean: true }
            """
        let suite = try CaseLoader.load(yaml: yaml, file: "missing.yaml")
        let server = try await startEchoServer()
        var settings = RunSettings(seed: 1)
        settings.testData = TestDataLibrary(directory: repositoryRoot.appendingPathComponent("Cases/data"))
        let record = await CaseRunner(group: MultiThreadedEventLoopGroupShared.group, settings: settings)
            .run(suite.cases[0], ordinal: 1, server: try ServerTarget(url: "ws://127.0.0.1:\(server.port)"))
        try await server.stop()
        #expect(record.behavior == "ERROR")
        #expect(record.harnessError?.reason.contains("no-such-file.bin") == true)
    }
}

import NIOPosix

/// One event loop for the single-case tests of this file.
enum MultiThreadedEventLoopGroupShared {
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
}
