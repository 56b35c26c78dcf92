/// One entry of a case's wire log (catalogue 1.7), as the runner records it.
public enum WireLogEntry: Sendable, Equatable {
    /// Octets read from TCP: `["RO", [len, hex]]`.
    case rxOctets(BytePreview)
    /// Octets written to TCP: `["TO", [len, hex], sync]`.
    case txOctets(BytePreview, sync: Bool)
    /// A frame received: `["RF", [len, text], opcode, fin, rsv, masked, maskHexOrNull]`.
    case rxFrame(payload: BytePreview, opcode: Int, fin: Bool, rsv: Int, mask: [UInt8]?)
    /// A frame queued for sending (the unrepeated pattern):
    /// `["TF", [len, text], opcode, fin, rsv, maskHexOrNull, repeatLen, chop, sync]`.
    case txFrame(
        payload: BytePreview, opcode: Int, fin: Bool, rsv: Int, mask: [UInt8]?,
        repeatLength: Int?, chopSize: Int?, sync: Bool
    )
    /// A delay armed: `["CT", seconds, tag]`.
    case delay(seconds: Double, tag: String?)
    /// A delay fired: `["CTE", tag]`.
    case delayFired(tag: String?)
    /// A kill timer armed: `["KL", seconds]`.
    case killAfter(seconds: Double)
    /// The kill timer fired: `["KLE"]`.
    case killFired
    /// A close timer armed: `["TI", seconds]`.
    case closeAfter(seconds: Double)
    /// The close timer fired: `["TIE"]`.
    case closeFired
    /// Wire logging switched on or off: `["WLM", enabled]`.
    case wirelog(enabled: Bool)

    /// The report form of the entry (see each case). Seconds are JSON integers when integral
    /// (`1`, `10`) and doubles otherwise (`0.5`), as the reference stores the case's numbers.
    public func json() -> JSONValue {
        switch self {
        case .rxOctets(let data):
            return .array([.string("RO"), data.hexPair])
        case let .txOctets(data, sync):
            return .array([.string("TO"), data.hexPair, .bool(sync)])
        case let .rxFrame(payload, opcode, fin, rsv, mask):
            return .array([
                .string("RF"), payload.textPair, .int(opcode), .bool(fin), .int(rsv),
                .bool(mask != nil), Self.maskJSON(mask),
            ])
        case let .txFrame(payload, opcode, fin, rsv, mask, repeatLength, chopSize, sync):
            return .array([
                .string("TF"), payload.textPair, .int(opcode), .bool(fin), .int(rsv),
                Self.maskJSON(mask), repeatLength.map(JSONValue.int) ?? .null,
                chopSize.map(JSONValue.int) ?? .null, .bool(sync),
            ])
        case let .delay(seconds, tag):
            return .array([.string("CT"), Self.secondsJSON(seconds), Self.tagJSON(tag)])
        case .delayFired(let tag):
            return .array([.string("CTE"), Self.tagJSON(tag)])
        case .killAfter(let seconds):
            return .array([.string("KL"), Self.secondsJSON(seconds)])
        case .killFired:
            return .array([.string("KLE")])
        case .closeAfter(let seconds):
            return .array([.string("TI"), Self.secondsJSON(seconds)])
        case .closeFired:
            return .array([.string("TIE")])
        case .wirelog(let enabled):
            return .array([.string("WLM"), .bool(enabled)])
        }
    }

    /// A number of seconds as the reference stores it: integral values as JSON integers.
    static func secondsJSON(_ seconds: Double) -> JSONValue {
        if seconds.isFinite, seconds.rounded() == seconds, abs(seconds) < 1e15 {
            return .int(Int(seconds))
        }
        return .double(seconds)
    }

    private static func tagJSON(_ tag: String?) -> JSONValue {
        tag.map(JSONValue.string) ?? .null
    }

    private static func maskJSON(_ mask: [UInt8]?) -> JSONValue {
        guard let mask else { return .null }
        return .string(mask.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 0x10 ? "0" + hex : hex
        }.joined())
    }
}
