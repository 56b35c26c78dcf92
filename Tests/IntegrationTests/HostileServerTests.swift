import CaseModel
import Foundation
import Engine
import Harness
import Recording
import NIOPosix
import ReportFormat
import Gating
import Rendering
import Recording
import JSONCodec
import Testing

/// The built-in suite, loaded once for all hostile runs.
let hostileSuite = Result { try builtinSuite() }

/// What a run of some cases against a hostile server left behind.
struct HostileRun {
    var records: [CaseRecord]
    /// Wall-clock seconds each case took, by case ID.
    var seconds: [String: Double]
    /// The longest a case may take: its watchdog deadline.
    var deadlines: [String: Double]
    /// The folder the reports were written to.
    var outdir: URL
}

/// Runs `cases` against `url` at the same time (one connection each), writes their reports and
/// checks what every run must give, whatever the server does: each case ends within its deadline
/// plus a small margin, and every report file is valid JSON under a safe file name.
func runHostile(
    _ cases: [String], against url: String, settings: RunSettings = RunSettings(seed: 11), agent: String? = nil,
    label: String = "", sourceLocation: Testing.SourceLocation = #_sourceLocation
) async throws -> HostileRun {
    let results = try await runConcurrently(cases, against: url, settings: settings, agent: agent)
    return try checkHostileRun(results, settings: settings, label: label, sourceLocation: sourceLocation)
}

/// Runs `cases` against `url` at the same time; each record with the seconds its case took.
func runConcurrently(_ cases: [String], against url: String, settings: RunSettings, agent: String? = nil) async throws
    -> [(CaseRecord, Double)]
{
    let suite = try hostileSuite.get()
    let selected = try CaseSelection(include: cases).select(from: suite)
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let runner = CaseRunner(group: group, settings: settings)
    let server = try ServerTarget(url: url, agent: agent)
    let results = await withTaskGroup(of: (CaseRecord, Double).self) { tasks in
        for definition in selected {
            tasks.addTask {
                let start = Date()
                let record = await runner.run(definition, ordinal: suite.ordinal(of: definition.id) ?? 0, server: server)
                return (record, Date().timeIntervalSince(start))
            }
        }
        var out: [(CaseRecord, Double)] = []
        for await result in tasks { out.append(result) }
        return out
    }
    try await group.shutdownGracefully()
    return results
}

/// Writes the reports of a run and checks the bounds every run must keep (see `runHostile`).
func checkHostileRun(
    _ results: [(CaseRecord, Double)], settings: RunSettings, label: String = "",
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) throws -> HostileRun {
    let suite = try hostileSuite.get()
    let outdir = FileManager.default.temporaryDirectory.appendingPathComponent("wsspec-hostile-\(UUID().uuidString)")
    let writer = try ReportWriter(directory: outdir)
    var run = HostileRun(records: [], seconds: [:], deadlines: [:], outdir: outdir)
    for (record, seconds) in results.sorted(by: { $0.0.ordinal < $1.0.ordinal }) {
        try writer.write(record)
        run.records.append(record)
        run.seconds[record.caseID] = seconds
        run.deadlines[record.caseID] = CaseRunner.deadline(of: suite[CaseID(record.caseID)!]!, settings: settings)
    }
    for record in run.records {
        let seconds = run.seconds[record.caseID]!
        let bound = run.deadlines[record.caseID]! + 2
        #expect(seconds < bound, "\(label.isEmpty ? "" : label + ": ")case \(record.caseID) took \(seconds) s, more than its deadline + 2 s", sourceLocation: sourceLocation)
    }
    try expectValidReports(in: outdir, count: run.records.count, sourceLocation: sourceLocation)
    return run
}

