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
}
