import CaseModel
import Engine
import Foundation
import Harness
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Recording
import ReportFormat

/// What `wsspec serve` (and `test-client`) is asked to do, as the command line says it; the spec file
/// (`fuzzingserver.json`) fills in what it leaves out.
public struct ServeRequest: Sendable {
    public var host: String?
    public var port: Int?
    public var specFile: String?
    public var outdir: String?
    public var seed: UInt64?
    public var include: [String] = []
    public var exclude: [String] = []
    public var connection = ConnectionOverrides()
    public var maxMessageSize: UInt64?
    public var testData: String?
    public var builtinTestData: TestDataLibrary
    /// `--tls-cert` and `--tls-key`: serve `wss://`.
    public var tls: FuzzingServer.TLSFiles?

    public init(builtinTestData: TestDataLibrary) {
        self.builtinTestData = builtinTestData
    }
}

/// wsspec testing clients: the fuzzing server, the results it gets (the last one per agent and case, as the
/// reference keeps them), and their reports in the reference's layout (`reports/clients`), each case's written
/// atomically the moment it ends, `index.json` after it.
public final class ClientRun: Sendable {
    /// The selected cases: `case=N` is the N-th.
    public let selected: [CaseDefinition]
    public let writer: ReportWriter
    public let outdir: String
    public let host: String
    public let port: Int
    let settings: RunSettings
    let spec: FuzzingSpec?
    let tls: FuzzingServer.TLSFiles?

    /// What the caller is told while clients run.
    public struct Events: Sendable {
        /// A `/runCase` connection was routed (case ID, agent).
        public var starting: @Sendable (String, String) -> Void = { _, _ in }
        /// A case ended and its report is written; one call at a time.
        public var finished: @Sendable (CaseRecord) -> Void = { _ in }
        /// A report could not be written.
        public var writeFailed: @Sendable (String) -> Void = { _ in }
        /// `/updateReports`: the records so far, for the HTML the caller writes.
        public var updateReports: @Sendable ([CaseRecord]) -> Void = { _ in }

        public init() {}
    }

    private struct State {
        var records: [String: [String: CaseRecord]] = [:]
        var waiting: [String: @Sendable (String) -> Void] = [:]
        var stopped = false
        var stopWaiters: [CheckedContinuation<Void, Never>] = []
        var writeFailed = false
        var interrupted = false
        var connections = 0
        var running = 0
        var lastActivity = Date()
    }

    private let state = NIOLockedValueBox(State())

