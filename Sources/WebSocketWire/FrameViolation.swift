/// A rule of RFC 6455 that a received frame broke, as the reference client checks them.
///
/// `reason` is the text the client puts into the Close frame it fails the connection with.
public enum FrameViolation: Sendable, Equatable, CustomStringConvertible {
    case reservedBits(UInt8)
    case maskedServerFrame
    /// Only reported by a parser in the server role.
    case unmaskedClientFrame
    case fragmentedControlFrame
    case controlFrameTooLong
    case reservedControlOpcode(UInt8)
    case closeWithOneBytePayload
    case compressedControlFrame
    case reservedDataOpcode(UInt8)
    case continuationOutsideMessage
    case newMessageInsideMessage
    case compressedContinuation
    case nonMinimalLength
    case lengthTooLarge

    /// The close code the client fails the connection with.
    public var closeCode: UInt16 { 1002 }

    public var reason: String {
        switch self {
        case .reservedBits(let rsv): return "RSV = \(rsv) and no extension negotiated"
        case .maskedServerFrame: return "masked server-to-client frame"
        case .unmaskedClientFrame: return "unmasked client-to-server frame"
        case .fragmentedControlFrame: return "fragmented control frame"
        case .controlFrameTooLong: return "control frame with payload length > 125 octets"
        case .reservedControlOpcode(let op): return "control frame using reserved opcode \(op)"
        case .closeWithOneBytePayload: return "received close control frame with payload len 1"
        case .compressedControlFrame: return "received compressed control frame [permessage-deflate]"
        case .reservedDataOpcode(let op): return "data frame using reserved opcode \(op)"
        case .continuationOutsideMessage: return "received continuation data frame outside fragmented message"
        case .newMessageInsideMessage: return "received non-continuation data frame while inside fragmented message"
        case .compressedContinuation:
            return "received continuation data frame with compress bit set [permessage-deflate]"
        case .nonMinimalLength: return "invalid data frame length (not using minimal length encoding)"
        case .lengthTooLarge: return "invalid data frame length (>2^63)"
        }
    }

    public var description: String { reason }
}
