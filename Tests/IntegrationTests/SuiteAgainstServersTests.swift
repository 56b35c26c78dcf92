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

/// The categories of RFC 6455 in the suite, end to end over real sockets.
let coreCategories = ["1.*", "2.*", "3.*", "4.*", "5.*", "6.*", "7.*", "9.*", "10.*"]
let coreCaseCount = 301

/// Each server gets the 301 cases of RFC 6455 twice: over ws:// with --jobs 1, which is judged (all OK for the
/// built-in echo, the reference's verdicts for Python websockets), and over wss:// with --jobs 4, which must give
/// the same reports. TLS and parallel connections are independent of each other, so one run checks both (the
/// chopped and synced cases run alone either way). The runs are the release-built `wsspec`'s (`ReleaseBinary`),
/// as a user makes them, and the echo server is its `wsspec echo`.
@Suite("The suite against real servers", .serialized)
struct SuiteAgainstServersTests {
    @Test("wsspec's own echo server: OK on every case of RFC 6455; over TLS with --jobs 4 the same reports")
    func builtinEcho() throws {
        let certificate = try TestCertificate()
        defer { certificate.remove() }
        let plainServer = try ReleaseEchoServer()
        defer { plainServer.stop() }
        let tlsServer = try ReleaseEchoServer(tls: (certificate.certificate, certificate.key))
        defer { tlsServer.stop() }
        let agent = "wsspec-echo"
        let plain = try runRelease(coreCategories, against: plainServer.url, agent: agent)
        let secure = try runRelease(
            coreCategories, against: "wss://127.0.0.1:\(tlsServer.port)", agent: agent,
            options: ["--ca-file", certificate.certificate, "--sni", "localhost", "--jobs", "4"])

        #expect(plain.count == coreCaseCount)
        for report in plain {
            let informational = report.caseID == "7.1.6" || report.caseID.hasPrefix("7.13.")
            let expected = informational ? "INFORMATIONAL" : "OK"
            #expect(report.entry.behavior == expected, "\(report.caseID): \(report.result)")
            #expect(report.entry.behaviorClose == expected, "\(report.caseID): \(report.resultClose)")
            #expect(report.json["wsspecHarnessError"] == nil)
        }

        #expect(secure.count == coreCaseCount)
        #expect(plain.map(\.caseID) == secure.map(\.caseID))
        for (a, b) in zip(plain, secure) {
            #expect(a.content == b.content, "\(a.caseID) differs between ws:// with --jobs 1 and wss:// with --jobs 4")
            #expect(b.json["wsspecHarnessError"] == nil, "\(b.caseID): \(b.json["wsspecHarnessError"]?.stringValue ?? "")")
            #expect(b.json["wsspecTLS"]?["version"]?.stringValue == "TLSv1.3")
            #expect(b.json["wsspecTLS"]?["cipher"]?.stringValue?.hasPrefix("TLS_") == true)
            #expect(b.json.objectValue?.count == 40)
        }
    }

    @Test("Python websockets 17.4: the reference run's verdicts, case by case; over TLS with --jobs 4 the same")
    func websockets() throws {
        let reference = try Reference.verdicts()
        let certificate = try TestCertificate()
        defer { certificate.remove() }
        let plainServer = try PythonEchoServer()
        defer { plainServer.stop() }
        let tlsServer = try PythonEchoServer(tls: (certificate.certificate, certificate.key))
        defer { tlsServer.stop() }
        let url = "ws://127.0.0.1:\(plainServer.port)"
        let agent = "websockets"
        let plain = try runRelease(coreCategories, against: url, agent: agent)
        let secure = try runRelease(
            coreCategories, against: "wss://127.0.0.1:\(tlsServer.port)", agent: agent,
            options: ["--ca-file", certificate.certificate, "--sni", "localhost", "--jobs", "4"])

        #expect(plain.count == coreCaseCount)
        // A few verdicts depend on whether two writes 25 µs apart reach the server in one read (3.4, 4.1.5,
        // 4.2.5 on a loaded machine): such a case is run again, alone, before it counts as a disagreement.
        let disagreements = try Reference.disagreements(plain, with: reference) { id in
            try runRelease([id], against: url, agent: agent)[0]
        }
        #expect(disagreements.isEmpty, "\(disagreements.count) cases differ:\n\(disagreements.joined(separator: "\n"))")

        #expect(secure.count == coreCaseCount)
        #expect(secure.allSatisfy { $0.json["wsspecHarnessError"] == nil && $0.json["wsspecTLS"] != nil })
        let overTLS = try unexplainedDifferences(plain, secure, "TLS and --jobs 4") { id, seed in
            try runRelease([id], against: url, agent: agent, seed: seed)[0]
        }
        #expect(overTLS.isEmpty, "\(overTLS.count) cases differ:\n\(overTLS.joined(separator: "\n"))")
    }

    @Test("A server that is not there gives harness errors, not server failures")
    func unreachableServerIsAHarnessError() async throws {
        // Port 9 (discard) on loopback: nothing listens there in a test environment.
        let records = try await runCases(["1.1.1", "2.1"], against: "ws://127.0.0.1:9")
        #expect(records.count == 2)
        for record in records {
            #expect(record.behavior == "ERROR")
            #expect(record.behaviorClose == "ERROR")
            #expect(record.harnessError?.reason.contains("cannot connect") == true)
        }
    }

    @Test("Reports are written case by case, valid JSON, with the reference's 39 keys")
    func reportsAreWrittenAsCasesEnd() async throws {
        let server = try await startEchoServer()
        let records = try await runCases(["2.*"], against: "ws://127.0.0.1:\(server.port)", agent: "wsspec echo")
        try await server.stop()

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wsspec-reports-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let writer = try ReportWriter(directory: dir)
        for record in records { try writer.write(record) }

        let index = try ReferenceIndex.load(dir.appendingPathComponent("index.json"))
        #expect(index["wsspec echo"]?.count == 11)
        let file = try String(contentsOf: dir.appendingPathComponent("wsspec_echo_case_2_10.json"), encoding: .utf8)
        let json = try ReferenceJSON.parse(file)
        #expect(json.objectValue?.count == 39)
        #expect(json["behavior"]?.stringValue == "OK")
        #expect(json["received"]?.arrayValue?.count == 10)
    }
}
