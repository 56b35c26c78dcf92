import NIOCore
import WebSocketWire

/// The protocol logic of one echo-server connection, without sockets.
///
/// Bytes read from the client go in with `received(_:)`; the answer is a list of actions for the caller to carry
/// out in order: bytes to write, and whether to close TCP after writing them. The machine applies RFC 6455
/// strictly: any framing error fails the connection with Close 1002, invalid UTF-8 in a text message with 1007
/// (as soon as the offending octet arrives, even inside a frame not yet complete), a message longer than
/// `maxMessageSize` with 1009.
public struct EchoConnectionStateMachine: Sendable {
    public enum Action: Sendable, Equatable {
        /// Write these octets to the client.
        case write(ByteBuffer)
        /// Close the TCP connection once everything written before has gone out.
        case close
    }

    public enum Phase: Sendable, Equatable {
        /// Reading the client's opening handshake.
        case awaitingHandshake
        /// The WebSocket connection is open.
        case open
        /// The closing handshake happened or the connection was failed; further input is ignored.
        case closed
    }

    public private(set) var phase: Phase = .awaitingHandshake
    /// The close code the server sent, once it sent a Close (nil when it sent an empty Close or none).
    public private(set) var sentCloseCode: UInt16?

    private let configuration: EchoServerConfiguration

    // Handshake.
    private var request = ByteBuffer()
    private var scannedUpTo = 0

    // Frames.
    private var parser = FrameParser(role: .server)
    /// The header of the frame being read, between its begin and end events.
    private var currentFrame: FrameHeader?
    /// Payload of the control frame being read (at most 125 octets).
    private var control = ByteBuffer()
    /// Opcode (text or binary) of the data message being read, nil outside a message.
    private var messageOpcode: Opcode?
    /// Payload of the data message being read, after `headroom` octets kept free for the reply's header.
    private var message = ByteBuffer()
    private var utf8 = UTF8Validator()

    // permessage-deflate, when the client offered it (RFC 7692).
    private var deflate: (parameters: DeflateParameters, inflater: MessageInflater, deflater: MessageDeflater)?
    /// The message being read started with RSV1.
    private var receivingCompressed = false

    /// Room in front of a message's payload for the longest frame header (2 + 8 octets), so that the echo is
    /// written as one buffer without copying the payload again.
    private static let headroom = 10

    /// zlib's memory level for a window of `windowBits`: a hash table about the window's size. zlib slides its whole
    /// hash table each time the window fills, so memLevel 8's 32 Ki entries cost 64 steps per octet with a
    /// 512-octet window — six times the time of the compression itself.
    static func memLevel(windowBits: Int) -> Int32 { Int32(min(8, max(1, windowBits - 6))) }

    public init(configuration: EchoServerConfiguration = EchoServerConfiguration()) {
        self.configuration = configuration
    }

    // The client role (`wsspec echo-client`): the machine writes the opening request, validates the answer, masks
    // what it sends (RFC 6455 §5.3) and requires the server's frames to be unmasked.
    private var clientRequest: HandshakeRequest?
    private var maskKeys = SeededRandom(seed: 0)
    /// Text messages received, when `keepsText` (the control endpoints' answers).
    public private(set) var texts: [String] = []
    private var keepsText = false

    /// The client role: `request` is written by `start()`; with `keepsText`, text messages are kept in `texts`.
    public init(client request: HandshakeRequest, keepsText: Bool = false, seed: UInt64 = 1) {
        configuration = EchoServerConfiguration()
        clientRequest = request
        parser = FrameParser(role: .client)
        maskKeys = SeededRandom(seed: seed)
        self.keepsText = keepsText
    }

    /// What the client writes first: its opening request (nothing in the server role).
    public mutating func start() -> [Action] {
        guard let clientRequest else { return [] }
        return [.write(ByteBuffer(string: clientRequest.encoded()))]
    }

