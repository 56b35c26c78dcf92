import JSONCodec
import Recording
/// The UTF-8 decoder of Python 2, which the reference uses for its text previews.
///
/// It is strict UTF-8 with one exception: encoded UTF-16 surrogates (`ED A0 80` … `ED BF BF`) are
/// accepted and decoded to lone surrogate code points. Overlong forms, code points above
/// U+10FFFF, 5- and 6-byte forms, stray continuation bytes and truncated sequences are rejected.
enum Python2UTF8 {
    /// The decoded text as UTF-16 units and whether it contains a surrogate code point (which is
    /// then kept as its own unit, even if it happens to pair with a neighbour); `nil` if the
    /// bytes are not acceptable to Python 2.
    static func decode(_ bytes: [UInt8]) -> (units: [UInt16], hasSurrogate: Bool)? {
        var units: [UInt16] = []
        units.reserveCapacity(bytes.count)
        var hasSurrogate = false
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            if lead < 0x80 {
                units.append(UInt16(lead))
                index += 1
                continue
            }
            let length: Int
            let secondRange: ClosedRange<UInt8>
            switch lead {
            case 0xC2...0xDF: length = 2; secondRange = 0x80...0xBF
            case 0xE0: length = 3; secondRange = 0xA0...0xBF           // no overlongs
            case 0xE1...0xEF: length = 3; secondRange = 0x80...0xBF    // ED A0–BF (surrogates) allowed
            case 0xF0: length = 4; secondRange = 0x90...0xBF           // no overlongs
            case 0xF1...0xF3: length = 4; secondRange = 0x80...0xBF
            case 0xF4: length = 4; secondRange = 0x80...0x8F           // nothing above U+10FFFF
            default: return nil                                        // C0, C1, F5–FF, continuation
            }
            guard index + length <= bytes.count, secondRange.contains(bytes[index + 1]) else { return nil }
            var scalar = UInt32(lead) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
            for offset in 1..<length {
                let byte = bytes[index + offset]
                guard byte & 0xC0 == 0x80 else { return nil }
                scalar = scalar << 6 | UInt32(byte & 0x3F)
            }
            if scalar >= 0xD800 && scalar <= 0xDFFF {
                hasSurrogate = true
                units.append(UInt16(scalar))
            } else if scalar >= 0x10000 {
                let offset = scalar - 0x10000
                units.append(UInt16(0xD800 + (offset >> 10)))
                units.append(UInt16(0xDC00 + (offset & 0x3FF)))
            } else {
                units.append(UInt16(scalar))
            }
            index += length
        }
        return (units, hasSurrogate)
    }
}
