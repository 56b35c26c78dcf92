/// SplitMix64 (Steele, Lea, Flood 2014): the fuzzer's own generator, so that a seed names the same sequences on
/// every platform and Swift version (the standard library's `random(in:using:)` algorithms are not promised to
/// stay the same). Every draw goes through `below`, which this file defines.
public struct FuzzRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// The generator of sequence `index` of a run with `seed`: independent of every other index.
    public init(seed: UInt64, index: Int) {
        var mixer = FuzzRandom(seed: seed ^ 0x5753_5350_4543_465A)  // "WSSPECFZ"
        let base = mixer.next()
        state = base &+ UInt64(truncatingIfNeeded: index) &* 0xD1B5_4A32_D192_ED03
        _ = next()
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in 0..<n (n > 0); the modulo bias is below 2^-50 for the small n used here.
    public mutating func below(_ n: Int) -> Int {
        precondition(n > 0)
        return Int(next() % UInt64(n))
    }

    /// A number in `range`.
    public mutating func inRange(_ range: ClosedRange<Int>) -> Int { range.lowerBound + below(range.count) }

    /// True with probability `percent`/100.
    public mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

    public mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    /// One of `items`, each as likely as its weight.
    public mutating func weighted<T>(_ items: [(Int, T)]) -> T {
        var n = below(items.reduce(0) { $0 + $1.0 })
        for (weight, item) in items {
            if n < weight { return item }
            n -= weight
        }
        return items[items.count - 1].1
    }
}
