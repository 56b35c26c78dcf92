/// How the payload length of a frame is written on the wire.
public enum LengthEncoding: Sendable, Equatable {
    /// The shortest form RFC 6455 requires (7 bits, then 16, then 64).
    case minimal
    /// Always the 16-bit extended form (non-minimal below 126).
    case extended16
    /// Always the 64-bit extended form (non-minimal below 65536).
    case extended64
}

/// The header of one frame as it goes on the wire. Every field is free, so a frame may break any rule:
/// reserved opcodes, any RSV value, a declared length that differs from the payload actually sent.
public struct FrameHeader: Sendable, Equatable {
    public var fin: Bool
    /// RSV1 = 4, RSV2 = 2, RSV3 = 1.
    public var rsv: UInt8
    public var opcode: Opcode
    /// The masking key, or nil for an unmasked frame.
    public var maskKey: MaskKey?
    /// The payload length written into the header.
    public var payloadLength: UInt64
    public var lengthEncoding: LengthEncoding

    public init(
        fin: Bool = true, rsv: UInt8 = 0, opcode: Opcode, maskKey: MaskKey? = nil,
        payloadLength: UInt64, lengthEncoding: LengthEncoding = .minimal
    ) {
        self.fin = fin
        self.rsv = rsv & 0x7
        self.opcode = opcode
        self.maskKey = maskKey
        self.payloadLength = payloadLength
        self.lengthEncoding = lengthEncoding
    }

    /// The number of octets this header takes on the wire.
    public var encodedSize: Int {
        var size = 2 + (maskKey == nil ? 0 : 4)
        switch effectiveEncoding {
        case .minimal: break
        case .extended16: size += 2
        case .extended64: size += 8
        }
        return size
    }

    var effectiveEncoding: LengthEncoding {
        switch lengthEncoding {
        case .minimal:
            if payloadLength <= 125 { return .minimal }
            return payloadLength <= 0xFFFF ? .extended16 : .extended64
        case .extended16:
            return payloadLength <= 0xFFFF ? .extended16 : .extended64
        case .extended64:
            return .extended64
        }
    }

    /// Appends the encoded header to `out`.
    public func encode(into out: inout [UInt8]) {
        out.append((fin ? 0x80 : 0) | (rsv & 0x7) << 4 | opcode.rawValue)
        let maskBit: UInt8 = maskKey == nil ? 0 : 0x80
        switch effectiveEncoding {
        case .minimal:
            out.append(maskBit | UInt8(payloadLength))
        case .extended16:
            out.append(maskBit | 126)
            out.append(UInt8(truncatingIfNeeded: payloadLength >> 8))
            out.append(UInt8(truncatingIfNeeded: payloadLength))
        case .extended64:
            out.append(maskBit | 127)
            for shift in stride(from: 56, through: 0, by: -8) {
                out.append(UInt8(truncatingIfNeeded: payloadLength >> UInt64(shift)))
            }
        }
        if let maskKey {
            out.append(contentsOf: maskKey.array)
        }
    }
}
