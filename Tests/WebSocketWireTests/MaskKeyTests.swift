import Foundation
import Testing
import WebSocketWire

@Suite("MaskKey")
struct MaskKeyTests {
    static let key = MaskKey(0x37, 0xFA, 0x21, 0x3D)

    /// The definition of RFC 6455 §5.3: octet i XOR key octet (i mod 4), starting at key position `offset`.
    static func naive(_ data: [UInt8], key: MaskKey, offset: Int) -> [UInt8] {
        let k = key.array
        return data.enumerated().map { i, b in b ^ k[(offset + i) % 4] }
    }

    static func sample(_ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
    }

    @Test(
        "apply equals the byte-by-byte definition for lengths 0…300 and every buffer alignment",
        arguments: 0..<4)
    func matchesNaive(offset: Int) {
        var failures: [String] = []
        for length in 0...300 {
            let data = Self.sample(length)
            let expected = Self.naive(data, key: Self.key, offset: offset)
            // Put the data at every start address modulo 8 inside a larger buffer.
            for start in 0..<8 {
                var storage = [UInt8](repeating: 0xAA, count: length + 16)
                storage.replaceSubrange(start..<(start + length), with: data)
                storage.withUnsafeMutableBytes { raw in
                    Self.key.apply(to: UnsafeMutableRawBufferPointer(rebasing: raw[start..<(start + length)]), offset: offset)
                }
                if Array(storage[start..<(start + length)]) != expected {
                    failures.append("length \(length) start \(start): wrong result")
                }
                if !(storage[..<start].allSatisfy { $0 == 0xAA } && storage[(start + length)...].allSatisfy { $0 == 0xAA }) {
                    failures.append("length \(length) start \(start): octets outside the range changed")
                }
            }
        }
        #expect(failures == [])
    }

    @Test("an offset counts modulo 4, so masking in pieces equals masking at once")
    func offsetsContinue() {
        let data = Self.sample(101)
        var whole = data
        Self.key.apply(to: &whole)
        var pieces: [UInt8] = []
        var start = 0
        for size in [1, 2, 3, 5, 8, 13, 21, 48] {
            var piece = Array(data[start..<(start + size)])
            Self.key.apply(to: &piece, offset: start)
            pieces += piece
            start += size
        }
        #expect(start == data.count)
        #expect(pieces == whole)
        var shifted = data
        Self.key.apply(to: &shifted, offset: 4 + 2)
        #expect(shifted == Self.naive(data, key: Self.key, offset: 2))
    }

    @Test("applying twice gives back the data", arguments: [0, 1, 7, 8, 9, 63, 64, 65, 4096, 4099])
    func involution(length: Int) {
        let data = Self.sample(length)
        var masked = data
        Self.key.apply(to: &masked, offset: 1)
        if length >= 4 { #expect(masked != data) }
        Self.key.apply(to: &masked, offset: 1)
        #expect(masked == data)
    }

    @Test("a 16 MiB buffer is masked and unmasked correctly")
    func sixteenMebibytes() {
        let count = 16 * 1024 * 1024
        let original = (0..<count).map { UInt8(truncatingIfNeeded: $0 ^ ($0 >> 9)) }
        var data = original
        let key = MaskKey(0xA1, 0x00, 0xFF, 0x5C)
        key.apply(to: &data)
        // Spot checks against the definition: start, a piece in the middle, the end.
        for range in [0..<1024, (count / 2 - 3)..<(count / 2 + 1021), (count - 1024)..<count] {
            #expect(firstDifference(Array(data[range]), Self.naive(Array(original[range]), key: key, offset: range.lowerBound))
                == nil, "\(range)")
        }
        key.apply(to: &data)
        let equal = data.withUnsafeBytes { a in original.withUnsafeBytes { b in memcmp(a.baseAddress!, b.baseAddress!, count) == 0 } }
        #expect(equal)
    }

    @Test("a key is built from exactly four octets")
    func construction() {
        #expect(MaskKey([1, 2, 3, 4])?.array == [1, 2, 3, 4])
        #expect(MaskKey([1, 2, 3]) == nil)
        #expect(MaskKey([1, 2, 3, 4, 5]) == nil)
        #expect(MaskKey(1, 2, 3, 4) == MaskKey([1, 2, 3, 4]))
        #expect(MaskKey(1, 2, 3, 4) != MaskKey(4, 3, 2, 1))
        #expect(Set([MaskKey(1, 2, 3, 4), MaskKey(1, 2, 3, 4), MaskKey(0, 2, 3, 4)]).count == 2)
    }

    @Test("random keys come from the generator, so a seed replays them")
    func randomKeys() {
        var a = SeededRandom(seed: 99)
        var b = SeededRandom(seed: 99)
        let keysA = (0..<20).map { _ in MaskKey.random(using: &a) }
        let keysB = (0..<20).map { _ in MaskKey.random(using: &b) }
        #expect(keysA == keysB)
        #expect(Set(keysA).count > 15, "keys should differ from frame to frame")
    }
}
