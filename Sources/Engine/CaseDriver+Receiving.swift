import NIOCore
import Recording
import WebSocketWire

/// Receiving: frames, messages, control frames, the peer's Close, the receive limits and the auto-close.
extension CaseDriver {
    mutating func processFrames() {
        while state != .closed, let event = parser.next() {
            switch event {
            case .frameBegin(let header, let violations):
                let declared = incoming.frameBegins(header)
                for violation in violations {
                    failConnection(code: CloseCode(violation.closeCode), reason: violation.reason)
                    if state == .closed { return }
                }
                if !header.opcode.isControl && declared > limits.maxMessageSize && !recording.closing.failedByMe {
                    failOverLimit(limits.exceededReason())
                    if state == .closed { return }
                }
                if header.opcode.isControl {
                    incoming.control = []
                } else if incoming.dataFrameStarts(header) {
                    deflate?.beginMessage(rsv: header.rsv)
                    echo?.messageStarts()
                }
            case .payload(let chunk):
                payloadReceived(chunk)
            case .frameEnd(let header):
                incoming.frame = nil
                frameEnded(header)
            }
        }
    }

    /// A piece of the current frame's payload. Nothing of a frame beyond the receive limit is stored. (Control
    /// frames longer than 125 octets already break a rule; the limit only keeps them from being stored.)
    private mutating func payloadReceived(_ chunk: ByteBuffer, inflated: Bool = false) {
        guard let header = incoming.frame, header.payloadLength <= max(limits.maxMessageSize, 125) else { return }
        if header.opcode.isControl {
            incoming.control.append(contentsOf: chunk.readableBytesView)
            return
        }
        var chunk = chunk
        if !inflated {
            guard let plain = inflateIncoming(chunk) else { return }
            chunk = plain
        }
        if let index = incoming.invalidUTF8(in: chunk) {
            failConnection(
                code: .invalidPayload,
                reason: "encountered invalid UTF-8 while processing text message at payload octet index \(index)")
            if state == .closed { return }
        }
        guard !recording.closing.failedByMe else { return }
        incoming.preview(chunk)
        if echo != nil {
            echo!.consume(chunk)
        } else {
            incoming.data.append(contentsOf: chunk.readableBytesView)
        }
    }

    private mutating func frameEnded(_ header: FrameHeader) {
        if header.opcode.isControl {
            let payload = incoming.control
            recorder.rxFrame(
                payload: BytePreview(payload), opcode: header.opcode.rawValue, fin: header.fin, rsv: header.rsv,
                mask: header.maskKey?.array)
            processControlFrame(header.opcode, payload)
            return
        }
        recorder.rxFrame(
            payload: incoming.framePreview, opcode: header.opcode.rawValue, fin: header.fin, rsv: header.rsv,
            mask: header.maskKey?.array)
        if state == .open { traffic.incomingWebSocketFrames += 1 }
        guard header.fin else { return }
        if deflate?.receivingCompressed == true {
            guard let tail = finishIncomingMessage() else { return }
            if tail.readableBytes > 0 {
                incoming.frame = header
                payloadReceived(tail, inflated: true)
                incoming.frame = nil
                if state == .closed { return }
            }
        }
        if state == .open { traffic.incomingWebSocketMessages += 1 }
        if let index = incoming.messageEnds() {
            failConnection(
                code: .invalidPayload,
                reason: "UTF-8 text message payload ended within Unicode code point at payload octet index \(index)")
            if state == .closed { return }
        }
        guard !recording.closing.failedByMe else { return }
        if echo != nil {
            echoReceived(binary: incoming.binary)
            return
        }
        let data = incoming.data
        incoming.data = []
        if loop != nil {
            loopReceived(data, binary: incoming.binary)
            return
        }
        guard keepsSurplusEvent(size: data.capacity) else { return }
        recording.received.append(.message(data, binary: incoming.binary))
        finishWhenDone()
    }

    private mutating func processControlFrame(_ opcode: Opcode, _ payload: [UInt8]) {
        switch opcode {
        case .close:
            var code: CloseCode?
            var reason: [UInt8]?
            if payload.count > 1 { code = CloseCode(UInt16(payload[0]) << 8 | UInt16(payload[1])) }
            if payload.count > 2 { reason = Array(payload[2...]) }
            closeFrameReceived(code: code, reason: reason)
        case .ping:
            if state == .open { sendFrame(opcode: .pong, pattern: payload) }
        case .pong:
            guard keepsSurplusEvent(size: payload.count) else { return }
            recording.received.append(.pong(payload))
            finishWhenDone()
        default:
            break
        }
    }

