import CaseModel
import NIOCore
import Recording

/// The echo check (`echo` in a case file, 9.x): the data message the script sent is what each echo is compared
/// with, octet by octet as it arrives, and what a round trip sends again.
struct EchoCheckRun {
    /// The step that sent the message, for the next round.
    private(set) var source: Step?
    private var expected: (payload: Payload, binary: Bool)?
    private var matcher: PayloadMatcher?
    /// Round trips completed.
    private(set) var rounds = 0

    /// A step ran: a complete data message becomes what echoes are compared with.
    mutating func noteSource(_ step: Step) {
        switch step {
        case .send(let frame) where (frame.opcode == .text || frame.opcode == .binary) && frame.fin:
            let payload = frame.repeatLength.map { Payload.repeated(frame.payload, length: $0) } ?? frame.payload
            expected = (payload, frame.opcode == .binary)
            source = step
        case .message(let message):
            expected = (message.payload, message.binary)
            source = step
        default:
            break
        }
    }

    /// A data message starts arriving.
    mutating func messageStarts() {
        if let expected { matcher = PayloadMatcher(expecting: expected.payload) }
    }

    mutating func consume(_ chunk: ByteBuffer) {
        guard matcher != nil else { return }
        chunk.withUnsafeReadableBytes { matcher!.consume($0) }
    }

    /// A whole echo arrived: nil when it is right (the round counts), else what differs.
    mutating func messageEnds(binary: Bool) -> CheckFinding? {
        let matcher = self.matcher
        self.matcher = nil
        guard let sent = expected, let matcher else { return .unsolicited(binary: binary) }
        if binary != sent.binary || matcher.count != matcher.expectedLength {
            return .echoDiffers(
                round: rounds + 1, sentBinary: sent.binary, sentLength: matcher.expectedLength, gotBinary: binary,
                gotLength: matcher.count)
        }
        if let m = matcher.mismatch {
            // Beyond the reference, which compares type and length only.
            return .echoContentDiffers(round: rounds + 1, offset: m.offset, sent: m.sent, got: m.received)
        }
        rounds += 1
        lastLength = matcher.count
        return nil
    }

    /// The length of the last correct echo.
    private(set) var lastLength = 0
}