/// Every file in `outdir` is JSON, `index.json` lists `count` cases, and every case file is named
/// `<slug>_case_<id>.json` with a slug of `[a-z0-9_]` only, and sits directly in `outdir`.
func expectValidReports(in outdir: URL, count: Int, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
    let files = try FileManager.default.contentsOfDirectory(atPath: outdir.path).sorted()
    #expect(files.count == count + 1, "\(files)", sourceLocation: sourceLocation)
    var indexed = 0
    for name in files {
        let text = try String(contentsOf: outdir.appendingPathComponent(name), encoding: .utf8)
        let json = try ReferenceJSON.parse(text)
        _ = try JSONSerialization.jsonObject(with: Data(text.utf8))
        if name == "index.json" {
            for (_, cases) in json.objectValue ?? [:] { indexed += cases.objectValue?.count ?? 0 }
            continue
        }
        #expect(
            name.range(of: #"^[a-z0-9_]+_case_[0-9_]+\.json$"#, options: .regularExpression) != nil,
            "unsafe report file name \(name)", sourceLocation: sourceLocation)
        // The reference's 39 keys, and wsspec's own beside them: a case that did not pass explains itself.
        let keys = Set((json.objectValue ?? [:]).keys)
        #expect(keys.count - keys.filter { $0.hasPrefix("wsspec") }.count == 39, sourceLocation: sourceLocation)
        // (INFORMATIONAL is no verdict: such a case, like an OK one, has nothing to explain.)
        let passed = ["OK", "INFORMATIONAL"]
        if !passed.contains(json["behavior"]?.stringValue ?? "") || !passed.contains(json["behaviorClose"]?.stringValue ?? "") {
            #expect(json["wsspecExplanation"]?["divergence"]?.stringValue?.isEmpty == false, "\(name)", sourceLocation: sourceLocation)
        }
    }
    #expect(indexed == count, sourceLocation: sourceLocation)
}

/// What each mode must give: the verdict and the fact that explains it.
struct HostileExpectation: Sendable, CustomTestStringConvertible {
    var mode: HostileMode
    var behavior: String
    /// Cases whose behaviour differs from `behavior`: 2.1 passes whenever its pong arrives, even on a
    /// connection wsspec already failed (the reference records pongs while closing too).
    var except: [String: String] = [:]
    var check: @Sendable (CaseRecord) -> Bool
    var what: String

    var testDescription: String { mode.rawValue }

    /// The opening handshake is refused: FAILED / FAILED, TCP dropped by wsspec, with this reason.
    static func refused(_ mode: HostileMode, _ reason: String) -> HostileExpectation {
        HostileExpectation(mode: mode, behavior: "FAILED", check: { record in
            record.behaviorClose == "FAILED" && record.closing.droppedByMe && record.harnessError == nil
                && record.closing.wasNotCleanReason?.contains(reason) == true
        }, what: "handshake refused: \(reason)")
    }

    /// wsspec fails the connection with this Close code and reason.
    static func failed(_ mode: HostileMode, _ code: Int, _ reason: String, except: [String: String] = [:])
        -> HostileExpectation
    {
        HostileExpectation(mode: mode, behavior: "FAILED", except: except, check: { record in
            record.closing.failedByMe && record.closing.localCloseCode?.rawValue == UInt16(code)
                && record.closing.localCloseReason?.contains(reason) == true
        }, what: "fails with \(code) '\(reason)'")
    }
}

