import JSONCodec
import Recording

/// How the reference writes a preview: lower-case hex for octets, Python 2's UTF-8 decoding for frame payloads
/// and events (catalogue 1.7).
extension BytePreview {
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Lower-case hex of the shown bytes, followed by ` ...` when cut (the wire log's octet preview).
    public var hexPreview: String {
        var out: [UInt8] = []
        out.reserveCapacity(shownBytes.count * 2 + 4)
        for byte in shownBytes {
            out.append(Self.hexDigits[Int(byte >> 4)])
            out.append(Self.hexDigits[Int(byte & 0xF)])
        }
        if isTruncated { out.append(contentsOf: " ...".utf8) }
        return String(decoding: out, as: UTF8.self)
    }

    /// The text preview of the data: the shown bytes (plus the ASCII bytes ` ...` when cut)
    /// decoded as UTF-8 with Python 2's rules, or `"0x"` + `hexPreview` if that fails.
    ///
    /// `.utf16` when the decoded text contains a surrogate (Python 2 decodes `ED A0 80` to a lone
    /// U+D800), `.string` otherwise.
    public var textPreview: JSONValue {
        var bytes = shownBytes
        if isTruncated { bytes.append(contentsOf: " ...".utf8) }
        guard let decoded = Python2UTF8.decode(bytes) else {
            return .string("0x" + hexPreview)
        }
        if decoded.hasSurrogate { return .utf16(units: decoded.units) }
        return .string(String(decoding: decoded.units, as: UTF16.self))
    }

    /// `[length, hexPreview]`, as in the `RO` / `TO` wire-log entries.
    var hexPair: JSONValue {
        .array([.int(length), .string(hexPreview)])
    }

    /// `[length, textPreview]`, as in the `RF` / `TF` wire-log entries.
    var textPair: JSONValue {
        .array([.int(length), textPreview])
    }
}
