import CaseModel
import Engine
import Foundation
import Harness
import NIOCore
import NIOPosix
import Recording
import ReportFormat
import Testee

/// One run of the suite: the selected cases against each server of the plan, scheduled (`--jobs`, `--serial`,
/// `--shard`), each case's report written the moment it ends (atomically, `index.json` after it), stopped in order
/// by SIGINT or SIGTERM. What it prints and how it shows progress come in from the caller; the HTML and the gate
/// are the caller's too, from the records it returns.
public struct Run: Sendable {
    public let plan: RunPlan
    /// The selected cases (this shard's, with `--shard`), in numeric order.
    public let selected: [CaseDefinition]
    public let settings: RunSettings
    public let writer: ReportWriter
    private let suite: CaseSuite
    /// Informational lines (which shard, which servers, the seed); the caller decides whether and where to print.
    private let say: @Sendable (String) -> Void

    /// What the caller is told while cases run.
    public struct Events: Sendable {
        /// A case starts (its ID).
        public var starting: @Sendable (String) -> Void = { _ in }
        /// A case ended and its report is written; one call at a time.
        public var finished: @Sendable (CaseRecord) -> Void = { _ in }
        /// A report could not be written; the run goes on without writing more, and fails at the end.
        public var writeFailed: @Sendable (String) -> Void = { _ in }
        /// The last case ended.
        public var ended: @Sendable () -> Void = {}
        /// Whether a finished case failed the run's pass policy: the cases `--rerun-failures` runs again.
        public var failsPolicy: @Sendable (CaseRecord) -> Bool = { _ in false }
        /// A failing case was run again (`attempt` counts from 2) and its report rewritten.
        public var rerun: @Sendable (_ record: CaseRecord, _ attempt: Int) -> Void = { _, _ in }
        /// A case of `--pause-before` is connected and held; it goes on when this returns.
        public var hold: @Sendable (_ caseID: String) async -> Void = { _ in }
        /// The live wire trace (`--trace`): each event of each case as it happens, from the connections' threads.
        public var trace: (@Sendable (_ caseID: String, _ event: TimedTraceEvent) -> Void)?

        public init() {}
    }

    /// Selects the cases, settles the settings and proves the output folder writable (an empty `index.json`),
    /// before anything runs. Throws `RunProblem`.
    public init(plan: RunPlan, suite: CaseSuite, say: @escaping @Sendable (String) -> Void) throws {
        self.plan = plan
        self.suite = suite
        self.say = say
        var selected: [CaseDefinition]
        do {
            selected = try plan.selection.select(from: suite)
        } catch let problem as CaseSelection.Problem {
            throw RunProblem(problem.description)
        }
        var settings = RunSettings(seed: 0)
        settings.userAgent = "wsspec/\(WSSpecVersion.current)"
        try plan.request.connection.apply(to: &settings)
        settings.limits.maxMessageSize = plan.request.maxMessageSize ?? plan.maxMessageSize ?? (64 << 20)
        if let slice = plan.request.shard {
            selected = slice.select(selected, timerScale: settings.timeouts.timerScale)
            say("wsspec: shard \(slice): \(selected.count) cases")
        }
        do {
            writer = try ReportWriter(directory: URL(fileURLWithPath: plan.outdir))
            // Proves the folder is writable before any case runs: an empty index is a valid one.
            try writer.writeIndex()
        } catch {
            throw RunProblem("cannot use the output folder: \(error)")
        }
        // Compressed messages are kept only while a later selected case sends them again, in temporary files.
        settings.compressionCache = CompressionCache(
            budget: plan.request.compressionCache ?? CompressionCache.defaultBudget, storage: TemporaryFileStorage(),
            planning: selected)
        self.selected = selected
        self.settings = settings
    }

    /// Cases × servers (the built-in echo server when the plan names none).
    public var total: Int { selected.count * max(plan.servers.count, 1) }

