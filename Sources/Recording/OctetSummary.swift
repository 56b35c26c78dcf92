/// Short, safe words for octets a peer sent: a text that is printable UTF-8 in quotes, with control characters,
/// quotes and backslashes escaped, cut after `maxCharacters`; anything else as hex, cut after `maxHexOctets`.
/// Always followed by the length. Nothing in the result can move a terminal's cursor or open markup unescaped
/// by the renderer.
public enum OctetSummary {
    public static let maxCharacters = 40
    public static let maxHexOctets = 16

    /// `'Hello, world!' (13 octets)`, `0x00ff… (200 octets)`, `empty`.
    public static func describe(_ bytes: some Collection<UInt8>, length: Int? = nil) -> String {
        let total = length ?? bytes.count
        if total == 0 { return "empty" }
        return "\(preview(bytes, length: total)) (\(total) octet\(total == 1 ? "" : "s"))"
    }

    /// The preview alone, without the length.
    public static func preview(_ bytes: some Collection<UInt8>, length: Int? = nil) -> String {
        let total = length ?? bytes.count
        let shown = Array(bytes.prefix(maxCharacters * 4))
        let cut = shown.count < total
        if let text = decodeStrictly(shown, allowCutEnd: cut) {
            var out = "'"
            var characters = 0
            var truncated = cut
            for scalar in text.unicodeScalars {
                if characters == maxCharacters {
                    truncated = true
                    break
                }
                out += escape(scalar)
                characters += 1
            }
            return out + "'" + (truncated ? "…" : "")
        }
        let hex = shown.prefix(maxHexOctets).map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
        }.joined()
        return "0x" + hex + (total > maxHexOctets ? "…" : "")
    }

    /// A text the peer controls (a close reason, a header), quoted and escaped like a payload.
    public static func quote(_ text: String) -> String {
        preview(Array(text.utf8))
    }

    /// A sentence of wsspec's own that may carry a peer's text: controls escaped, not quoted, cut after
    /// `maxCharacters` with `…`.
    public static func plain(_ text: String, maxCharacters: Int = 300) -> String {
        var out = ""
        var characters = 0
        for scalar in text.unicodeScalars {
            if characters == maxCharacters { return out + "…" }
            out += scalar == "'" || scalar == "\\" ? String(scalar) : escape(scalar)
            characters += 1
        }
        return out
    }

    private static func escape(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "'": return "\\'"
        case "\\": return "\\\\"
        case "\n": return "\\n"
        case "\r": return "\\r"
        case "\t": return "\\t"
        default:
            let v = scalar.value
            // C0, DEL, C1 controls and the bidirectional overrides and isolates.
            if v < 0x20 || (0x7F...0x9F).contains(v) || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) {
                return v <= 0xFF ? "\\x" + hex2(v) : "\\u{" + String(v, radix: 16) + "}"
            }
            return String(scalar)
        }
    }

    private static func hex2(_ v: UInt32) -> String {
        let s = String(v, radix: 16)
        return s.count == 1 ? "0" + s : s
    }

    /// The octets as UTF-8, or nil when they are not; a sequence cut at the end is dropped when `allowCutEnd`.
    private static func decodeStrictly(_ bytes: [UInt8], allowCutEnd: Bool) -> String? {
        var bytes = bytes
        for _ in 0..<4 {
            if let text = String(validating: bytes, as: UTF8.self) { return text }
            guard allowCutEnd, !bytes.isEmpty else { return nil }
            bytes.removeLast()
        }
        return nil
    }
}
