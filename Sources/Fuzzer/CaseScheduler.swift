import CaseModel
import Reports

/// Runs the cases of one server, up to `jobs` at once, each on its own connection. Cases whose verdict or duration
/// depends on having the server to themselves (the `serial` patterns: 9.x, 12.x and 13.x by default) run alone:
/// the scheduler waits for the running cases to end, runs such a case, and only then starts the next ones.
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

    public static let defaultSerialPatterns = ["9.*", "12.*", "13.*"]

    public var jobs: Int
    /// Case ID patterns (the `--cases` rules) of the cases that run alone.
    public var serialPatterns: [String]

    public init(jobs: Int = 1, serialPatterns: [String] = CaseScheduler.defaultSerialPatterns) {
        self.jobs = max(1, jobs)
        self.serialPatterns = serialPatterns
    }

    public func runsAlone(_ id: CaseID) -> Bool {
        serialPatterns.contains { CaseSelection.matches(pattern: $0, id: id.description) }
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
                let record = await runner.run(item.definition, ordinal: item.ordinal, server: server)
                records[i] = record
                await finished(record)
            }
            return records.map { $0! }
        }
        // Stretches of cases that may share the server, separated by cases that run alone. Within a stretch the
        // costliest cases start first, so that a long case does not start last and leave the other slots idle.
        let timerScale = runner.settings.timeouts.timerScale
        var batches: [[Int]] = [[]]
        for (i, item) in items.enumerated() {
            if runsAlone(item.definition.id) {
                batches.append([i])
                batches.append([])
            } else {
                batches[batches.count - 1].append(i)
            }
        }
        for batch in batches where !batch.isEmpty {
            let order = batch.sorted { a, b in
                let (ca, cb) = (
                    CaseCost.estimate(items[a].definition, timerScale: timerScale),
                    CaseCost.estimate(items[b].definition, timerScale: timerScale)
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
                    let item = items[i]
                    group.addTask { (i, await runner.run(item.definition, ordinal: item.ordinal, server: server)) }
                    running += 1
                }
                while let (j, record) = await group.next() {
                    records[j] = record
                    await finished(record)
                }
            }
        }
        return records.map { $0! }
    }
}
