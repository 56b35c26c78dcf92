import NIOCore

/// Builds the octets of frames, valid or not.
public enum FrameEncoder {
    /// The octets of one frame: `header` followed by `payload`, masked with the header's key.
    ///
    /// The header's declared length is written as it is, whatever the size of `payload`.
    public static func encode(_ header: FrameHeader, payload: some Collection<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(header.encodedSize + payload.count)
        header.encode(into: &out)
        let start = out.count
        out.append(contentsOf: payload)
        if let key = header.maskKey, out.count > start {
            out.withUnsafeMutableBytes { raw in
                key.apply(to: UnsafeMutableRawBufferPointer(rebasing: raw[start...]))
            }
        }
        return out
    }

    /// Appends one frame to `buffer`: `header`, then `pattern` repeated and cut to `length` octets (or
    /// `pattern` once when `length` is nil), masked with the header's key.
    ///
    /// The payload is built in the buffer itself, by doubling what is already there, and masked in place:
    /// a 16 MiB frame costs one 16 MiB buffer and no intermediate copies.
    public static func encode(
        _ header: FrameHeader, pattern: some Collection<UInt8>, repeatedTo length: Int? = nil, into buffer: inout ByteBuffer
    ) {
        var head: [UInt8] = []
        head.reserveCapacity(header.encodedSize)
        header.encode(into: &head)
        buffer.writeBytes(head)
        let count = pattern.isEmpty ? 0 : (length ?? pattern.count)
        guard count > 0 else { return }
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { raw in
            let out = UnsafeMutableRawBufferPointer(rebasing: raw[0..<count])
            let first = min(pattern.count, count)
            let copied: Void? = pattern.withContiguousStorageIfAvailable { source in
                out.baseAddress!.copyMemory(from: source.baseAddress!, byteCount: first)
            }
            if copied == nil {
                _ = UnsafeMutableRawBufferPointer(rebasing: out[0..<first]).initializeMemory(as: UInt8.self, from: pattern.prefix(first))
            }
            var filled = first
            while filled < count {
                let n = min(filled, count - filled)
                (out.baseAddress! + filled).copyMemory(from: out.baseAddress!, byteCount: n)
                filled += n
            }
            header.maskKey?.apply(to: out)
            return count
        }
    }

    /// `pattern` repeated and cut to exactly `length` octets.
    public static func repeated(_ pattern: [UInt8], toLength length: Int) -> [UInt8] {
        guard !pattern.isEmpty, length > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: length) { out, initialized in
            let first = min(pattern.count, length)
            for k in 0..<first { out[k] = pattern[k] }
            // Double what is there: a whole number of patterns each time.
            var filled = first
            while filled < length {
                let n = min(filled, length - filled)
                (out.baseAddress! + filled).update(from: out.baseAddress!, count: n)
                filled += n
            }
            initialized = length
        }
    }

    /// A Close frame payload: the code (if any) followed by the reason octets.
    public static func closePayload(code: UInt16?, reason: [UInt8]?) -> [UInt8] {
        var out: [UInt8] = []
        if let code { out.append(contentsOf: [UInt8(code >> 8), UInt8(code & 0xFF)]) }
        if let reason { out.append(contentsOf: reason) }
        return out
    }
}
