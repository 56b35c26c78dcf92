import CaseModel
import Foundation
import Testing

@testable import Engine
@testable import Harness
import Recording

@Suite("Shards and case costs")
struct ShardTests {
    /// A mix like the suite's: many short cases, a few long pauses, a few big messages.
    static let cases: [CaseDefinition] = (1...60).map { n in
        var steps: [Step] = [.send(FrameStep(opcode: .text, payload: .text("x"), repeatLength: n * 100)), .killAfter(seconds: 1)]
        if n % 17 == 0 { steps.insert(.pause(seconds: 1, tag: nil), at: 0) }
        if n % 23 == 0 { steps[0] = .send(FrameStep(opcode: .binary, payload: .text("*"), repeatLength: 16 << 20)) }
        return definition(id: "9.\(n)", steps: steps)
    }

    @Test("K/N is parsed; anything else is refused with the form to use")
    func parsing() throws {
        let shard = try Shard("2/4")
        #expect(shard.index == 2 && shard.count == 4)
        for bad in ["0/4", "5/4", "1/0", "2", "a/b", "1/2/3", ""] {
            #expect(throws: Shard.Problem.self) { try Shard(bad) }
        }
    }

    @Test("the N slices cover every case exactly once, each in the given order", arguments: [1, 2, 3, 4, 7])
    func partition(count: Int) throws {
        var seen: [String] = []
        for k in 1...count {
            let slice = try Shard(index: k, count: count).select(Self.cases)
            let ids = slice.map(\.id)
            #expect(ids == ids.sorted())
            seen += slice.map(\.id.description)
        }
        #expect(seen.sorted() == Self.cases.map(\.id.description).sorted())
        #expect(Set(seen).count == Self.cases.count)
    }

    @Test("slices are deterministic and balanced by cost: no slice exceeds another by more than the costliest case")
    func balanced() throws {
        let count = 4
        let costs = try (1...count).map { k in
            try Shard(index: k, count: count).select(Self.cases).reduce(0.0) { $0 + $1.runtime.expectedSeconds() }
        }
        let again = try (1...count).map { try Shard(index: $0, count: count).select(Self.cases).map(\.id) }
        #expect(again == (try (1...count).map { try Shard(index: $0, count: count).select(Self.cases).map(\.id) }))
        let biggest = Self.cases.map { $0.runtime.expectedSeconds() }.max()!
        #expect(costs.max()! - costs.min()! <= biggest)
        // Balanced by cost, not by count: the slice with the 16 MiB messages holds fewer cases.
        let counts = try (1...count).map { try Shard(index: $0, count: count).select(Self.cases).count }
        #expect(Set(counts).count > 1)
    }

    @Test("a case's cost counts pauses (scaled), octets and queued writes, not close-after or kill-after")
    func cost() {
        let short = definition(steps: [.send(FrameStep(opcode: .text, payload: .text("hi"))), .closeAfter(seconds: 1)])
        let paused = definition(steps: [.pause(seconds: 1, tag: nil), .killAfter(seconds: 10)])
        let chopped = definition(steps: [.send(FrameStep(opcode: .text, payload: .text("*"), repeatLength: 65536, chop: 1))])
        #expect(short.runtime.expectedSeconds() < 0.01)
        #expect(abs(paused.runtime.expectedSeconds() - 1.002) < 0.001)
        #expect(abs(paused.runtime.expectedSeconds(timerScale: 3) - 3.002) < 0.001)
        #expect(chopped.runtime.expectedSeconds() > 1.5)  // 65,550 writes of one octet, 25 µs each
    }

    @Test("the derived deadline is the engine's watchdog, for every built-in case, under odd timeouts")
    func deadlineIsTheWatchdog() throws {
        let cases = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Cases")
        let suite = try CaseLoader.loadDirectory(cases)
        var timeouts = ProtocolTimeouts()
        (timeouts.openHandshake, timeouts.closeHandshake, timeouts.serverDrop) = (4.3, 0.7, 1.9)
        timeouts.timerScale = 1.37
        for c in suite.cases {
            // The watchdog waits for every timer of the protocol and of the case, scaled, plus the margin.
            var expected = timeouts.openHandshake + timeouts.closeHandshake + timeouts.serverDrop + timeouts.watchdogMargin
            for step in c.steps {
                switch step {
                case .pause(let s, _), .closeAfter(let s), .killAfter(let s): expected += s * timeouts.timerScale
                case .messageLoop(let loop): expected += loop.timeout * timeouts.timerScale
                default: break
                }
            }
            let driver = CaseDriver(definition: c, timeouts: timeouts, seed: 1)
            #expect(driver.watchdogDeadline == expected, "\(c.id)")
        }
    }
}