    /// Runs every selected case against every server and returns the records of those that ran. Throws
    /// `RunProblem` for what can only be checked once the run has started (test data, TLS files).
    public func execute(_ events: Events) async throws -> RunResult {
        let interruption = Interruption.install()
        let jobs = plan.request.jobs
        let group = MultiThreadedEventLoopGroup(numberOfThreads: jobs > 1 ? max(1, System.coreCount) : 1)
        var echo: EchoServer?
        var servers = plan.servers
        func stop() async {
            try? await echo?.stop()
            try? await group.shutdownGracefully()
        }
        var settings = settings
        let runner: CaseRunner
        do {
            if servers.isEmpty {
                var configuration = EchoServerConfiguration()
                configuration.port = 0
                let server = try await EchoServer.start(configuration, group: group)
                echo = server
                var target = try ServerTarget(url: "ws://127.0.0.1:\(server.port)", agent: plan.request.agents.first)
                try plan.request.connection.apply(to: &target)
                servers = [target]
                say("wsspec: no server given; running against the built-in echo server on port \(server.port)")
            }
            settings.seed = plan.seed ?? UInt64.random(in: 0...UInt64(UInt32.max))
            settings.testData = try testDataLibrary()
            settings.trace = TraceOptions(live: events.trace, keep: plan.request.traceFile)
            if !plan.request.pauseBefore.isEmpty {
                settings.pause = PauseOptions(patterns: plan.request.pauseBefore, wait: events.hold)
            }
            runner = CaseRunner(group: group, settings: settings)
            for server in servers where server.secure {
                do {
                    _ = try runner.tlsContexts.context(for: server.tls, shutdownTimeout: settings.timeouts.serverDrop)
                } catch let problem as TLSContexts.ConfigurationProblem {
                    throw RunProblem("\(server.url): \(problem)")
                }
            }
        } catch {
            await stop()
            throw error
        }
        say("wsspec: \(selected.count) cases × \(servers.count) server(s), seed \(settings.seed), reports in \(plan.outdir)")

        let serial = plan.request.serial
        var scheduler = CaseScheduler(
            jobs: jobs, serialPatterns: serial.isEmpty ? CaseScheduler.defaultSerialPatterns : CaseSelection.patterns(serial))
        scheduler.shouldStop = { interruption.signal != nil }
        let plan = plan
        let writer = writer
        let seed = settings.seed
        let builtinServer = echo != nil
        // One run of a case: `attempt` counts the runs of a case `--rerun-failures` runs again, from 1; the trace
        // of a rerun goes beside the first's (`….run2.trace`).
        let runOne: @Sendable (CaseRunner, CaseScheduler.Item, ServerTarget, Int) async -> CaseRecord = {
            runner, item, server, attempt in
            events.starting(item.definition.id.description)
            var record = await interruption.cancellable {
                await runner.run(item.definition, ordinal: item.ordinal, server: server)
            }
            if plan.request.traceFile {
                let name = attempt == 1
                    ? ReportFileName.caseFile(agent: record.agent, caseID: record.caseID, ext: "trace")
                    : ReportFileName.caseFile(agent: record.agent, caseID: record.caseID, ext: "") + ".run\(attempt).trace"
                let text = TraceText.document(caseID: record.caseID, agent: record.agent, events: record.recording.trace)
                do {
                    try Data(text.utf8).write(to: writer.url(forFile: name), options: .atomic)
                } catch {
                    events.writeFailed("cannot write the trace of case \(record.caseID): \(error)")
                }
                record.recording.trace = []
            }
            if record.explanation != nil {
                record.replay = ReplayCommand(
                    caseID: record.caseID, server: server, seed: seed, plan: plan, caseDirs: plan.request.caseDirs,
                    builtinServer: builtinServer
                ).line
            }
            return record
        }
        scheduler.runCase = { runner, item, server in await runOne(runner, item, server, 1) }
        let items = selected.map { CaseScheduler.Item(definition: $0, ordinal: suite.ordinal(of: $0.id) ?? 0) }
        var writeFailed = false
        let started = Date()
        let perServer = await scheduler.run(items, servers: servers, runner: runner) { _, record in
            if plan.excludes(agent: record.agent, caseID: record.caseID) { return }
            if !writeFailed {
                do {
                    try writer.write(record)
                } catch {
                    events.writeFailed("cannot write the report of case \(record.caseID): \(error)")
                    writeFailed = true
                }
            }
            events.finished(record)
        }
        var records = perServer.joined().filter { !plan.excludes(agent: $0.agent, caseID: $0.caseID) }
        if plan.request.rerunFailures > 0 {
            await rerunFailures(
                &records, perServer: perServer, servers: servers, items: items, runOne: runOne, runner: runner,
                events: events, interruption: interruption, writeFailed: &writeFailed)
        }
        events.ended()
        await stop()
        return RunResult(
            records: records, total: selected.count * servers.count, started: started, writeFailed: writeFailed,
            interruption: interruption)
    }

    /// Runs each case that failed the policy again, alone, until one run passes or `rerunFailures` more runs have
    /// failed: `flaky` when one passed, `failed` when none did. The first run stays the case's report, with every
    /// run's outcome beside it; the report is written again.
    private func rerunFailures(
        _ records: inout [CaseRecord], perServer: [[CaseRecord]], servers: [ServerTarget], items: [CaseScheduler.Item],
        runOne: @Sendable (CaseRunner, CaseScheduler.Item, ServerTarget, Int) async -> CaseRecord, runner: CaseRunner,
        events: Events, interruption: Interruption, writeFailed: inout Bool
    ) async {
        var serverOf: [String: ServerTarget] = [:]
        for (index, list) in perServer.enumerated() where index < servers.count {
            for record in list { serverOf[record.agent + "\u{0}" + record.caseID] = servers[index] }
        }
        let itemOf = Dictionary(items.map { ($0.definition.id.description, $0) }, uniquingKeysWith: { a, _ in a })
        for index in records.indices where events.failsPolicy(records[index]) {
            var record = records[index]
            guard let item = itemOf[record.caseID], let server = serverOf[record.agent + "\u{0}" + record.caseID] else { continue }
            record.attempts = [Attempt(outcome: record.outcome, durationMilliseconds: record.recording.durationMilliseconds)]
            record.stability = .failed
            for attempt in 2...(plan.request.rerunFailures + 1) {
                if interruption.signal != nil { break }
                let again = await runOne(runner, item, server, attempt)
                if again.harnessError == HarnessError.interrupted { break }
                record.attempts.append(Attempt(outcome: again.outcome, durationMilliseconds: again.recording.durationMilliseconds))
                let passed = !events.failsPolicy(again)
                if passed { record.stability = .flaky }
                events.rerun(again, attempt)
                if passed { break }
            }
            records[index] = record
            if !writeFailed {
                do {
                    try writer.write(record)
                } catch {
                    events.writeFailed("cannot write the report of case \(record.caseID): \(error)")
                    writeFailed = true
                }
            }
        }
    }

    /// `--testdata`, else the built-in suite's test data.
    private func testDataLibrary() throws -> TestDataLibrary {
        guard let testData = plan.request.testData else { return plan.request.builtinTestData }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: testData, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw RunProblem("--testdata \(testData): no such folder")
        }
        return TestDataLibrary(directory: URL(fileURLWithPath: testData))
    }
}
