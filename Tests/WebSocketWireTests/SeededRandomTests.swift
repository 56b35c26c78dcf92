import Testing
import WebSocketWire

@Suite("SeededRandom")
struct SeededRandomTests {
    @Test("it is SplitMix64: the reference outputs for seed 0")
    func splitMixVectors() {
        var g = SeededRandom(seed: 0)
        #expect(g.next() == 0xE220_A839_7B1D_CDAF)
        #expect(g.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(g.next() == 0x06C4_5D18_8009_454F)
    }

    @Test("the same seed replays the same sequence; another seed does not")
    func reproducible() {
        var a = SeededRandom(seed: 12345)
        var b = SeededRandom(seed: 12345)
        var c = SeededRandom(seed: 12346)
        let sa = (0..<100).map { _ in a.next() }
        let sb = (0..<100).map { _ in b.next() }
        let sc = (0..<100).map { _ in c.next() }
        #expect(sa == sb)
        #expect(sa != sc)
        #expect(Set(sa).count == 100)
    }

    @Test("derived generators depend on both the run's seed and the label")
    func derived() {
        func first(_ seed: UInt64, _ label: String) -> [UInt64] {
            var g = SeededRandom.derived(from: seed, label: label)
            return (0..<4).map { _ in g.next() }
        }
        #expect(first(7, "1.1.1") == first(7, "1.1.1"))
        #expect(first(7, "1.1.1") != first(7, "1.1.2"))
        #expect(first(7, "1.1.1") != first(8, "1.1.1"))
        #expect(first(7, "") != first(7, "1"))
    }

    @Test("a seeded handshake key is replayed, and is 16 octets in base64")
    func handshakeKey() {
        var a = SeededRandom(seed: 5)
        var b = SeededRandom(seed: 5)
        let key = HandshakeRequest.randomKey(using: &a)
        #expect(key == HandshakeRequest.randomKey(using: &b))
        #expect(key.count == 24)
        #expect(key.hasSuffix("=="))
        #expect(key.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "+/=".contains($0)) })
        #expect(HandshakeRequest.randomKey(using: &a) != key)
    }
}
