import Engine
import CaseModel

/// One of N deterministic slices of a run's cases (`--shard K/N`), balanced by expected cost, so that a CI matrix
/// of N jobs covers the selection exactly once and its jobs take about as long as each other.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    /// 1-based index of this slice.
    public var index: Int
    public var count: Int

    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public init(index: Int, count: Int) throws {
        guard count >= 1 else { throw Problem(description: "shard count must be at least 1, got \(count)") }
        guard (1...count).contains(index) else {
            throw Problem(description: "shard \(index) does not exist: shards are numbered 1 to \(count)")
        }
        self.index = index
        self.count = count
    }

    /// Parses `K/N`, e.g. `2/4`.
    public init(_ text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]) else {
            throw Problem(description: "'\(text)' is not a shard: write K/N, e.g. 1/4 for the first of four")
        }
        try self.init(index: k, count: n)
    }

    public var description: String { "\(index)/\(count)" }

    /// The cases of this slice, in their given order. Every case goes to exactly one slice: the costliest cases
    /// are placed first, each on the slice with the least cost so far (ties: the lower slice, the lower case ID),
    /// which depends only on the selection, never on the machine or the clock.
    public func select(_ cases: [CaseDefinition], timerScale: Double = 1) -> [CaseDefinition] {
        guard count > 1 else { return cases }
        let assigned = Self.assign(cases.map { ($0.id, $0.runtime.expectedSeconds(timerScale: timerScale)) }, slices: count)
        return cases.filter { assigned[$0.id] == index - 1 }
    }

    /// Case ID → 0-based slice.
    static func assign(_ costs: [(id: CaseID, cost: Double)], slices: Int) -> [CaseID: Int] {
        let order = costs.sorted { $0.cost != $1.cost ? $0.cost > $1.cost : $0.id < $1.id }
        var load = [Double](repeating: 0, count: slices)
        var result: [CaseID: Int] = [:]
        for item in order {
            var best = 0
            for s in 1..<slices where load[s] < load[best] { best = s }
            load[best] += item.cost
            result[item.id] = best
        }
        return result
    }
}