    /// In the client role every frame goes out masked; `frames` is one or more unmasked frames as written.
    private mutating func masked(_ actions: [Action]) -> [Action] {
        guard clientRequest != nil else { return actions }
        return actions.map { action in
            guard case .write(var frames) = action else { return action }
            var out = ByteBuffer()
            while frames.readableBytes > 0 {
                let b0 = frames.readInteger(as: UInt8.self)!
                let b1 = frames.readInteger(as: UInt8.self)!
                var length = UInt64(b1 & 0x7F)
                var lengthBytes: [UInt8] = []
                if length == 126 {
                    lengthBytes = frames.readBytes(length: 2)!
                    length = UInt64(lengthBytes[0]) << 8 | UInt64(lengthBytes[1])
                } else if length == 127 {
                    lengthBytes = frames.readBytes(length: 8)!
                    length = lengthBytes.reduce(0) { $0 << 8 | UInt64($1) }
                }
                var payload = frames.readBytes(length: Int(length))!
                let key = MaskKey.random(using: &maskKeys)
                key.apply(to: &payload, offset: 0)
                out.writeInteger(b0)
                out.writeInteger(b1 | 0x80)
                out.writeBytes(lengthBytes)
                out.writeBytes(key.array)
                out.writeBytes(payload)
            }
            return .write(out)
        }
    }

    // MARK: - Events

    /// Handles octets read from the client.
    public mutating func received(_ bytes: ByteBuffer) -> [Action] {
        masked(receivedUnmasked(bytes))
    }

    private mutating func receivedUnmasked(_ bytes: ByteBuffer) -> [Action] {
        switch phase {
        case .closed:
            return []
        case .open:
            parser.append(bytes)
            return processFrames()
        case .awaitingHandshake:
            var bytes = bytes
            request.writeBuffer(&bytes)
            return processHandshake()
        }
    }

    /// The opening handshake happened on an HTTP/2 stream (RFC 8441: an extended CONNECT, accepted by the edge):
    /// the WebSocket is open and frames follow as DATA. `extensionOffers` is the request's
    /// `sec-websocket-extensions`; the answer is the permessage-deflate response to send with `:status 200`, if any.
    public mutating func openedOverStream(extensionOffers: String?) -> String? {
        guard phase == .awaitingHandshake, clientRequest == nil else { return nil }
        phase = .open
        guard let parameters = extensionOffers.flatMap(DeflateParameters.acceptOffer) else { return nil }
        startDeflate(parameters)
        return parameters.headerValue
    }

    /// The client did not finish its opening handshake in time.
    public mutating func handshakeTimedOut() -> [Action] {
        guard phase == .awaitingHandshake else { return [] }
        phase = .closed
        return [.close]
    }

    /// The client closed its side of the TCP connection.
    public mutating func inputClosed() -> [Action] {
        guard phase != .closed else { return [] }
        phase = .closed
        return [.close]
    }

    // MARK: - Opening handshake

    /// permessage-deflate as agreed: the client's window is at most 15, and a larger reading window is always safe.
    private mutating func startDeflate(_ parameters: DeflateParameters) {
        deflate = (
            parameters,
            MessageInflater(
                windowBits: 15, noContextTakeover: parameters.clientNoContextTakeover,
                maxMessageSize: configuration.maxMessageSize),
            MessageDeflater(
                windowBits: parameters.serverWindowBits, noContextTakeover: parameters.serverNoContextTakeover,
                level: configuration.compressionLevel, memLevel: Self.memLevel(windowBits: parameters.serverWindowBits))
        )
        parser.compressionNegotiated = true
    }

    private mutating func processHandshake() -> [Action] {
        let limit = configuration.maxHandshakeSize
        let end = endOfHeaderBlock()
        guard let end, end <= limit else {
            guard end != nil || request.readableBytes > limit else { return [] }  // wait for more
            return reject(ServerHandshake.tooLarge(limit: limit, serverName: configuration.serverName))
        }
        let block = request.readBytes(length: end)!
        if let clientRequest { return answered(block, to: clientRequest) }  // the client role
        let outcome = ServerHandshake.evaluate(headerBlock: block, serverName: configuration.serverName)
        guard case .accept(let response, let parameters) = outcome else { return reject(outcome) }

        phase = .open
        if let parameters { startDeflate(parameters) }
        var actions: [Action] = [.write(ByteBuffer(string: response))]
        // Octets after the header block are already frames.
        let rest = request
        request = ByteBuffer()
        if rest.readableBytes > 0 {
            parser.append(rest)
            actions += processFrames()
        }
        return actions
    }

