import CaseModel
import Engine
import Foundation
import Harness
import Recording

/// The settings of a fuzz run.
public struct FuzzOptions: Sendable {
    public var seed: UInt64
    /// How many sequences; nil with `duration`.
    public var runs: Int?
    /// Seconds to go on generating sequences.
    public var duration: Double?
    /// Sequences at once, each on its own connection.
    public var jobs = 1
    /// Seconds the case's timer waits for the server (close or kill timer).
    public var wait = 1.0
    /// Runs the shrinking of one finding may take at most.
    public var maxShrinkRuns = 250
    /// Seconds to wait for a server that is down to come back (a supervisor restarting it) before the run stops.
    public var reviveTimeout = 5.0
    /// Stop generating once this many sequences have shown a finding.
    public var maxFindings: Int?

    public init(seed: UInt64, runs: Int? = nil, duration: Double? = nil) {
        self.seed = seed
        self.runs = runs
        self.duration = duration
    }
}

/// One run of a sequence, judged.
public struct Trial: Sendable {
    public var oracle: Oracle
    /// The world the case is judged by: one the server passes, else the one that fits how it closed.
    public var world: Oracle.World
    public var definition: CaseDefinition
    public var record: CaseRecord
    /// What happened, with the events whole; nil when the case could not run.
    public var recording: CaseRecording?
    public var alive: Bool
    /// nil when the server passed.
    public var finding: (FindingClass, Oracle.Rule)?
}

/// A finding: the sequence that showed it, and the smallest the shrinking found.
public struct FuzzFinding: Sendable {
    public var index: Int
    public var findingClass: FindingClass
    public var rule: Oracle.Rule
    public var original: [Step]
    public var shrunk: [Step]
    /// The permessage-deflate offer of the original sequence, and of the shrunk one (kept only when it is needed).
    public var originalDeflate: DeflateUse = .none
    public var shrunkDeflate: DeflateUse = .none
    /// The last run of the shrunk sequence.
    public var trial: Trial
    /// Runs the shrinking took.
    public var shrinkRuns: Int
    /// False when running the sequence again alone did not show it again (timing, or another sequence at once).
    public var reproduced: Bool
    /// How many sequences of the run showed the same class and clause.
    public var occurrences = 1
}

public struct FuzzResult: Sendable {
    public var sequences: Int
    /// One finding per class and clause, shrunk, in the order of the sequences that first showed them.
    public var findings: [FuzzFinding]
    /// Sequences with a finding, per class (every occurrence).
    public var counts: [FindingClass: Int]
    /// Set when the server went away and did not come back.
    public var stoppedBecause: String?
    /// Whether the server accepted wsspec's permessage-deflate offer when the run began.
    public var serverAcceptsDeflate = false
    /// Sequences that offered permessage-deflate, and those whose handshake answer accepted it.
    public var offeredDeflate = 0
    public var negotiatedDeflate = 0
}

/// Generates sequences, runs each as a case on its own connection (the harness's `CaseRunner`), checks the server
/// is alive afterwards, judges with the oracle's worlds, and shrinks what it finds.
public struct Fuzzer: Sendable {
    public let runner: CaseRunner
    public let server: ServerTarget
    public let options: FuzzOptions

    public init(runner: CaseRunner, server: ServerTarget, options: FuzzOptions) {
        self.runner = runner
        self.server = server
        self.options = options
    }

    /// What the caller sees while the run goes on.
    public struct Events: Sendable {
        /// A sequence ended: its index, how many ended so far and how many sequences have shown a finding so far.
        public var ran: @Sendable (_ done: Int, _ findings: Int) -> Void = { _, _ in }
        /// Shrinking of a finding starts / made a step.
        public var shrinking: @Sendable (_ finding: FindingClass, _ steps: Int, _ runs: Int) -> Void = { _, _, _ in }
        public var shouldStop: @Sendable () -> Bool = { false }
        public init() {}
    }