let hostileExpectations: [HostileExpectation] = [
    .refused(.silent, "peer did not finish (in time) the opening handshake"),
    .refused(.garbage, "Bad HTTP response status line"),
    .refused(.http200, "WebSocket connection upgrade failed (200 - OK)"),
    .refused(.http404, "WebSocket connection upgrade failed (404 - NotFound)"),
    .refused(.http426, "WebSocket connection upgrade failed (426 - UpgradeRequired)"),
    .refused(.wrongAccept, "HTTP Sec-WebSocket-Accept bogus value"),
    .refused(.missingAccept, "HTTP Sec-WebSocket-Accept header missing"),
    .refused(.unofferedExtension, "server wants to use extension 'permessage-deflate' we did not request"),
    .refused(.unofferedProtocol, "subprotocol selected by server (chat) not in subprotocol list"),
    .refused(.hugeHeader, "longer than 65536 octets"),
    .refused(.endlessHeader, "longer than 65536 octets"),
    .failed(.maskedFrames, 1002, "masked server-to-client frame", except: ["2.1": "OK"]),
    .failed(.reservedOpcode, 1002, "data frame using reserved opcode 3", except: ["2.1": "OK"]),
    .failed(.maxLength, 1009, "exceeds wsspec's receive limit"),
    .failed(.drip1GiB, 1009, "exceeds wsspec's receive limit"),
    .failed(.invalidCloseCode, 1002, "invalid close code 999", except: ["2.1": "OK"]),
    .failed(.nonUTF8CloseReason, 1007, "invalid close reason (non-UTF-8 payload)"),
    HostileExpectation(mode: .flood, behavior: "FAILED", check: { record in
        // Which bound comes first is a race: the case's own kill timer (2.1, 7.1.1: 1 s), the close-handshake
        // timeout after wsspec's Close, or the receive limit while closing. Each ends with wsspec dropping TCP.
        let killed = record.wirelog.contains { if case .killFired = $0 { true } else { false } }
        return record.closing.droppedByMe
            && (killed || record.closing.wasCloseHandshakeTimeout
                || record.closing.wasNotCleanReason?.contains("exceeded wsspec's receive limit") == true)
    }, what: "the Close is never answered, the unexpected events exceed the receive limit, or the kill timer fires: TCP dropped by wsspec"),
    HostileExpectation(mode: .pingFlood, behavior: "FAILED", check: { record in
        record.closing.droppedByMe && record.closing.wasCloseHandshakeTimeout
    }, what: "nothing expected arrives and the Close is never answered: close-handshake timeout, TCP dropped by wsspec"),
    HostileExpectation(mode: .resetMidCase, behavior: "FAILED", check: { record in
        record.behaviorClose == "FAILED" && !record.closing.droppedByMe
            && record.closing.wasNotCleanReason?.contains("peer dropped the TCP connection") == true
    }, what: "the peer dropped TCP"),
    HostileExpectation(mode: .halfClose, behavior: "FAILED", check: { record in
        record.behaviorClose == "FAILED" && !record.closing.droppedByMe
            && record.closing.wasNotCleanReason?.contains("peer dropped the TCP connection") == true
    }, what: "the peer dropped TCP"),
    HostileExpectation(mode: .neverCloseTCP, behavior: "OK", check: { record in
        // Whichever ends the wait first: the server-drop timer (UNCLEAN) or the case's kill timer (FAILED BY CLIENT).
        ["UNCLEAN", "FAILED BY CLIENT"].contains(record.behaviorClose) && record.closing.droppedByMe
    }, what: "TCP dropped by wsspec after the server-drop timeout or the kill timer"),
    HostileExpectation(mode: .closeTwice, behavior: "OK", check: { record in
        record.behaviorClose == "OK" && record.closing.remoteCloseCode == 1000
    }, what: "the first Close answer counts; the second changes nothing"),
    HostileExpectation(mode: .polite, behavior: "OK", check: { record in
        record.behaviorClose == "OK"
    }, what: "the control: a correct server passes"),
]

@Suite("Hostile servers", .serialized)
struct HostileServerTests {
    static let cases = ["1.1.1", "2.1", "7.1.1"]

