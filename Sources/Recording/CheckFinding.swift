/// What a case's own check found — the echo check (9.x) or the message loop (12.x, 13.x) — as facts; the judge
/// words them.
public enum CheckFinding: Sendable, Equatable {
    /// Every echo arrived as it was sent: `rounds` round trips; the type and length of the last one.
    case echoed(rounds: Int, binary: Bool, length: Int)
    /// Echo `round` (1-based) differed in type or length from what was sent.
    case echoDiffers(round: Int, sentBinary: Bool, sentLength: Int, gotBinary: Bool, gotLength: Int)
    /// Echo `round` differed from what was sent at payload octet `offset`.
    case echoContentDiffers(round: Int, offset: Int, sent: UInt8, got: UInt8)
    /// A data message arrived although the case had sent none.
    case unsolicited(binary: Bool)
    /// A message loop started; it ends with one of the `loop` findings below, or stays so when it never finished.
    case loopStarted
    /// The loop needs permessage-deflate, which the peer did not accept.
    case loopCompressionNotNegotiated
    /// An echo of the loop had the wrong type (`gotBinary`), length (in the loop's units) or contents.
    case loopTypeDiffers(gotBinary: Bool)
    case loopLengthDiffers(got: Int)
    case loopContentDiffers(gotSHA1: [UInt8], sentSHA1: [UInt8])
    /// Every message of the loop came back as sent.
    case loopCompleted
}