    /// The client role: the server's answer, validated as RFC 6455 §4.1 says (and RFC 7692 §7.1 for its
    /// permessage-deflate parameters); a refused answer closes TCP.
    private mutating func answered(_ block: [UInt8], to sent: HandshakeRequest) -> [Action] {
        var negotiated: DeflateParameters?
        let failure = HandshakeResponse(headerBlock: block).validate(key: sent.key, offeredProtocols: sent.protocols) {
            element in
            guard element.name == DeflateParameters.extensionName, negotiated == nil else {
                return HandshakeFailure("unexpected extension '\(element.name)'")
            }
            switch DeflateParameters.parseResponse(element) {
            case .success(let parameters):
                negotiated = parameters
                return nil
            case .failure(let failure):
                return failure
            }
        }
        guard failure == nil else {
            phase = .closed
            return [.close]
        }
        phase = .open
        if let parameters = negotiated {
            deflate = (
                parameters,
                // A reading window larger than the server's is always safe.
                MessageInflater(
                    windowBits: 15, noContextTakeover: parameters.serverNoContextTakeover,
                    maxMessageSize: configuration.maxMessageSize),
                MessageDeflater(
                    windowBits: parameters.clientWindowBits, noContextTakeover: parameters.clientNoContextTakeover,
                    level: configuration.compressionLevel, memLevel: Self.memLevel(windowBits: parameters.clientWindowBits))
            )
            parser.compressionNegotiated = true
        }
        let rest = request
        request = ByteBuffer()
        guard rest.readableBytes > 0 else { return [] }
        parser.append(rest)
        return processFrames()
    }

    private mutating func reject(_ outcome: ServerHandshake.Outcome) -> [Action] {
        phase = .closed
        request = ByteBuffer()
        guard case .reject(_, let response) = outcome else { return [.close] }
        return [.write(ByteBuffer(string: response)), .close]
    }

    /// The length of the header block (through CRLF CRLF) at the start of `request`, if it has all arrived.
    private mutating func endOfHeaderBlock() -> Int? {
        let found = HeaderBlock.end(in: request.readableBytesView, from: scannedUpTo)
        scannedUpTo = request.readableBytes
        return found
    }

    // MARK: - Frames

    private mutating func processFrames() -> [Action] {
        var actions: [Action] = []
        while phase == .open, let event = parser.next() {
            switch event {
            case .frameBegin(let header, let violations):
                if let violation = violations.first {
                    return actions + fail(code: 1002, reason: violation.reason)
                }
                currentFrame = header
                if header.opcode.isControl {
                    control.clear()
                    continue
                }
                if header.opcode != .continuation {
                    receivingCompressed = deflate != nil && header.rsv & 4 != 0
                    if receivingCompressed { deflate?.inflater.beginMessage() }
                    messageOpcode = header.opcode
                    utf8 = UTF8Validator()
                    message = ByteBuffer()
                    message.reserveCapacity(Self.headroom + Int(header.payloadLength.clamped(to: configuration.maxMessageSize)))
                    message.moveWriterIndex(to: Self.headroom)
                    message.moveReaderIndex(to: Self.headroom)
                }
                let total = UInt64(message.readableBytes) + header.payloadLength
                if total > UInt64(max(0, configuration.maxMessageSize)) {
                    return actions + fail(code: 1009, reason: "message larger than \(configuration.maxMessageSize) octets")
                }
                message.reserveCapacity(minimumWritableBytes: Int(header.payloadLength))

            case .payload(var chunk):
                guard let header = currentFrame else { continue }
                if header.opcode.isControl {
                    control.writeBuffer(&chunk)
                    continue
                }
                // Inflated octets go straight into the message; either way only the new ones are validated.
                let start = message.writerIndex
                if receivingCompressed, let inflater = deflate?.inflater {
                    do {
                        try chunk.withUnsafeReadableBytes { try inflater.inflate($0, into: &message) }
                    } catch {
                        return actions + failInflate(error)
                    }
                } else {
                    message.writeBuffer(&chunk)
                }
                if messageOpcode == .text, case .invalid = validateUTF8(from: start) {
                    return actions + fail(code: 1007, reason: "invalid UTF-8 in text message")
                }

            case .frameEnd(let header):
                currentFrame = nil
                switch header.opcode {
                case .ping:
                    actions.append(.write(Self.frame(opcode: .pong, payload: control)))
                case .pong:
                    break  // unsolicited pongs are ignored
                case .close:
                    return actions + closeReceived()
                default:
                    guard header.fin else { continue }
                    if receivingCompressed, let inflater = deflate?.inflater {
                        receivingCompressed = false
                        let start = message.writerIndex
                        do {
                            try inflater.endMessage(into: &message)
                        } catch {
                            return actions + failInflate(error)
                        }
                        if messageOpcode == .text, case .invalid = validateUTF8(from: start) {
                            return actions + fail(code: 1007, reason: "invalid UTF-8 in text message")
                        }
                    }
                    if messageOpcode == .text && !utf8.isComplete {
                        return actions + fail(code: 1007, reason: "text message ends inside a UTF-8 code point")
                    }
                    if keepsText && messageOpcode == .text { texts.append(String(buffer: message)) }
                    actions.append(.write(echo()))
                }
            }
        }
        return actions
    }

