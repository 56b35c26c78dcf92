import NIOCore
import Recording
import WebSocketWire

/// Sending, failing and closing.
extension CaseDriver {
    mutating func sendFrame(
        opcode: Opcode, pattern: [UInt8], fin: Bool = true, rsv: UInt8 = 0, repeatLength: Int? = nil, chop: Int? = nil,
        sync: Bool = false
    ) {
        let length = pattern.isEmpty ? 0 : (repeatLength ?? pattern.count)
        let key = role.masksOutgoing ? MaskKey.random(using: &generator) : nil
        let header = FrameHeader(fin: fin, rsv: rsv, opcode: opcode, maskKey: key, payloadLength: UInt64(length))
        recorder.txFrame(
            payload: BytePreview(pattern), opcode: opcode.rawValue, fin: fin, rsv: rsv, mask: key?.array,
            repeatLength: repeatLength, chop: chop, sync: sync)
        var buffer = allocator.buffer(capacity: header.encodedSize + length)
        FrameEncoder.encode(header, pattern: pattern, repeatedTo: repeatLength, into: &buffer)
        sendData(buffer, sync: sync, chop: chop)
    }

    /// A data message, fragmented as the reference does (an exact multiple ends with an empty frame); RSV1 (`rsv`)
    /// on the first frame only.
    mutating func sendMessage(_ payload: [UInt8], binary: Bool, fragmentSize: Int?, sync: Bool = false, rsv: UInt8 = 0) {
        guard state == .open else { return }
        let opcode: Opcode = binary ? .binary : .text
        guard let size = fragmentSize, payload.count > size else {
            traffic.outgoingWebSocketFrames += 1
            sendFrame(opcode: opcode, pattern: payload, rsv: rsv, sync: sync)
            return
        }
        var start = 0
        while true {
            let end = min(start + size, payload.count)
            let done = start + size > payload.count
            traffic.outgoingWebSocketFrames += 1
            sendFrame(
                opcode: start == 0 ? opcode : .continuation, pattern: Array(payload[start..<end]), fin: done,
                rsv: start == 0 ? rsv : 0, sync: sync)
            if done { break }
            start += size
        }
    }

    mutating func sendClose(code: Int?, reason: String?) {
        var reasonBytes = reason.map { Array($0.utf8) }
        if let r = reasonBytes, r.count + 2 > 125 { reasonBytes = Array(r.prefix(120)) + Array("...".utf8) }
        sendCloseFrame(code: code, reason: reasonBytes, isReply: false)
    }

    mutating func sendCloseFrame(code: Int?, reason: [UInt8]?, isReply: Bool) {
        guard state == .open else { return }
        sendFrame(opcode: .close, pattern: FrameEncoder.closePayload(code: code.map { UInt16(truncatingIfNeeded: $0) }, reason: reason))
        state = .closing
        recording.closing.closedByMe = !isReply
        recording.closing.localCloseCode = code.map { CloseCode(UInt16(truncatingIfNeeded: $0)) }
        recording.closing.localCloseReason = reason.map { bytes in
            UTF8Validator.isValid(bytes) ? String(decoding: bytes, as: UTF8.self) : hex(bytes)
        }
        if !isReply { actions.append(.schedule(.closeHandshake, seconds: timeouts.closeHandshake)) }
    }

    mutating func sendData(_ bytes: ByteBuffer, sync: Bool, chop: Int?) {
        perform(writes.send(bytes, sync: sync, chop: chop))
    }

    /// Performs what the write queue asks for.
    mutating func perform(_ outputs: [WriteQueue.Output]) {
        for output in outputs {
            switch output {
            case .write(let bytes, let sync): write(bytes, sync: sync)
            case .scheduleTurn: actions.append(.scheduleWriteTurn)
            }
        }
    }

    private mutating func write(_ bytes: ByteBuffer, sync: Bool) {
        guard state != .closed else { return }
        recorder.txOctets(bytes.readableBytesView, sync: sync)
        countOutgoingOctets(bytes.readableBytes)
        actions.append(.write(bytes))
    }

    /// Fails the WebSocket connection (RFC 6455 §7.1.7): a Close with `code` while open, else TCP dropped.
    mutating func failConnection(code: CloseCode = .goingAway, reason: String = "Going Away") {
        guard state != .closed else { return }
        recording.closing.failedByMe = true
        if state != .closing {
            sendCloseFrame(code: Int(code.rawValue), reason: Array(Array(reason.utf8).prefix(123)), isReply: false)
        } else {
            dropConnection(flushFirst: true)
        }
    }

    mutating func dropConnection(flushFirst: Bool) {
        guard state != .closed else { return }
        recording.closing.droppedByMe = true
        state = .closed
        actions.append(.close(flushFirst: flushFirst))
    }

    mutating func countIncomingOctets(_ count: Int) {
        switch state {
        case .connecting: traffic.preopenIncomingOctetsWireLevel += count
        case .open: traffic.incomingOctetsWireLevel += count
        default: break
        }
    }

    mutating func countOutgoingOctets(_ count: Int) {
        switch state {
        case .connecting: traffic.preopenOutgoingOctetsWireLevel += count
        case .open: traffic.outgoingOctetsWireLevel += count
        default: break
        }
    }
}

func hex(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    for b in bytes {
        out.append(digits[Int(b >> 4)])
        out.append(digits[Int(b & 0xF)])
    }
    return String(decoding: out, as: UTF8.self)
}
