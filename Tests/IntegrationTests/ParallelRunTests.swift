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

/// The categories 1–7 that exist (6 is not there yet).
let categoriesOneToSeven = ["1.*", "2.*", "3.*", "4.*", "5.*", "7.*"]

/// What a record says about the server, without what depends on timing (durations, timestamps, the wire log and
/// the octet statistics, which show how reads and writes happened to be split).
func content(_ record: CaseRecord) -> String {
    guard case .object(var members) = record.json() else { return "" }
    for key in ["duration", "started", "wirelog", "rxOctetStats", "txOctetStats"] { members[key] = nil }
    return ReferenceJSON.serialize(.object(members))
}

func verdict(_ record: CaseRecord) -> String {
    "\(record.behavior)/\(record.behaviorClose)/\(record.closing.remoteCloseCode.map(String.init) ?? "None")"
}

@Suite("Several cases at once (--jobs)", .serialized)
struct ParallelRunTests {
    @Test("--jobs 4 gives the same reports as --jobs 1 against wsspec's echo server, apart from timings")
    func sameReportsAgainstEcho() async throws {
        var configuration = EchoServerConfiguration()
        configuration.port = 0
        let server = try await EchoServer.start(configuration)
        let target = try ServerTarget(url: "ws://127.0.0.1:\(server.port)")
        let serial = try await runCases(categoriesOneToSeven, against: target, jobs: 1)
        let parallel = try await runCases(categoriesOneToSeven, against: target, jobs: 4)
        try await server.stop()

        #expect(serial.count == 101 && parallel.count == 101)
        #expect(serial.map(\.caseID) == parallel.map(\.caseID))
        for (a, b) in zip(serial, parallel) {
            #expect(content(a) == content(b), "\(a.caseID) differs between --jobs 1 and --jobs 4")
        }
    }

    @Test(
        "--jobs 4 gives the same verdicts as --jobs 1 against Python websockets 17.4",
        .enabled(if: PythonEchoServer.python != nil, "set WSSPEC_PYTHON to a Python with websockets==17.4 (.ci/run does)"))
    func sameVerdictsAgainstWebsockets() async throws {
        let server = try PythonEchoServer()
        defer { server.stop() }
        let target = try ServerTarget(url: "ws://127.0.0.1:\(server.port)", agent: "websockets")
        let serial = try await runCases(categoriesOneToSeven, against: target, jobs: 1)
        let parallel = try await runCases(categoriesOneToSeven, against: target, jobs: 4)
        #expect(serial.count == 101 && parallel.count == 101)

        let unexplained = try await unexplainedDifferences(serial, parallel, "--jobs 4") { id, seed in
            try await runCases([id], against: target, seed: seed, jobs: 1)[0]
        }
        #expect(unexplained.isEmpty, "\(unexplained.count) cases differ:\n\(unexplained.joined(separator: "\n"))")
    }

    @Test("cases that must run alone never overlap another case")
    func serialCasesRunAlone() async throws {
        var configuration = EchoServerConfiguration()
        configuration.port = 0
        let server = try await EchoServer.start(configuration)
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

/// The cases whose verdicts differ between `baseline` and `other` for a reason other than the server's timing.
///
/// A few cases depend on how the server's reads split octets written one at a time (against Python websockets:
/// 3.4, 4.1.5, 4.2.5 — does the bad frame arrive in the same read as the message before it?), and a loaded machine
/// flips them even between two plain --jobs 1 runs. Where the runs differ, the baseline is run again alone, up to
/// four times: a verdict the baseline also gives is the server's timing, not the feature under test, and is
/// printed; anything else is returned.
func unexplainedDifferences(
    _ baseline: [CaseRecord], _ other: [CaseRecord], _ what: String,
    rerunBaseline: (String, UInt64) async throws -> CaseRecord
) async throws -> [String] {
    var unexplained: [String] = []
    var timingDependent: [String] = []
    for (a, b) in zip(baseline, other) where verdict(a) != verdict(b) {
        var seen: Set<String> = [verdict(a)]
        for attempt in 0..<4 where !seen.contains(verdict(b)) {
            seen.insert(verdict(try await rerunBaseline(a.caseID, 100 + UInt64(attempt))))
        }
        if seen.contains(verdict(b)) {
            timingDependent.append("\(a.caseID): \(verdict(a)) or \(verdict(b)), without \(what) as well")
        } else {
            unexplained.append("\(a.caseID): baseline \(verdict(a)), \(what) \(verdict(b)) — \(b.result) / \(b.resultClose)")
        }
    }
    if !timingDependent.isEmpty {
        print("timing-dependent verdicts (the server's, not caused by \(what)):\n" + timingDependent.joined(separator: "\n"))
    }
    return unexplained
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