    /// The finished message as one unmasked frame, its header written into the headroom; compressed (RSV1) when
    /// permessage-deflate is in use.
    private mutating func echo() -> ByteBuffer {
        if let deflater = deflate?.deflater {
            // The compressed payload goes after room for the header, which is written in front of it.
            var out = ByteBuffer()
            out.writeRepeatingByte(0, count: Self.headroom)
            out.moveReaderIndex(forwardBy: Self.headroom)
            message.withUnsafeReadableBytes { deflater.compress($0, appendingTo: &out) }
            message = ByteBuffer()
            let opcode = messageOpcode ?? .binary
            messageOpcode = nil
            var head: [UInt8] = []
            FrameHeader(rsv: 4, opcode: opcode, payloadLength: UInt64(out.readableBytes)).encode(into: &head)
            let start = out.readerIndex - head.count
            out.setBytes(head, at: start)
            out.moveReaderIndex(to: start)
            return out
        }
        var out = message
        message = ByteBuffer()
        let opcode = messageOpcode ?? .binary
        messageOpcode = nil
        var head: [UInt8] = []
        FrameHeader(opcode: opcode, payloadLength: UInt64(out.readableBytes)).encode(into: &head)
        let start = out.readerIndex - head.count
        out.setBytes(head, at: start)
        out.moveReaderIndex(to: start)
        return out
    }

    /// Validates the message's octets from `start` to its end, continuing the text message's UTF-8 state.
    private mutating func validateUTF8(from start: Int) -> UTF8Validator.Result {
        let count = message.writerIndex - start
        return message.withUnsafeReadableBytes { raw in
            utf8.validate(UnsafeRawBufferPointer(rebasing: raw[(raw.count - count)...]))
        }
    }

    private mutating func closeReceived() -> [Action] {
        var payload = control
        guard payload.readableBytes > 0 else {
            // An empty Close is answered with an empty Close.
            phase = .closed
            return [.write(Self.frame(opcode: .close, payload: ByteBuffer())), .close]
        }
        // A payload of one octet was already refused by the parser.
        let code = payload.readInteger(as: UInt16.self)!
        guard CloseCode.isValidOnWire(Int(code)) else {
            return fail(code: 1002, reason: "invalid close code \(code)")
        }
        guard payload.withUnsafeReadableBytes({ UTF8Validator.isValid($0) }) else {
            return fail(code: 1007, reason: "invalid UTF-8 in close reason")
        }
        phase = .closed
        sentCloseCode = code
        var reply = ByteBuffer()
        reply.writeInteger(code)
        return [.write(Self.frame(opcode: .close, payload: reply)), .close]
    }

    /// Compressed data that cannot be inflated (1007), or inflates past the message size limit (1009).
    private mutating func failInflate(_ error: any Error) -> [Action] {
        let problem = error as? InflateError
        if problem?.kind == .tooLarge {
            return fail(code: 1009, reason: "message larger than \(configuration.maxMessageSize) octets")
        }
        return fail(code: 1007, reason: "invalid compressed data")
    }

    /// Fails the connection: a Close with `code` and `reason`, then TCP close.
    private mutating func fail(code: UInt16, reason: String) -> [Action] {
        phase = .closed
        sentCloseCode = code
        message = ByteBuffer()
        var payload = ByteBuffer()
        payload.writeInteger(code)
        payload.writeBytes(reason.utf8.prefix(123))  // the reasons are ASCII
        return [.write(Self.frame(opcode: .close, payload: payload)), .close]
    }

    /// A small unmasked, final frame.
    private static func frame(opcode: Opcode, payload: ByteBuffer) -> ByteBuffer {
        var head: [UInt8] = []
        FrameHeader(opcode: opcode, payloadLength: UInt64(payload.readableBytes)).encode(into: &head)
        var out = ByteBuffer()
        out.reserveCapacity(head.count + payload.readableBytes)
        out.writeBytes(head)
        var payload = payload
        out.writeBuffer(&payload)
        return out
    }
}

extension UInt64 {
    fileprivate func clamped(to limit: Int) -> UInt64 { Swift.min(self, UInt64(Swift.max(0, limit))) }
}
