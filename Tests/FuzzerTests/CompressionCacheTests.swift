import CaseModel
import Foundation
import Harness
import Testing

@testable import Engine

@Suite("The compression cache keeps what a later case sends again")
struct CompressionCacheTests {
    static func loop(_ id: String, data: String, size: Int) -> CaseDefinition {
        definition(id: id, steps: [
            .messageLoop(MessageLoopStep(data: data, text: true, size: size, count: 10, timeout: 1, compressed: true)),
        ])
    }

    /// 12.1.1 and 13.1.1 cut the same messages; 12.1.2 cuts others that no later case cuts; 1.1.1 cuts none.
    static let run = [
        loop("12.1.1", data: "a.json", size: 16), loop("12.1.2", data: "a.json", size: 64), definition(id: "1.1.1"),
        loop("13.1.1", data: "a.json", size: 16), loop("13.1.2", data: "b.json", size: 16),
    ]

    static func key(_ data: String = "a.json", from: Int, size: Int = 16) -> CompressionCache.Key {
        CompressionCache.Key(directory: "d", data: data, text: true, from: from, size: size, windowBits: 15)
    }

    @Test("a message a later case sends is compressed once; one no later case sends is not kept")
    func plannedReuse() {
        let cache = CompressionCache(budget: 1 << 20, planning: Self.run)
        var computed = 0
        func compress(_ caseID: String, _ key: CompressionCache.Key) -> [UInt8] {
            cache.value(key, caseID: caseID) {
                computed += 1
                return [UInt8](repeating: 7, count: 100)
            }
        }
        _ = compress("12.1.1", Self.key(from: 0))
        // What one kept message of 100 octets takes (its allocation may round up a little).
        let one = cache.storedOctets
        #expect(one >= 100 && one < 150)
        _ = compress("12.1.1", Self.key(from: 16))
        #expect(cache.storedOctets == 2 * one)
        _ = compress("12.1.2", Self.key(from: 0, size: 64))
        #expect(cache.storedOctets == 2 * one, "no later case sends 64-unit messages of a.json")
        _ = compress("13.1.1", Self.key(from: 0))
        _ = compress("13.1.1", Self.key(from: 16))
        #expect(computed == 3 && cache.hits == 2)
        // 13.1.1 was the last to send them: once the next case starts they are dropped.
        _ = compress("13.1.2", Self.key("b.json", from: 0))
        #expect(cache.storedOctets == 0)
        #expect(computed == 4)
    }

    @Test("nothing is kept beyond the budget, and a budget of 0 keeps nothing")
    func budget() {
        let cache = CompressionCache(budget: 350, planning: Self.run)
        for from in 0..<5 {
            _ = cache.value(Self.key(from: from * 16), caseID: "12.1.1") { [UInt8](repeating: 1, count: 100) }
        }
        // Three of the five fit, however much each allocation rounds up (less than half).
        #expect(cache.storedOctets >= 300 && cache.storedOctets <= 350)
        #expect(cache.value(Self.key(from: 4 * 16), caseID: "13.1.1") { [] } == [], "the fifth was not kept")
        let none = CompressionCache(budget: 0, planning: Self.run)
        _ = none.value(Self.key(from: 0), caseID: "12.1.1") { [1, 2, 3] }
        #expect(none.storedOctets == 0)
        #expect(none.value(Self.key(from: 0), caseID: "13.1.1") { [1, 2, 3] } == [1, 2, 3])
    }

    @Test("a case outside the plan keeps nothing; without a plan everything is kept until the budget is full")
    func unplanned() {
        let planned = CompressionCache(budget: 1 << 20, planning: Self.run)
        _ = planned.value(Self.key(from: 0), caseID: "99.1") { [UInt8](repeating: 1, count: 10) }
        #expect(planned.storedOctets == 0)
        let unplanned = CompressionCache(budget: 1 << 20)
        _ = unplanned.value(Self.key(from: 0), caseID: "99.1") { [UInt8](repeating: 1, count: 10) }
        _ = unplanned.value(Self.key(from: 0), caseID: "99.2") { [] }
        #expect(unplanned.storedOctets >= 10 && unplanned.hits == 1)
    }
}

@Suite("The compression cache in temporary files")
struct TemporaryFileStorageTests {
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("wsspec-cache-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("what is kept comes back the same from the file, exactly its size counts, and no file is left behind")
    func roundTrip() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let cache = CompressionCache(budget: 1 << 20, storage: TemporaryFileStorage(directory: folder.path), planning: CompressionCacheTests.run)
        let messages = (0..<3).map { n in (0..<(1000 + n * 333)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ n) } }
        for (n, message) in messages.enumerated() {
            #expect(cache.value(CompressionCacheTests.key(from: n * 16), caseID: "12.1.1") { message } == message)
        }
        #expect(cache.storedOctets == messages.map(\.count).reduce(0, +))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty, "the file is unlinked at once")
        for (n, message) in messages.enumerated() {
            #expect(cache.value(CompressionCacheTests.key(from: n * 16), caseID: "13.1.1") { [] } == message)
        }
        #expect(cache.hits == 3 && cache.misses == 3)
        // Once the last case that sends them has passed, the group and its file are dropped.
        _ = cache.value(CompressionCacheTests.key("b.json", from: 0), caseID: "13.1.2") { [1] }
        #expect(cache.storedOctets == 0)
    }

    @Test("a folder where no file can be made: nothing is kept, every message is still right")
    func unusableFolder() throws {
        let cache = CompressionCache(
            budget: 1 << 20, storage: TemporaryFileStorage(directory: "/nonexistent/wsspec-\(UUID().uuidString)"),
            planning: CompressionCacheTests.run)
        var computed = 0
        for caseID in ["12.1.1", "13.1.1"] {
            let value = cache.value(CompressionCacheTests.key(from: 0), caseID: caseID) {
                computed += 1
                return [9, 8, 7]
            }
            #expect(value == [9, 8, 7])
        }
        #expect(computed == 2 && cache.storedOctets == 0)
    }
}