    /// Runs sequences with `steps`, then the liveness probe, and judges.
    public func trial(_ steps: [Step], index: Int, deflate: DeflateUse = .none) async -> Trial {
        let oracle = Oracle(steps, deflate: deflate)
        let primary = oracle.worlds.last!
        let id = CaseID("90.\(index + 1)")!
        let definition = FuzzCase.definition(oracle, world: primary, wait: options.wait, id: id)
        let (record, kept) = await runner.runKeepingEvents(definition, ordinal: index + 1, server: server)
        let recording = kept ?? record.recording
        let alive = await isAlive()
        var best: (Oracle.World, CaseDefinition, Judgement)?
        for world in oracle.worlds {
            let candidate = FuzzCase.definition(oracle, world: world, wait: options.wait, id: id)
            let judgement = Judge.judgement(candidate, recording)
            if record.harnessError == nil && alive && FuzzCase.passes(judgement) {
                return Trial(
                    oracle: oracle, world: world, definition: candidate, record: rejudged(record, recording, candidate),
                    recording: kept, alive: true)
            }
            if best == nil || candidate.close.closedByClient == recording.closing.closedByMe {
                best = (world, candidate, judgement)
            }
        }
        let (world, chosen, judgement) = best!
        let finding = FuzzCase.classify(
            world: world, definition: chosen, judgement: judgement, recording: recording,
            alive: alive && record.harnessError == nil)
        return Trial(
            oracle: oracle, world: world, definition: chosen, record: rejudged(record, recording, chosen), recording: kept,
            alive: alive, finding: finding)
    }

    /// The record as judged by `definition` (a world other than the one the case ran with).
    private func rejudged(_ record: CaseRecord, _ recording: CaseRecording, _ definition: CaseDefinition) -> CaseRecord {
        guard record.harnessError == nil else { return record }
        return CaseRunner.record(definition, recording, ordinal: record.ordinal, agent: server.agent)
    }

    /// A fresh connection opens and echoes a text message.
    public func isAlive() async -> Bool {
        let probe = FuzzCase.probe(wait: options.wait)
        let (record, recording) = await runner.runKeepingEvents(probe, ordinal: 0, server: server)
        guard record.harnessError == nil, let recording, recording.connectionWasOpen else { return false }
        return Judge.matches(recording.received, probe.expected[0].events, interleave: true)
    }

    /// Whether the server accepts wsspec fuzz's permessage-deflate offer: the liveness probe, with the offer.
    public func acceptsDeflate() async -> Bool {
        var probe = FuzzCase.probe(wait: options.wait)
        probe.deflateOffers = [DeflateUse.offer]
        let (record, recording) = await runner.runKeepingEvents(probe, ordinal: 0, server: server)
        guard record.harnessError == nil, let recording else { return false }
        return DeflateUse.accepted(recording)
    }

    /// What sequence `index` does with permessage-deflate, given whether the server accepts it.
    public static func deflateUse(seed: UInt64, index: Int, serverAccepts: Bool) -> DeflateUse {
        guard FuzzGenerator.offersDeflate(seed: seed, index: index) else { return .none }
        return serverAccepts ? .negotiated : .declined
    }

    /// Waits for a server that is down to come back, up to `reviveTimeout`.
    func revive() async -> Bool {
        let deadline = Date().addingTimeInterval(options.reviveTimeout)
        while Date() < deadline {
            if await isAlive() { return true }
            try? await Task.sleep(nanoseconds: 100_000_000)
        }
        return await isAlive()
    }