    /// Reads the spec (if any), selects the cases, settles the settings and proves the output folder writable.
    /// Throws `RunProblem`.
    public init(_ request: ServeRequest, suite: CaseSuite) throws {
        var spec: FuzzingSpec?
        if let file = request.specFile {
            do {
                spec = try FuzzingSpec.load(URL(fileURLWithPath: file), kind: .fuzzingServer)
            } catch let problem as FuzzingSpec.Problem {
                throw RunProblem(problem.description)
            }
            for (key, value) in spec!.options where key == "failByDrop" && value != "0" && value != "false" {
                throw RunProblem("\(file): option failByDrop=true is not supported (wsspec fails connections with a Close)")
            }
        }
        self.spec = spec
        var tlsFromSpec: FuzzingServer.TLSFiles?
        var host = request.host ?? "127.0.0.1"
        var port = request.port ?? 9001
        if let url = spec?.url, request.port == nil || request.host == nil {
            let target: ServerTarget
            do {
                target = try ServerTarget(url: url)
            } catch let error as ServerTarget.InvalidURL {
                throw RunProblem("\(request.specFile!): url: \(error)")
            }
            if target.secure && request.tls == nil {
                guard let key = spec?.key, let cert = spec?.cert else {
                    throw RunProblem("\(request.specFile!): a wss:// url needs 'key' and 'cert' (PEM files), or --tls-cert and --tls-key")
                }
                tlsFromSpec = FuzzingServer.TLSFiles(certificate: cert, key: key)
            }
            if request.port == nil { port = target.port }
            if request.host == nil { host = target.host }
        }
        self.host = host
        self.port = port
        tls = request.tls ?? tlsFromSpec
        if let tls {
            do {
                _ = try FuzzingServer.tlsContext(tls)
            } catch let problem as FuzzingServer.TLSProblem {
                throw RunProblem(problem.description)
            }
        }
        let selection = CaseSelection(
            include: request.include.isEmpty ? spec?.cases ?? ["*"] : request.include,
            exclude: request.exclude.isEmpty ? spec?.excludeCases ?? [] : request.exclude)
        do {
            selected = try selection.select(from: suite)
        } catch let problem as CaseSelection.Problem {
            throw RunProblem(problem.description)
        }
        var settings = RunSettings(seed: request.seed ?? UInt64.random(in: 0...UInt64(UInt32.max)))
        try request.connection.apply(to: &settings)
        settings.limits.maxMessageSize = request.maxMessageSize ?? (64 << 20)
        if let folder = request.testData {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw RunProblem("--testdata \(folder): no such folder")
            }
            settings.testData = TestDataLibrary(directory: URL(fileURLWithPath: folder))
        } else {
            settings.testData = request.builtinTestData
        }
        // As in a server run: compressed messages a later case sends again are kept, in temporary files (only
        // messages sent without context takeover can be, which the client under test decides).
        settings.compressionCache = CompressionCache(storage: TemporaryFileStorage(), planning: selected)
        self.settings = settings
        outdir = request.outdir ?? spec?.outdir ?? "./reports/clients"
        do {
            writer = try ReportWriter(directory: URL(fileURLWithPath: outdir))
            try writer.writeIndex()
        } catch {
            throw RunProblem("cannot use the output folder: \(error)")
        }
    }

    /// The seed of everything random in the run.
    public var seed: UInt64 { settings.seed }

    /// Starts listening. Throws `RunProblem` when the address cannot be used.
    public func start(_ events: Events, group: EventLoopGroup) async throws -> FuzzingServer {
        var hooks = FuzzingServer.Hooks()
        hooks.accepted = { [state] in
            state.withLockedValue {
                $0.connections += 1
                $0.lastActivity = Date()
            }
        }
        hooks.caseStarted = { [state] id, agent in
            state.withLockedValue {
                $0.running += 1
                $0.lastActivity = Date()
            }
            events.starting(id, agent)
        }
        hooks.caseEnded = { [self] record in ended(record, events) }
        hooks.status = { [state] agent, caseID, answer in
            let known = state.withLockedValue { s -> String? in
                if let record = s.records[agent]?[caseID] { return record.outcome.reportFields.behavior }
                s.waiting[agent + "\u{0}" + caseID] = answer
                return nil
            }
            if let known { answer(known) }
        }
        hooks.updateReports = { [self] _ in events.updateReports(records) }
        hooks.stopRequested = { [self] in stop() }
        hooks.excludes = { [spec] agent, caseID in spec?.excludes(agent: agent, caseID: caseID) ?? false }
        do {
            return try await FuzzingServer.start(
                cases: selected, settings: settings, hooks: hooks, host: host, port: port, tls: tls, group: group)
        } catch {
            throw RunProblem("cannot listen on \(host):\(port): \(error)")
        }
    }

    private func ended(_ record: CaseRecord, _ events: Events) {
        var record = record
        // One case at a time: the report files, the store and the caller's progress stay in step.
        state.withLockedValue { s in
            // A case cut short because wsspec was interrupted is never the client's failure.
            if s.interrupted { record.outcome = .harnessError(HarnessError.interrupted) }
            s.running -= 1
            s.lastActivity = Date()
            if !s.writeFailed {
                do {
                    try writer.write(record)
                } catch {
                    s.writeFailed = true
                    events.writeFailed("cannot write the report of case \(record.caseID): \(error)")
                }
            }
            s.records[record.agent, default: [:]][record.caseID] = record
            events.finished(record)
        }
        let waiter = state.withLockedValue { $0.waiting.removeValue(forKey: record.agent + "\u{0}" + record.caseID) }
        waiter?(record.outcome.reportFields.behavior)
    }

    /// Every stored record, by agent, each in case order.
    public var records: [CaseRecord] {
        let order = Dictionary(uniqueKeysWithValues: selected.enumerated().map { ($1.id.description, $0) })
        return state.withLockedValue { s in
            s.records.keys.sorted().flatMap { agent in
                s.records[agent]!.values.sorted { order[$0.caseID, default: 0] < order[$1.caseID, default: 0] }
            }
        }
    }

    /// A report could not be written.
    public var writeFailed: Bool { state.withLockedValue { $0.writeFailed } }

    /// Connections accepted so far (any endpoint), cases running now, and when a connection or case last started
    /// or a case ended.
    public var activity: (connections: Int, running: Int, last: Date) {
        state.withLockedValue { ($0.connections, $0.running, $0.lastActivity) }
    }

    /// A signal arrived: cases that end from now on are recorded as interrupted, not as the client's failures.
    public func markInterrupted() {
        state.withLockedValue { $0.interrupted = true }
    }

    /// Asks the run to stop (`/stopServer`, `shutdownOnComplete`, a signal).
    public func stop() {
        let waiters = state.withLockedValue { s in
            s.stopped = true
            defer { s.stopWaiters = [] }
            return s.stopWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once `stop()` was called.
    public func stopped() async {
        await withCheckedContinuation { continuation in
            let already = state.withLockedValue { s in
                if !s.stopped { s.stopWaiters.append(continuation) }
                return s.stopped
            }
            if already { continuation.resume() }
        }
    }
}
