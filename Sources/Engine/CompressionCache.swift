import CaseModel
import Foundation

/// Compressed messages kept for reuse across cases. Without context takeover a message's compressed form depends
/// only on its octets and the window size, and the compression cases send the same slices of the same file again and
/// again: 13.1–13.7 cut what 12.1 cuts, and rows 10 and 15–18 of a subcategory differ only in the fragment size.
///
/// What is kept is planned. Given the run's cases in order, a message is kept only while a later case will cut the
/// same messages (same file, kind and size), and dropped once the last such case has started; so the bitmap's
/// 128 KiB messages live from row 10 to row 18 of 12.2, while the JSON file's, cheap to keep (they compress 20:1)
/// and cut by eight subcategories, live until 13.7. Within `budget` octets, first come first kept. Without a plan
/// (`init(budget:)`), everything is kept until the budget is full.
///
/// Where the messages are kept is the `storage`'s business: in the process's memory by default, or (what a run uses)
/// in temporary files, one per group, so that the cache costs the kernel's page cache — which it may drop — rather
/// than the process's resident memory.
public final class CompressionCache: @unchecked Sendable {
    struct Key: Hashable {
        var directory: String
        var data: String
        var text: Bool
        var from: Int
        var size: Int
        var windowBits: Int

        var group: Group { Group(directory: directory, data: data, text: text, size: size, windowBits: windowBits) }
    }

    /// The messages of one message loop, whichever case cuts them.
    struct Group: Hashable {
        var directory: String
        var data: String
        var text: Bool
        var size: Int
        var windowBits: Int

        var messages: Messages { Messages(data: data, text: text, size: size) }
    }

    /// What a case's plan says about its loop: file, kind and size (the window is known only once negotiated).
    struct Messages: Hashable {
        var data: String
        var text: Bool
        var size: Int
    }

    /// The budget a run uses by default: the JSON file's messages of every size (about 13 MB, the ones 13.x
    /// reuses seven times over) and, beside them, all that rows 11–18 of a 12.x subcategory send again (at most
    /// 217 MiB, the bitmap's, at window 15). In a run's temporary files this is disk or page cache, not memory.
    public static let defaultBudget = 256 << 20

    let budget: Int
    let storage: any CompressedMessageStorage
    /// Where each case that cuts compressed messages comes in the run, and the last place each kind is cut; nil
    /// without a plan.
    private let position: [String: Int]?
    private let lastUse: [Messages: Int]
    /// The messages kept of one group: where each is on the group's shelf, by where it starts in the data, and
    /// the octets they take.
    private struct Kept {
        var shelf: any CompressedMessageShelf
        var messages: [Int: CompressedMessageShelfSlot] = [:]
        var octets = 0
    }

    private let lock = NSLock()
    private var groups: [Group: Kept] = [:]
    /// Groups whose shelf could not be had or stopped taking messages: nothing more of them is kept.
    private var refused: Set<Group> = []
    private var stored = 0
    private var sweptBefore = 0
    private(set) var hits = 0
    private(set) var misses = 0

    /// Keeps every compressed message until `budget` octets are kept.
    public init(budget: Int = CompressionCache.defaultBudget, storage: any CompressedMessageStorage = InMemoryStorage()) {
        self.budget = budget
        self.storage = storage
        position = nil
        lastUse = [:]
    }

    /// Keeps a compressed message only while a later case of `cases` (the run's, in the order they run) cuts the
    /// same messages, within `budget` octets.
    public init(
        budget: Int = CompressionCache.defaultBudget, storage: any CompressedMessageStorage = InMemoryStorage(),
        planning cases: [CaseDefinition]
    ) {
        self.budget = budget
        self.storage = storage
        var position: [String: Int] = [:]
        var lastUse: [Messages: Int] = [:]
        for (index, definition) in cases.enumerated() {
            for case .messageLoop(let step) in definition.steps where step.compressed {
                position[definition.id.description] = index
                lastUse[Messages(data: step.data, text: step.text, size: step.size)] = index
            }
        }
        self.position = position
        self.lastUse = lastUse
    }