    /// All modes at once, each against its own server: most of them wait for a timer (the server never answers,
    /// never closes), so one after the other they took a minute and a quarter of waiting. The two floods run
    /// after them, alone: they keep a core busy, and which of their bounds stops them first depends on timing.
    @Test("each misbehaviour gets a clear verdict, within the case's deadline, with valid reports")
    func misbehaviour() async throws {
        let floods: [HostileMode] = [.flood, .pingFlood]
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for expectation in hostileExpectations where !floods.contains(expectation.mode) {
                tasks.addTask { try await Self.check(expectation) }
            }
            try await tasks.waitForAll()
        }
        for expectation in hostileExpectations where floods.contains(expectation.mode) {
            try await Self.check(expectation)
        }
    }

    static func check(_ expectation: HostileExpectation) async throws {
        let mode = expectation.mode
        let server = try HostileServer(mode)
        defer { server.stop() }
        let run = try await runHostile(Self.cases, against: server.url, label: "\(mode)")
        defer { try? FileManager.default.removeItem(at: run.outdir) }
        #expect(run.records.count == 3, "\(mode)")
        let slowest = run.seconds.max { $0.value < $1.value }!
        print("hostile: \(mode) slowest case \(slowest.key) \(String(format: "%.2f", slowest.value)) s (deadline \(Int(run.deadlines[slowest.key]!)) s)")
        for record in run.records {
            let behavior = expectation.except[record.caseID] ?? expectation.behavior
            #expect(record.behavior == behavior, "\(mode): \(record.caseID): \(record.behavior) — \(record.result)")
            #expect(
                expectation.check(record),
                "\(mode): \(record.caseID) should show: \(expectation.what); got \(record.behavior) / \(record.behaviorClose), \(record.closing)")
        }
    }

    @Test("markup, NUL and invalid UTF-8 from the server: a safe agent file name and JSON that keeps the text")
    func evilContent() async throws {
        let server = try HostileServer(.evilContent)
        defer { server.stop() }
        let run = try await runHostile(Self.cases, against: server.url)
        defer { try? FileManager.default.removeItem(at: run.outdir) }
        let evilAgent = String(HostileMode.evilServerHeader.map { Character(Unicode.Scalar($0)) })
        for record in run.records {
            // The server closed first, after a text message wsspec did not expect.
            #expect(record.behavior == "FAILED")
            #expect(record.agent == evilAgent)
            #expect(record.closing.remoteCloseReason == HostileMode.evilText)
            let file = run.outdir.appendingPathComponent(record.reportFileName)
            let json = try ReferenceJSON.parse(String(contentsOf: file, encoding: .utf8))
            #expect(json["agent"]?.stringValue == evilAgent)
            #expect(json["remoteCloseReason"]?.stringValue == HostileMode.evilText)
            #expect(json["httpResponse"]?.stringValue?.contains("</pre><script>") == true)
            #expect(file.deletingLastPathComponent().resolvingSymlinksInPath().path == run.outdir.resolvingSymlinksInPath().path)
        }

        // The HTML report of these cases: every page stays in the folder and shows the server's markup as text.
        let html = run.outdir.appendingPathComponent("html")
        let written = try HTMLReport(cases: run.records.map(ReportedCase.init), generator: "test").write(to: html)
        #expect(written.count == run.records.count + 1)
        for name in written {
            let page = try String(contentsOf: html.appendingPathComponent(name), encoding: .utf8)
            #expect(!page.contains("<script>alert"), "\(name) carries the server's script as markup")
            #expect(!page.contains("</pre><script>"), "\(name)")
            #expect(!page.contains("\u{0}"), "\(name) carries a NUL")
            #expect(!name.contains("/") && !name.contains("<"))
        }
    }

    @Test("a server that dies mid-run: the case it died in fails, later ones are harness errors, and the run ends promptly")
    func crashMidRun() async throws {
        let server = try HostileServer(.polite, crashAfter: 2)
        defer { server.stop() }
        let suite = try hostileSuite.get()
        let selected = try CaseSelection(include: ["1.1.*"]).select(from: suite)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let runner = CaseRunner(group: group, settings: RunSettings(seed: 3))
        let target = try ServerTarget(url: server.url)
        let start = Date()
        var records: [CaseRecord] = []
        for definition in selected {
            records.append(await runner.run(definition, ordinal: suite.ordinal(of: definition.id) ?? 0, server: target))
        }
        let seconds = Date().timeIntervalSince(start)
        try await group.shutdownGracefully()
        #expect(records.count == 8)
        #expect(records[0].behavior == "OK")
        #expect(records[1].behavior == "FAILED" && records[1].harnessError == nil)
        for record in records[2...] {
            #expect(record.behavior == "ERROR" && record.behaviorClose == "ERROR")
            #expect(record.harnessError?.reason.contains("cannot connect") == true, "\(record.harnessError?.reason ?? "nil")")
        }
        // Two cases that end at once and six refused connects: nowhere near one case's deadline.
        #expect(seconds < CaseRunner.deadline(of: selected[0], settings: RunSettings(seed: 3)))
    }
}

