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

    /// `pattern` repeated and cut to exactly `length` octets.
    public static func repeated(_ pattern: [UInt8], toLength length: Int) -> [UInt8] {
        guard !pattern.isEmpty, length > 0 else { return [] }
        var out = [UInt8]()
        out.reserveCapacity(length)
        while out.count + pattern.count <= length { out.append(contentsOf: pattern) }
        out.append(contentsOf: pattern.prefix(length - out.count))
        return out
    }

    /// A Close frame payload: the code (if any) followed by the reason octets.
    public static func closePayload(code: UInt16?, reason: [UInt8]?) -> [UInt8] {
        var out: [UInt8] = []
        if let code { out.append(contentsOf: [UInt8(code >> 8), UInt8(code & 0xFF)]) }
        if let reason { out.append(contentsOf: reason) }
        return out
    }
}

/// Close codes as RFC 6455 §7.4 and the reference client judge them.
public enum CloseCode {
    /// Codes a peer may put on the wire: 1000–1003, 1007–1011 and 3000–4999.
    public static func isValidOnWire(_ code: Int) -> Bool {
        switch code {
        case 1000...1003, 1007...1011, 3000...4999: return true
        default: return false
        }
    }

    /// Codes an endpoint may start a normal close with: 1000 and 3000–4999.
    public static func isAllowedForNormalClose(_ code: Int) -> Bool {
        code == 1000 || (3000...4999).contains(code)
    }
}
