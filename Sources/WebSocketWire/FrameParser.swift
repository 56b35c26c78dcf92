import NIOCore

/// An incremental parser of frames sent by a server (or, with `role: .server`, by a client).
///
/// Bytes go in with `append`; `next()` hands out what can be told so far: the header of a frame (with
/// every rule it breaks), pieces of its unmasked payload as they arrive, and its end. A broken rule
/// does not stop parsing: the client that reports it still reads on to find the server's Close.
public struct FrameParser: Sendable {
    public enum Event: Sendable, Equatable {
        case frameBegin(FrameHeader, violations: [FrameViolation])
        /// A piece of the current frame's payload, unmasked.
        case payload(ByteBuffer)
        case frameEnd(FrameHeader)
    }

    /// Which end of the connection parses: a client reads server frames, which must not be masked; a
    /// server reads client frames, which must be.
    public enum Role: Sendable, Equatable {
        case client
        case server
    }

    public let role: Role
    /// Whether permessage-deflate was negotiated, which makes RSV1 legal on a message's first frame.
    public var compressionNegotiated: Bool
    /// True between the first and the final frame of a data message.
    public private(set) var insideMessage = false

    private var buffer: ByteBuffer
    private var current: FrameHeader?
    private var payloadSeen: UInt64 = 0

    public init(role: Role = .client, compressionNegotiated: Bool = false) {
        self.role = role
        self.compressionNegotiated = compressionNegotiated
        self.buffer = ByteBuffer()
    }

    /// Octets received but not yet handed out.
    public var bufferedCount: Int { buffer.readableBytes }

    public mutating func append(_ bytes: ByteBuffer) {
        var bytes = bytes
        if buffer.readableBytes == 0 {
            buffer = bytes
        } else {
            // Only the unread rest (a partial header: payload is handed out as it arrives) is carried over,
            // into a buffer of its own. Writing onto the old one would keep every octet read before it alive:
            // a thousand 128 KiB messages whose reads end mid-header held 130 MB.
            var merged = ByteBufferAllocator().buffer(capacity: buffer.readableBytes + bytes.readableBytes)
            merged.writeBuffer(&buffer)
            merged.writeBuffer(&bytes)
            buffer = merged
        }
    }

    public mutating func append(_ bytes: [UInt8]) {
        append(ByteBuffer(bytes: bytes))
    }

    /// The next event, or nil when more bytes are needed.
    public mutating func next() -> Event? {
        guard let header = current else { return parseHeader() }
        let remaining = header.payloadLength - payloadSeen
        if remaining == 0 {
            current = nil
            payloadSeen = 0
            if !header.opcode.isControl && header.fin { insideMessage = false }
            return .frameEnd(header)
        }
        guard buffer.readableBytes > 0 else { return nil }
        let take = Int(min(UInt64(buffer.readableBytes), remaining))
        var chunk = buffer.readSlice(length: take)!
        if buffer.readableBytes == 0 { buffer.clear() }
        if let key = header.maskKey {
            let offset = Int(payloadSeen & 3)
            // Unmask a private copy: the slice shares storage with the receive buffer.
            var owned = ByteBuffer()
            owned.reserveCapacity(take)
            owned.writeBuffer(&chunk)
            owned.withUnsafeMutableReadableBytes { key.apply(to: $0, offset: offset) }
            chunk = owned
        }
        payloadSeen += UInt64(take)
        return .payload(chunk)
    }

    private mutating func parseHeader() -> Event? {
        guard buffer.readableBytes >= 2,
            let b0 = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self),
            let b1 = buffer.getInteger(at: buffer.readerIndex + 1, as: UInt8.self)
        else { return nil }
        let fin = b0 & 0x80 != 0
        let rsv = (b0 >> 4) & 0x7
        let opcode = Opcode(rawValue: b0 & 0x0F)
        let masked = b1 & 0x80 != 0
        let length7 = b1 & 0x7F
        let extra = (length7 == 126 ? 2 : length7 == 127 ? 8 : 0) + (masked ? 4 : 0)
        guard buffer.readableBytes >= 2 + extra else { return nil }

        var violations: [FrameViolation] = []
        if rsv != 0 && !(compressionNegotiated && rsv == 4) {
            violations.append(.reservedBits(rsv))
        }
        switch role {
        case .client: if masked { violations.append(.maskedServerFrame) }
        case .server: if !masked { violations.append(.unmaskedClientFrame) }
        }
        if opcode.isControl {
            if !fin { violations.append(.fragmentedControlFrame) }
            if length7 > 125 { violations.append(.controlFrameTooLong) }
            if ![Opcode.close, .ping, .pong].contains(opcode) {
                violations.append(.reservedControlOpcode(opcode.rawValue))
            }
            if opcode == .close && length7 == 1 { violations.append(.closeWithOneBytePayload) }
            if compressionNegotiated && rsv == 4 { violations.append(.compressedControlFrame) }
        } else {
            if opcode.rawValue > 2 { violations.append(.reservedDataOpcode(opcode.rawValue)) }
            if !insideMessage && opcode == .continuation { violations.append(.continuationOutsideMessage) }
            if insideMessage && opcode != .continuation { violations.append(.newMessageInsideMessage) }
            if compressionNegotiated && rsv == 4 && insideMessage { violations.append(.compressedContinuation) }
        }

        buffer.moveReaderIndex(forwardBy: 2)
        var length = UInt64(length7)
        var encoding = LengthEncoding.minimal
        if length7 == 126 {
            length = UInt64(buffer.readInteger(as: UInt16.self)!)
            encoding = .extended16
            if length < 126 { violations.append(.nonMinimalLength) }
        } else if length7 == 127 {
            length = buffer.readInteger(as: UInt64.self)!
            encoding = .extended64
            if length > 0x7FFF_FFFF_FFFF_FFFF { violations.append(.lengthTooLarge) }
            if length < 65536 { violations.append(.nonMinimalLength) }
        }
        var key: MaskKey?
        if masked, let bytes = buffer.readBytes(length: 4) { key = MaskKey(bytes) }
        if buffer.readableBytes == 0 { buffer.clear() }

        let header = FrameHeader(
            fin: fin, rsv: rsv, opcode: opcode, maskKey: key, payloadLength: length, lengthEncoding: encoding)
        if !opcode.isControl && !insideMessage { insideMessage = true }
        current = header
        payloadSeen = 0
        return .frameBegin(header, violations: violations)
    }
}
