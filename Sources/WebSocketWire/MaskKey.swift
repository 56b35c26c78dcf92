/// A 32-bit frame masking key.
public struct MaskKey: Sendable, Hashable {
    public var bytes: (UInt8, UInt8, UInt8, UInt8)

    public init(_ b0: UInt8, _ b1: UInt8, _ b2: UInt8, _ b3: UInt8) {
        bytes = (b0, b1, b2, b3)
    }

    public init?(_ array: some Collection<UInt8>) {
        guard array.count == 4 else { return nil }
        let a = Array(array)
        self.init(a[0], a[1], a[2], a[3])
    }

    /// A key drawn from `generator`, so a seeded run masks byte for byte the same.
    public static func random(using generator: inout some RandomNumberGenerator) -> MaskKey {
        let value = UInt32.random(in: .min ... .max, using: &generator)
        return MaskKey(
            UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
            UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value))
    }

    public var array: [UInt8] { [bytes.0, bytes.1, bytes.2, bytes.3] }

    public static func == (lhs: MaskKey, rhs: MaskKey) -> Bool { lhs.array == rhs.array }
    public func hash(into hasher: inout Hasher) { hasher.combine(array) }
}

extension MaskKey {
    /// XORs `buffer` with the key, starting at key position `offset % 4`. Works eight bytes at a time.
    public func apply(to buffer: UnsafeMutableRawBufferPointer, offset: Int = 0) {
        let count = buffer.count
        guard count > 0, let base = buffer.baseAddress else { return }
        let key = array
        var i = 0
        // Bytes until the pointer is 8-byte aligned.
        while i < count && (Int(bitPattern: base + i) & 7) != 0 {
            base.storeBytes(of: base.load(fromByteOffset: i, as: UInt8.self) ^ key[(offset + i) & 3], toByteOffset: i, as: UInt8.self)
            i += 1
        }
        if count - i >= 8 {
            // A 64-bit word of the key, rotated so that its first byte lines up with position i.
            var word: UInt64 = 0
            withUnsafeMutableBytes(of: &word) { w in
                for k in 0..<8 { w[k] = key[(offset + i + k) & 3] }
            }
            let wordCount = (count - i) / 8
            let words = (base + i).assumingMemoryBound(to: UInt64.self)
            var w = 0
            // Four words per iteration lets the compiler vectorise.
            while w + 4 <= wordCount {
                words[w] ^= word
                words[w + 1] ^= word
                words[w + 2] ^= word
                words[w + 3] ^= word
                w += 4
            }
            while w < wordCount {
                words[w] ^= word
                w += 1
            }
            i += wordCount * 8
        }
        while i < count {
            base.storeBytes(of: base.load(fromByteOffset: i, as: UInt8.self) ^ key[(offset + i) & 3], toByteOffset: i, as: UInt8.self)
            i += 1
        }
    }

    /// Masks (or unmasks) `bytes` in place.
    public func apply(to bytes: inout [UInt8], offset: Int = 0) {
        bytes.withUnsafeMutableBytes { apply(to: $0, offset: offset) }
    }
}
