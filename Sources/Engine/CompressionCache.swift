import Foundation

/// Compressed messages kept for reuse across cases. Without context takeover a message's compressed form depends
/// only on its octets and the window size, and the compression cases send the same slices of the same file again and
/// again (13.1–13.7 differ only in the offer; rows 10 and 15–18 only in the fragment size), so each is compressed
/// once per run. Bounded: once `budget` octets are kept, new entries are no longer added.
public final class CompressionCache: @unchecked Sendable {
    struct Key: Hashable {
        var directory: String
        var data: String
        var text: Bool
        var from: Int
        var size: Int
        var windowBits: Int
    }

    /// The budget a run uses by default.
    public static let defaultBudget = 384 << 20

    let budget: Int
    private let lock = NSLock()
    private var entries: [Key: [UInt8]] = [:]
    private var stored = 0
    private(set) var hits = 0
    private(set) var misses = 0

    public init(budget: Int = CompressionCache.defaultBudget) { self.budget = budget }

    func value(_ key: Key, compute: () -> [UInt8]) -> [UInt8] {
        lock.lock()
        if let found = entries[key] {
            hits += 1
            lock.unlock()
            return found
        }
        misses += 1
        lock.unlock()
        let value = compute()
        lock.lock()
        if stored + value.count <= budget {
            // An exact-size copy: the deflater's output array has room for the whole uncompressed message, and
            // keeping that capacity made the cache hold several times its budget.
            let compact = value.withUnsafeBufferPointer { Array($0) }
            entries[key] = compact
            stored += compact.capacity
        }
        lock.unlock()
        return value
    }
}
