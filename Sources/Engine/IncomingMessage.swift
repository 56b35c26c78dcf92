import NIOCore
import Recording
import WebSocketWire

/// What is being received: the data message (its type, whether its text is still valid UTF-8, its octets unless
/// an echo check streams them), the frame being read (a preview for the wire log) and a control frame's payload.
struct IncomingMessage {
    /// Between the first and the final frame of a data message.
    private(set) var inside = false
    private(set) var binary = false
    private(set) var validatesUTF8 = false
    private(set) var validator = UTF8Validator()
    /// The message's octets, when they are kept.
    var data: [UInt8] = []
    /// The frame whose payload is arriving.
    var frame: FrameHeader?
    var control: [UInt8] = []
    /// The sum of the declared lengths of the message's frames (checked against the receive limit).
    private(set) var declaredLength: UInt64 = 0
    private var framePrefix: [UInt8] = []
    private var frameCount = 0

    /// A frame header arrived. Returns the message's declared length so far.
    mutating func frameBegins(_ header: FrameHeader) -> UInt64 {
        frame = header
        guard !header.opcode.isControl else { return declaredLength }
        if !inside { declaredLength = 0 }
        let (sum, overflow) = declaredLength.addingReportingOverflow(header.payloadLength)
        declaredLength = overflow ? .max : sum
        return declaredLength
    }

    /// A data frame's payload starts: a new message when none is open.
    /// - Returns: true when this frame starts a message.
    mutating func dataFrameStarts(_ header: FrameHeader) -> Bool {
        framePrefix = []
        frameCount = 0
        guard !inside else { return false }
        inside = true
        binary = header.opcode == .binary
        validatesUTF8 = header.opcode == .text
        validator.reset()
        data = []
        return true
    }

    /// Checks a piece of a text message; the index of the first invalid octet, if any.
    mutating func invalidUTF8(in chunk: ByteBuffer) -> Int? {
        guard validatesUTF8 else { return nil }
        if case .invalid(let index) = chunk.withUnsafeReadableBytes({ validator.validate($0) }) { return index }
        return nil
    }

    /// Notes a piece of the current data frame for its wire-log preview.
    mutating func preview(_ chunk: ByteBuffer) {
        if framePrefix.count < BytePreview.keptBytes {
            framePrefix.append(contentsOf: chunk.readableBytesView.prefix(BytePreview.keptBytes - framePrefix.count))
        }
        frameCount += chunk.readableBytes
    }

    var framePreview: BytePreview { BytePreview(prefix: framePrefix, length: frameCount) }

    /// The final frame ended. Returns where a text message stopped inside a code point, if it did.
    mutating func messageEnds() -> Int? {
        inside = false
        return validatesUTF8 && !validator.isComplete ? validator.count : nil
    }
}
