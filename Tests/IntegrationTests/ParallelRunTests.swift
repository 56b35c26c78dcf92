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
import NIOPosix
import Testing

/// Categories 1–5 and 7 (101 cases), which the --jobs 4 comparison of `SuiteAgainstServersTests` runs; 9.x runs
/// alone with any --jobs, and 6.x is left out to keep the comparison short, as it always was.
let categoriesOneToSeven = ["1.*", "2.*", "3.*", "4.*", "5.*", "7.*"]

/// --jobs 4 against --jobs 1 on both servers is in `SuiteAgainstServersTests`.
@Suite("Several cases at once (--jobs)", .serialized)
struct ParallelRunTests {
    @Test("cases that must run alone never overlap another case")
    func serialCasesRunAlone() async throws {
        let server = try await startEchoServer()
        let target = try ServerTarget(url: "ws://127.0.0.1:\(server.port)")
        // 5.19 and 5.20 pause for a second each: wide windows in which an overlap would show.
        let records = try await runCases(["2.*", "5.*"], against: target, jobs: 4, serial: ["5.19", "5.20"])
        try await server.stop()

        func window(_ r: CaseRecord) -> ClosedRange<Date> {
            r.started...r.started.addingTimeInterval(Double(r.durationMilliseconds) / 1000)
        }
        let alone = records.filter { ["5.19", "5.20"].contains($0.caseID) }
        #expect(alone.count == 2)
        for a in alone {
            #expect(a.durationMilliseconds >= 1000)
            for other in records where other.caseID != a.caseID {
                #expect(!window(a).overlaps(window(other)), "\(other.caseID) ran while \(a.caseID) should have been alone")
            }
        }
        // And the others did share: some pair of them overlapped.
        let shared = records.filter { !["5.19", "5.20"].contains($0.caseID) }
        let overlapping = shared.indices.contains { i in shared.indices.contains { j in i < j && window(shared[i]).overlaps(window(shared[j])) } }
        #expect(overlapping)
        #expect(records.allSatisfy { $0.behavior == "OK" })
    }

    @Test("by default 9.x, 12.x, 13.x and the chopped or synced cases the server must fail run alone")
    func defaultSerialSet() throws {
        let suite = try builtinSuite()
        let scheduler = CaseScheduler(jobs: 4)
        let alone = suite.cases.filter { scheduler.runsAlone($0) }.map(\.id.description)
        #expect(alone.contains("3.4") && alone.contains("4.1.5") && alone.contains("4.2.5"))
        #expect(!alone.contains("1.1.1") && !alone.contains("1.1.8") && !alone.contains("5.19") && !alone.contains("5.20"))
        #expect(CaseScheduler(jobs: 4, serialPatterns: []).runsAlone(suite.cases.first { $0.id.description == "3.4" }!) == false)
    }
}

@Suite("Several servers in one run", .serialized)
struct SeveralServersTests {
    @Test("each server gets its agent; two with the same Server header are told apart; one index.json holds all")
    func severalServersOneReport() async throws {
        var configuration = EchoServerConfiguration()
        configuration.port = 0
        let first = try await EchoServer.start(configuration)
        let second = try await EchoServer.start(configuration)
        let servers = [
            try ServerTarget(url: "ws://127.0.0.1:\(first.port)"),
            try ServerTarget(url: "ws://127.0.0.1:\(second.port)"),
            try ServerTarget(url: "ws://127.0.0.1:\(first.port)/named", agent: "Named"),
        ]
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wsspec-several-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let writer = try ReportWriter(directory: dir)
        let suite = try builtinSuite()
        let items = try CaseSelection(include: ["2.*"]).select(from: suite).map {
            CaseScheduler.Item(definition: $0, ordinal: suite.ordinal(of: $0.id) ?? 0)
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let runner = CaseRunner(group: group, settings: RunSettings(seed: 3))
        let perServer = await CaseScheduler(jobs: 3).run(items, servers: servers, runner: runner) { _, record in
            try? writer.write(record)
        }
        try await group.shutdownGracefully()
        try await first.stop()
        try await second.stop()

        let secondAgent = "wsspec-echo@127.0.0.1:\(second.port)"
        #expect(perServer.map { Set($0.map(\.agent)) } == [["wsspec-echo"], [secondAgent], ["Named"]])
        let index = try ReferenceIndex.load(dir.appendingPathComponent("index.json"))
        #expect(Set(index.keys) == ["wsspec-echo", secondAgent, "Named"])
        #expect(index.values.allSatisfy { $0.count == 11 && $0.values.allSatisfy { $0.behavior == "OK" } })
        #expect(perServer[2].allSatisfy { $0.httpRequest.hasPrefix("GET /named HTTP/1.1\r\n") })
    }
}