    /// The whole run: sequences, then the shrinking of the first finding of each class and clause.
    public func run(_ events: Events = Events()) async -> FuzzResult {
        let started = Date()
        let jobs = max(1, options.jobs)
        var next = 0
        var done = 0
        var failing: [(index: Int, steps: [Step], deflate: DeflateUse, trial: Trial)] = []
        var stopped: String?
        var offered = 0
        var negotiated = 0
        let accepts = await acceptsDeflate()
        func more() -> Bool {
            if events.shouldStop() || stopped != nil { return false }
            if let most = options.maxFindings, failing.count >= most { return false }
            if let runs = options.runs { return next < runs }
            if let duration = options.duration { return Date().timeIntervalSince(started) < duration }
            return false
        }
        await withTaskGroup(of: (Int, [Step], DeflateUse, Trial).self) { group in
            var inFlight = 0
            while true {
                while inFlight < jobs && more() {
                    let index = next
                    next += 1
                    inFlight += 1
                    group.addTask {
                        let deflate = Self.deflateUse(seed: options.seed, index: index, serverAccepts: accepts)
                        let steps = FuzzGenerator.sequence(seed: options.seed, index: index, deflate: deflate == .negotiated)
                        return (index, steps, deflate, await trial(steps, index: index, deflate: deflate))
                    }
                }
                guard let (index, steps, deflate, result) = await group.next() else { break }
                inFlight -= 1
                done += 1
                if deflate.offered { offered += 1 }
                if DeflateUse.accepted(result.recording ?? result.record.recording) { negotiated += 1 }
                if result.finding != nil {
                    failing.append((index, steps, deflate, result))
                    let revived = result.alive ? true : await revive()
                    if !revived {
                        stopped = "the server did not come back within \(options.reviveTimeout) s after sequence \(index + 1)"
                    }
                }
                events.ran(done, failing.count)
            }
        }
        failing.sort { $0.index < $1.index }
        var counts: [FindingClass: Int] = [:]
        var firsts: [String: Int] = [:]
        var order: [(index: Int, steps: [Step], deflate: DeflateUse, trial: Trial, occurrences: Int)] = []
        for item in failing {
            let (kind, rule) = item.trial.finding!
            counts[kind, default: 0] += 1
            let key = kind.rawValue + " " + rule.clause
            if let at = firsts[key] {
                order[at].occurrences += 1
            } else {
                firsts[key] = order.count
                order.append((item.index, item.steps, item.deflate, item.trial, 1))
            }
        }
        var findings: [FuzzFinding] = []
        for item in order {
            if events.shouldStop() { break }
            if stopped != nil {
                // The server is gone: report what was seen, unshrunk.
                findings.append(
                    FuzzFinding(
                        index: item.index, findingClass: item.trial.finding!.0, rule: item.trial.finding!.1, original: item.steps,
                        shrunk: item.steps, originalDeflate: item.deflate, shrunkDeflate: item.deflate, trial: item.trial,
                        shrinkRuns: 0, reproduced: false, occurrences: item.occurrences))
                continue
            }
            var finding = await shrink(item.steps, index: item.index, first: item.trial, deflate: item.deflate, events: events)
            finding.occurrences = item.occurrences
            findings.append(finding)
        }
        return FuzzResult(
            sequences: done, findings: findings, counts: counts, stoppedBecause: stopped, serverAcceptsDeflate: accepts,
            offeredDeflate: offered, negotiatedDeflate: negotiated)
    }

    /// Runs the sequence again alone and, when it shows the same class again, shrinks it: fewer steps, shorter
    /// payloads, simpler frames, fewer chops, no permessage-deflate offer, as long as a smaller sequence still shows
    /// that class.
    public func shrink(
        _ steps: [Step], index: Int, first: Trial, deflate: DeflateUse = .none, events: Events = Events()
    ) async -> FuzzFinding {
        let kind = first.finding!.0
        var runs = 0
        func check(_ candidate: [Step], _ deflate: DeflateUse) async -> Trial? {
            runs += 1
            let result = await trial(candidate, index: index, deflate: deflate)
            if !result.alive { _ = await revive() }
            return result.finding?.0 == kind ? result : nil
        }
        guard let again = await check(steps, deflate) else {
            return FuzzFinding(
                index: index, findingClass: kind, rule: first.finding!.1, original: steps, shrunk: steps,
                originalDeflate: deflate, shrunkDeflate: deflate, trial: first, shrinkRuns: runs, reproduced: false)
        }
        var current = steps
        var currentDeflate = deflate
        var best = again
        var improved = true
        while improved && runs < options.maxShrinkRuns && !events.shouldStop() {
            improved = false
            // Without the offer first: the same steps, RSV1 then a reserved bit.
            var candidates: [([Step], DeflateUse)] = currentDeflate.offered ? [(current, .none)] : []
            candidates += Shrinker.candidates(current).map { ($0, currentDeflate) }
            for (candidate, candidateDeflate) in candidates {
                if runs >= options.maxShrinkRuns || events.shouldStop() { break }
                if candidateDeflate == .negotiated && !Oracle(candidate, deflate: candidateDeflate).modelsCompression { continue }
                if let result = await check(candidate, candidateDeflate) {
                    current = candidate
                    currentDeflate = candidateDeflate
                    best = result
                    improved = true
                    events.shrinking(kind, current.count, runs)
                    break
                }
            }
        }
        return FuzzFinding(
            index: index, findingClass: kind, rule: best.finding!.1, original: steps, shrunk: current,
            originalDeflate: deflate, shrunkDeflate: currentDeflate, trial: best, shrinkRuns: runs, reproduced: true)
    }
}