/// The resident memory of this process, in octets (Linux; nil elsewhere).
func residentMemory() -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
    let fields = status.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// Samples the resident memory every 20 ms while `body` runs; returns the largest growth seen.
func peakMemoryGrowth<T>(during body: () async throws -> T) async rethrows -> (T, Int) {
    let baseline = residentMemory() ?? 0
    let sampler = Task {
        var peak = baseline
        while !Task.isCancelled {
            peak = max(peak, residentMemory() ?? 0)
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        return peak
    }
    let result = try await body()
    sampler.cancel()
    let peak = max(await sampler.value, residentMemory() ?? 0)
    return (result, peak - baseline)
}

@Suite("Memory bound", .serialized)
struct MemoryBoundTests {
    @Test(
        "a hostile server cannot make wsspec hold much: flood, 1 GiB announced and dripped with the limit raised above it",
        .enabled(if: residentMemory() != nil),
        arguments: [HostileMode.flood, .pingFlood, .drip1GiB, .maxLength])
    func memoryStaysBounded(_ mode: HostileMode) async throws {
        let server = try HostileServer(mode)
        defer { server.stop() }
        var settings = RunSettings(seed: 5)
        if mode != .flood && mode != .pingFlood {
            // Above the announced frame: nothing is refused at the header, so only not storing ahead of the
            // payload keeps the memory down.
            settings.limits.maxMessageSize = 1 << 62
        }
        // Measured while the case runs; writing its report is not part of it.
        let (results, growth) = try await peakMemoryGrowth {
            try await runConcurrently(["1.1.1"], against: server.url, settings: settings)
        }
        let run = try checkHostileRun(results, settings: settings)
        defer { try? FileManager.default.removeItem(at: run.outdir) }
        print("memory: \(mode) grew the resident memory by \(growth / 1024) KiB at most; wire log entries: \(run.records.map { $0.wirelog.count })")
        // The stated cap: with the default limit, the unexpected events a flood leaves (≤ the limit) plus a
        // capped wire log; with nothing to keep, next to nothing.
        let cap = mode == .flood || mode == .pingFlood ? 2 * Int(ReceiveLimits().maxMessageSize) : 32 << 20
        #expect(growth < cap, "\(mode): resident memory grew by \(growth >> 20) MiB, more than \(cap >> 20) MiB")
        for record in run.records { #expect(record.behavior == "FAILED") }
    }

    @Test("a frame announcing more than --max-message-size fails the case with 1009 at its header")
    func limitRefusesAtTheHeader() async throws {
        let server = try HostileServer(.drip1GiB)
        defer { server.stop() }
        var settings = RunSettings(seed: 5)
        settings.limits.maxMessageSize = 1000
        let run = try await runHostile(["1.1.1"], against: server.url, settings: settings)
        defer { try? FileManager.default.removeItem(at: run.outdir) }
        let record = try #require(run.records.first)
        #expect(record.closing.localCloseCode == 1009)
        #expect(record.closing.localCloseReason == "message exceeds wsspec's receive limit of 1000 octets (--max-message-size)")
        // Nothing of the frame was kept: the wire log shows its header and the dripped octets, no frame.
        #expect(!record.wirelog.contains { if case .rxFrame(_, 2, _, _, _) = $0 { true } else { false } })
    }
}