    private mutating func closeFrameReceived(code: CloseCode?, reason: [UInt8]?) {
        recording.closing.remoteCloseCode = code
        if let code, !code.isValidOnWire {
            failConnection(code: .protocolError, reason: "invalid close code \(code)")
        }
        if let reason {
            guard UTF8Validator.isValid(reason) else {
                failConnection(code: .invalidPayload, reason: "invalid close reason (non-UTF-8 payload)")
                // The reference stops processing this frame here; the reason stays unset.
                dropConnection(flushFirst: true)
                return
            }
            recording.closing.remoteCloseReason = String(decoding: reason, as: UTF8.self)
        } else {
            recording.closing.remoteCloseReason = nil
        }
        // As the reference's server does, the server role closes TCP itself once the close handshake is done:
        // at once after the peer's reply (RFC 6455 §7.1.1: the server closes first), after flushing its own reply
        // when the peer closed first. The client role waits for the server to drop TCP.
        switch state {
        case .closing:
            actions.append(.cancel(.closeHandshake))
            recording.closing.wasClean = true
            if role == .server {
                dropConnection(flushFirst: false)
            } else {
                actions.append(.schedule(.serverDrop, seconds: timeouts.serverDrop))
            }
        case .open:
            recording.closing.wasClean = true
            sendCloseFrame(code: 1000, reason: nil, isReply: true)
            if role == .server { dropConnection(flushFirst: true) }
        case .closed:
            recording.closing.wasClean = false
        case .connecting:
            break
        }
    }

    /// Whether an event of `size` octets is kept. Once there are more events than any expected list holds,
    /// the verdict cannot change, so a flooding peer gets to fill only `limits.maxMessageSize` more octets;
    /// beyond that the connection is failed (1009) and further events are not kept.
    private mutating func keepsSurplusEvent(size: Int) -> Bool {
        guard recording.received.count >= definition.expected.map(\.events.count).max() ?? 0 else { return true }
        // Every kept event also costs its bookkeeping; counted as 64 octets.
        surplusOctets += UInt64(size) + 64
        guard surplusOctets > limits.maxMessageSize else { return true }
        if !recording.closing.failedByMe {
            failOverLimit(
                "the server sent events beyond what the case expects until they exceeded wsspec's receive limit of \(limits.maxMessageSize) octets (--max-message-size)"
            )
        }
        return false
    }

    /// Fails the connection with 1009; while already closing that drops TCP, so the reason is kept as the
    /// reason the close was not clean.
    private mutating func failOverLimit(_ reason: String) {
        if state == .closing { recording.closing.wasNotCleanReason = reason }
        failConnection(code: .messageTooBig, reason: reason)
    }

    /// The reference's auto-close: once the events equal every expected list, the client closes.
    mutating func finishWhenDone() {
        guard definition.echo == nil else { return }
        for outcome in definition.expected where !Judge.matches(recording.received, outcome.events, interleave: definition.interleave) {
            return
        }
        if definition.close.closedByClient && definition.autoClose {
            sendClose(code: definition.close.codes.first.map { Int($0.rawValue) }, reason: nil)
        }
    }

    // MARK: - permessage-deflate

    /// The payload as the application sees it: inflated when the message is compressed. nil when the data could
    /// not be inflated; the connection is then failed (Close 1007, or 1009 for a message past the size limit) and
    /// TCP dropped at once, since nothing after corrupt compressed data can be trusted.
    private mutating func inflateIncoming(_ chunk: ByteBuffer) -> ByteBuffer? {
        let compressedCount = chunk.readableBytes
        guard let session = deflate, session.receivingCompressed else {
            if state == .open {
                traffic.incomingOctetsWebSocketLevel += compressedCount
                traffic.incomingOctetsAppLevel += compressedCount
            }
            return chunk
        }
        let plain: [UInt8]
        do {
            plain = try session.inflate(chunk)
        } catch {
            failInflate(error)
            return nil
        }
        if state == .open {
            traffic.incomingOctetsWebSocketLevel += compressedCount
            traffic.incomingOctetsAppLevel += plain.count
        }
        return ByteBuffer(bytes: plain)
    }

    /// The compressed message's last frame arrived: what the removed `00 00 ff ff` still releases.
    private mutating func finishIncomingMessage() -> ByteBuffer? {
        guard deflate != nil else { return ByteBuffer() }
        let tail: [UInt8]
        do {
            tail = try deflate!.endMessage()
        } catch {
            failInflate(error)
            return nil
        }
        if state == .open { traffic.incomingOctetsAppLevel += tail.count }
        return ByteBuffer(bytes: tail)
    }

    private mutating func failInflate(_ error: any Error) {
        let problem = error as? InflateError
        let code: CloseCode = problem?.kind == .tooLarge ? .messageTooBig : .invalidPayload
        failConnection(code: code, reason: String((problem?.message ?? "\(error)").prefix(123)))
        dropConnection(flushFirst: true)
    }
}