    /// Octets kept now.
    var storedOctets: Int { lock.withLock { stored } }

    /// The compressed form of `key`'s message, cut by case `caseID`: kept, or made by `compute` (and kept if the
    /// plan and the budget say so).
    func value(_ key: Key, caseID: String, compute: () -> [UInt8]) -> [UInt8] {
        let group = key.group
        lock.lock()
        let place = position?[caseID]
        if let place, place > sweptBefore { sweep(before: place) }
        if let kept = groups[group], let slot = kept.messages[key.from], let found = kept.shelf.read(slot) {
            hits += 1
            lock.unlock()
            return found
        }
        misses += 1
        lock.unlock()
        let value = compute()
        lock.lock()
        defer { lock.unlock() }
        let wanted: Bool
        if position != nil {
            // Kept only for a case still to come; a case that is not in the plan keeps nothing.
            wanted = place.map { (lastUse[group.messages] ?? -1) > $0 } ?? false
        } else {
            wanted = true
        }
        // Two cases may have compressed the same message at once: it is kept once.
        guard wanted, stored + value.count <= budget, !refused.contains(group), groups[group]?.messages[key.from] == nil
        else { return value }
        if groups[group] == nil {
            guard let shelf = storage.makeShelf() else {
                refused.insert(group)
                return value
            }
            groups[group] = Kept(shelf: shelf)
        }
        guard let slot = groups[group]!.shelf.keep(value) else {
            // A full disk, say: what is kept stays usable, nothing more of this group is kept.
            refused.insert(group)
            return value
        }
        groups[group]!.messages[key.from] = slot
        groups[group]!.octets += slot.octets
        stored += slot.octets
        return value
    }

    /// Drops the messages no case from `place` on cuts. With several servers the places start again from 0: what
    /// is kept then stays until a case beyond the furthest place so far has started.
    private func sweep(before place: Int) {
        sweptBefore = place
        for (group, kept) in groups where (lastUse[group.messages] ?? -1) < place {
            groups[group] = nil
            stored -= kept.octets
        }
        refused = refused.filter { (lastUse[$0.messages] ?? -1) >= place }
    }
}

/// Where a compression cache keeps one group's messages; the group's messages are given up with it (its last
/// reference dropped). Used under the cache's lock only.
public protocol CompressedMessageShelf: AnyObject {
    /// Keeps `bytes`; nil when it cannot (and will not: the cache keeps nothing more of the group).
    func keep(_ bytes: [UInt8]) -> CompressedMessageShelfSlot?
    /// What `keep` kept in `slot`; nil should it be lost, and the message is then compressed again.
    func read(_ slot: CompressedMessageShelfSlot) -> [UInt8]?
}

/// Where on its shelf a message is, and the octets it takes there.
public struct CompressedMessageShelfSlot: Sendable, Hashable {
    public var index: Int
    public var octets: Int

    public init(index: Int, octets: Int) {
        self.index = index
        self.octets = octets
    }
}

/// Makes the shelves of a compression cache.
public protocol CompressedMessageStorage: Sendable {
    /// A new, empty shelf; nil when none can be had (the group's messages are then not kept).
    func makeShelf() -> (any CompressedMessageShelf)?
}

/// Shelves in the process's memory.
public struct InMemoryStorage: CompressedMessageStorage {
    public init() {}

    public func makeShelf() -> (any CompressedMessageShelf)? { Shelf() }

    final class Shelf: CompressedMessageShelf {
        private var messages: [[UInt8]] = []

        func keep(_ bytes: [UInt8]) -> CompressedMessageShelfSlot? {
            // An exact-size copy: the deflater's output array has room for the whole uncompressed message, and
            // keeping that capacity made the cache hold several times its budget.
            let compact = bytes.withUnsafeBufferPointer { Array($0) }
            messages.append(compact)
            return CompressedMessageShelfSlot(index: messages.count - 1, octets: compact.capacity)
        }

        func read(_ slot: CompressedMessageShelfSlot) -> [UInt8]? {
            messages.indices.contains(slot.index) ? messages[slot.index] : nil
        }
    }
}
