import Engine
import CaseModel
import Recording

/// Runs the cases of one server, up to `jobs` at once, each on its own connection. Cases whose verdict or duration
/// depends on having the server to themselves (the `serial` patterns; by default the cases whose category says
/// `runs-alone`, and `@chopped`) run alone: the scheduler waits for the running cases to end, runs such a case,
/// and only then starts the next ones.
public struct CaseScheduler: Sendable {
    /// One case to run, with its ordinal (the report's `case` number).
    public struct Item: Sendable {
        public var definition: CaseDefinition
        public var ordinal: Int
        public init(definition: CaseDefinition, ordinal: Int) {
            self.definition = definition
            self.ordinal = ordinal
        }
    }

    /// In `serialPatterns`: every case that writes in chops or in synced pieces and expects the server to fail the
    /// connection. Their verdicts depend on how the server's reads split the octets (does the bad frame arrive in
    /// the same read as the valid message before it, so that the server fails before it echoes?), and a server
    /// busy with other connections reads more at a time: against Python websockets 17.4, 3.4, 4.1.5 and 4.2.5 turn
    /// from OK to NON-STRICT when they share the server.
    public static let choppedCases = "@chopped"

    /// In `serialPatterns`: every case whose category's header says `runs-alone: true` (9.x, 12.x and 13.x of the
    /// built-in suite: their durations are measurements).
    public static let categoryRunsAlone = "@runs-alone"

    public static let defaultSerialPatterns = [categoryRunsAlone, choppedCases]

    public var jobs: Int
    /// Case ID patterns (the `--cases` rules) of the cases that run alone.
    public var serialPatterns: [String]

    /// Asked before each case starts: true stops the run (no further case starts; the records of the cases
    /// that ran are returned).
    public var shouldStop: @Sendable () -> Bool = { false }
    /// Runs one case; the command line wraps it so that an interruption cancels the cases running.
    public var runCase: @Sendable (CaseRunner, Item, ServerTarget) async -> CaseRecord = { runner, item, server in
        await runner.run(item.definition, ordinal: item.ordinal, server: server)
    }

    public init(jobs: Int = 1, serialPatterns: [String] = CaseScheduler.defaultSerialPatterns) {
        self.jobs = max(1, jobs)
        self.serialPatterns = serialPatterns
    }

    public func runsAlone(_ definition: CaseDefinition) -> Bool {
        serialPatterns.contains { pattern in
            switch pattern {
            case Self.choppedCases: return definition.runtime.isChopped
            case Self.categoryRunsAlone: return definition.runtime.runsAlone
            default: return CaseSelection.matches(pattern: pattern, id: definition.id.description)
            }
        }
    }

    /// Runs `items` against `server` and returns the records in the order of `items`. `finished` is called once
    /// per case as it ends, one call at a time (never concurrently), so it may write reports in order of ending.
    public func run(
        _ items: [Item], server: ServerTarget, runner: CaseRunner,
        finished: (CaseRecord) async -> Void = { _ in }
    ) async -> [CaseRecord] {
        var records = [CaseRecord?](repeating: nil, count: items.count)
        if jobs == 1 {
            for (i, item) in items.enumerated() {
                if shouldStop() { break }
                let record = await runCase(runner, item, server)
                records[i] = record
                await finished(record)
            }
            return records.compactMap { $0 }
        }
        // The cases that run alone go first, one after the other, while the server is fresh: a case started just
        // after a burst of parallel ones finds the server still busy closing their connections. Then the others,
        // the costliest first, so that a long case does not start last and leave the other slots idle.
        let timerScale = runner.settings.timeouts.timerScale
        let alone = items.indices.filter { runsAlone(items[$0].definition) }
        for i in alone {
            if shouldStop() { break }
            let record = await runCase(runner, items[i], server)
            records[i] = record
            await finished(record)
        }
        let shared = items.indices.filter { !runsAlone(items[$0].definition) }
        for batch in [shared] where !batch.isEmpty {
            let order = batch.sorted { a, b in
                let (ca, cb) = (
                    items[a].definition.runtime.expectedSeconds(timerScale: timerScale),
                    items[b].definition.runtime.expectedSeconds(timerScale: timerScale)
                )
                return ca != cb ? ca > cb : a < b
            }
            await withTaskGroup(of: (Int, CaseRecord).self) { group in
                var running = 0
                for i in order {
                    if running == jobs, let (j, record) = await group.next() {
                        records[j] = record
                        running -= 1
                        await finished(record)
                    }
                    if shouldStop() { break }
                    let item = items[i]
                    let runCase = runCase
                    group.addTask { (i, await runCase(runner, item, server)) }
                    running += 1
                }
                while let (j, record) = await group.next() {
                    records[j] = record
                    await finished(record)
                }
            }
        }
        return records.compactMap { $0 }
    }
}

extension CaseScheduler {
    /// Runs `items` against each server in turn, all into one report. Two servers that end up with the same agent
    /// name (the same `Server` header, or both unreachable) are told apart: the later one's agent becomes
    /// `NAME@host:port`, so that their reports do not overwrite each other. `finished` gets the server's index and
    /// each record (with its final agent) as it ends, one call at a time. Returns the records per server, in the
    /// order of `items`.
    public func run(
        _ items: [Item], servers: [ServerTarget], runner: CaseRunner,
        finished: (Int, CaseRecord) async -> Void = { _, _ in }
    ) async -> [[CaseRecord]] {
        var owners: [String: Int] = [:]
        var all: [[CaseRecord]] = []
        let handshakeCases = Set(items.filter { $0.definition.handshake != nil }.map(\.definition.id.description))
        for (index, server) in servers.enumerated() {
            if shouldStop() { break }
            var renamed: [String: CaseRecord] = [:]
            func deliver(_ record: CaseRecord) async {
                var record = record
                if let owner = owners[record.agent], owner != index { record.agent += "@\(server.host):\(server.port)" }
                owners[record.agent] = index
                renamed[record.caseID] = record
                await finished(index, record)
            }
            // A handshake case whose answer names no server (a refusal without `Server`, or no answer at all) is
            // reported under the name the server's other answers give, so one server stays one agent: such records
            // wait until an answer names the server (or the server's cases end).
            var named: String?
            var waiting: [CaseRecord] = []
            let records = await run(items, server: server, runner: runner) { record in
                var record = record
                if server.agent == nil && record.recording.peerSoftware == nil && handshakeCases.contains(record.caseID) {
                    guard let named else {
                        waiting.append(record)
                        return
                    }
                    record.agent = named
                } else if server.agent == nil && record.recording.peerSoftware != nil && named == nil {
                    named = record.agent
                    for var early in waiting {
                        early.agent = record.agent
                        await deliver(early)
                    }
                    waiting = []
                }
                await deliver(record)
            }
            for record in waiting { await deliver(record) }
            all.append(records.map { renamed[$0.caseID] ?? $0 })
        }
        return all
    }
}
