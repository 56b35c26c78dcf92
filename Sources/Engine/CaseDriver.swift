import CaseModel
import Foundation
import NIOCore
import Recording
import WebSocketWire

/// Plays one case on one connection, for either role: composes the opening handshake, the case's script, the
/// write queue, message assembly and the close handshake, as the reference's fuzzing client (or server) runs them.
///
/// A plain state machine with no I/O and no clock: the edge feeds it inputs (connected, octets received, a timer
/// fired, a queued-write turn, connection lost — each with the time it happened) and performs the actions it
/// returns. Everything it does is recorded; `recording(at:)` hands the recording over once the connection is gone.
public struct CaseDriver: Sendable {
    public enum State: Sendable { case connecting, open, closing, closed }

    public let definition: CaseDefinition
    public let role: Role
    let timeouts: ProtocolTimeouts
    let limits: ReceiveLimits

    public internal(set) var state = State.connecting
    var recording = CaseRecording()
    var recorder = Recorder()
    var handshake: OpeningHandshake
    var writes = WriteQueue()
    var parser: FrameParser
    var incoming = IncomingMessage()
    var generator: SeededRandom
    var actions: [EngineAction] = []
    let allocator = ByteBufferAllocator()

    var connectedAt: UInt64 = 0
    var openedAt: UInt64?
    var endedAt: UInt64?

    // The script.
    var nextStep = 0
    var scriptStopped = false
    var timerCount = 0
    /// Octets held in events beyond the longest expected list (checked against `limits`).
    var surplusOctets: UInt64 = 0
    /// A frame whose payload the script writes in pieces (`frame-begin`, `frame-data`).
    var streamedFrameKey: MaskKey?
    var streamedFrameOffset = 0
    /// Whether the script switched the wire log off without a `WLM` entry; the checks switch it on alike.
    var wirelogSilent = false
    var echo: EchoCheckRun?

    // permessage-deflate and the message loop (categories 12 and 13).
    let testData: TestDataLibrary?
    let compressionCache: CompressionCache?
    var deflate: DeflateSession?
    var loop: MessageLoopRun?
    /// The loop's next message, cut and compressed ahead of its turn (`prepare()`).
    var preparedLoopMessage: PreparedLoopMessage?
    var traffic = TrafficStats()
    /// The extended CONNECT the edge sends as the stream's HEADERS, when the case runs over HTTP/2 (RFC 8441).
    public private(set) var extendedConnectRequest: [HTTP2HeaderField]?

    /// - Parameters:
    ///   - handshake: the client role's request options (ignored in the server role).
    ///   - seed: masking and handshake keys derive from it and the case ID.
    ///   - compressionCache: where compressed messages of a message loop are kept for reuse, if anywhere.
    public init(
        definition: CaseDefinition, role: Role = .client, handshake options: HandshakeOptions = HandshakeOptions(),
        timeouts: ProtocolTimeouts, seed: UInt64, limits: ReceiveLimits = ReceiveLimits(),
        testData: TestDataLibrary? = nil, compressionCache: CompressionCache? = nil, transport: CaseTransport = .http1
    ) {
        self.definition = definition
        self.role = role
        self.timeouts = timeouts
        self.limits = limits
        self.recorder.maxEntries = limits.maxWireLogEntries
        self.testData = testData
        self.compressionCache = compressionCache
        self.parser = FrameParser(role: role.parserRole)
        var generator = SeededRandom.derived(from: seed, label: definition.id.description)
        switch role {
        case .client where definition.handshake?.stream != nil:
            // An HTTP/2 handshake case (the runner sends it only over a stream).
            let host = options.host.contains(":") && !options.host.hasPrefix("[") ? "[\(options.host)]" : options.host
            let authority = options.headers.first { $0.name.lowercased() == "host" }?.value ?? "\(host):\(options.port)"
            let fields = definition.handshake!.stream!.filled(
                host: authority, path: options.resource, scheme: transport == .http2Secure ? "https" : "http",
                key: HandshakeRequest.randomKey(using: &generator)
            ).map { HTTP2HeaderField($0.name, $0.value) }
            extendedConnectRequest = fields
            handshake = OpeningHandshake(extendedConnect: fields, protocols: [], deflateOffers: [], raw: true)
        case .client where definition.handshake != nil:
            let raw = definition.handshake!.request
            let key = HandshakeRequest.randomKey(using: &generator)
            let host = options.host.contains(":") && !options.host.hasPrefix("[") ? "[\(options.host)]" : options.host
            let hostValue = options.headers.first { $0.name.lowercased() == "host" }?.value ?? "\(host):\(options.port)"
            handshake = OpeningHandshake(
                raw: raw.encoded(host: hostValue, key: key, resource: options.resource),
                shown: raw.shownLength(host: hostValue, key: key, resource: options.resource))
        case .client where transport != .http1:
            let extensions = definition.deflateOffers.isEmpty ? [] : [DeflateOffer.headerValue(definition.deflateOffers)]
            let fields = ExtendedConnect.request(options: options, secure: transport == .http2Secure, extensions: extensions)
            extendedConnectRequest = fields
            handshake = OpeningHandshake(
                extendedConnect: fields, protocols: options.protocols, deflateOffers: definition.deflateOffers)
        case .client:
            let request = HandshakeRequest(
                resource: options.resource, host: options.host, port: options.port,
                key: HandshakeRequest.randomKey(using: &generator), userAgent: options.userAgent, origin: options.origin,
                protocols: options.protocols,
                extensions: definition.deflateOffers.isEmpty ? [] : [DeflateOffer.headerValue(definition.deflateOffers)],
                extraHeaders: options.headers.map { ($0.name, $0.value) })
            handshake = OpeningHandshake(client: request, deflateOffers: definition.deflateOffers)
        case .server:
            handshake = OpeningHandshake(server: definition.deflateOffers)
        }
        self.generator = generator
        if definition.echo != nil { echo = EchoCheckRun() }
    }

    /// Hands out the actions produced so far.
    public mutating func takeActions() -> [EngineAction] {
        defer { actions.removeAll(keepingCapacity: true) }
        return actions
    }

    public var isFinished: Bool { endedAt != nil }

    /// Hold the case once the handshake is done, before its first step, until `resume(at:)` (`--pause-before`):
    /// no timer of the case runs meanwhile, and what the peer sends waits unread in the parser.
    public var holdAfterHandshake = false
    /// The case is held.
    public private(set) var isHeld = false

    /// Ends the hold: the case's clock starts now, and its script runs.
    public mutating func resume(at now: UInt64) {
        guard isHeld else { return }
        isHeld = false
        guard state == .open else { return }
        openedAt = now
        actions.append(.schedule(.watchdog, seconds: watchdogDeadline))
        runScript()
        processFrames()
    }

    /// Whether frames and octets are kept for the live trace (`takeTrace()`), whether or not the wire log is on.
    public var tracing: Bool {
        get { recorder.tracing }
        set { recorder.tracing = newValue }
    }

    /// Hands out the trace events produced so far.
    public mutating func takeTrace() -> [TraceEvent] {
        defer { recorder.traced.removeAll(keepingCapacity: true) }
        return recorder.traced
    }

    /// The request the client role writes.
    public var request: HandshakeRequest? { handshake.request }

    /// The opening request as written (client role) or received (server role).
    public var handshakeRequest: String { handshake.requestText }

    // MARK: - Inputs

    /// The TCP connection is up (`now`: monotonic nanoseconds; `wallClock`: the report's `started`). The client
    /// sends the opening handshake; the server waits for it.
    public mutating func connected(at now: UInt64, wallClock: Date) {
        connectedAt = now
        recording.started = wallClock
        actions.append(.schedule(.openHandshake, seconds: timeouts.openHandshake))
        actions.append(.schedule(.watchdog, seconds: watchdogDeadline))
        if role == .client && extendedConnectRequest == nil {
            sendData(ByteBuffer(bytes: handshake.requestOctets), sync: false, chop: nil)
        }
    }

    /// The server's response HEADERS on the case's HTTP/2 stream (`transport` `.http2…`): the answer to
    /// `extendedConnectRequest`.
    public mutating func streamResponse(_ fields: [HTTP2HeaderField], at now: UInt64) {
        guard state == .connecting, extendedConnectRequest != nil else { return }
        handshakeOutcome(handshake.streamAnswered(fields), at: now)
    }

    public mutating func received(_ buffer: ByteBuffer, at now: UInt64) {
        guard state != .closed, buffer.readableBytes > 0 else { return }
        recorder.rxOctets(buffer.readableBytesView)
        countIncomingOctets(buffer.readableBytes)
        if state == .connecting {
            // Over HTTP/2 the answer comes as HEADERS (`streamResponse`); no DATA can precede it.
            guard extendedConnectRequest == nil else { return }
            handshakeReceived(buffer.readableBytesView, at: now)
        } else {
            parser.append(buffer)
            if !isHeld { processFrames() }
        }
    }

    public mutating func timerFired(_ id: TimerID) {
        guard state != .closed else { return }
        switch id {
        case .openHandshake:
            guard state == .connecting else { return }
            recording.closing.wasClean = false
            recording.closing.wasNotCleanReason = "peer did not finish (in time) the opening handshake"
            recording.closing.wasOpenHandshakeTimeout = true
            dropConnection(flushFirst: false)
        case .closeHandshake:
            recording.closing.wasClean = false
            recording.closing.wasNotCleanReason = "peer did not respond (in time) in closing handshake"
            recording.closing.wasCloseHandshakeTimeout = true
            dropConnection(flushFirst: false)
        case .serverDrop:
            recording.closing.wasClean = false
            recording.closing.wasNotCleanReason = "server did not drop TCP connection (in time)"
            recording.closing.wasServerConnectionDropTimeout = true
            dropConnection(flushFirst: false)
        case .watchdog:
            recording.closing.wasClean = false
            recording.closing.wasNotCleanReason =
                "wsspec's watchdog ended the case: it was still running \(Int(watchdogDeadline)) s after connecting"
            dropConnection(flushFirst: false)
        case .kill:
            recorder.timer(.killFired)
            failConnection()
        case .closeAfter:
            recorder.timer(.closeFired)
            sendClose(code: nil, reason: nil)
        case .pause:
            guard case .pause(_, let tag) = definition.steps[nextStep - 1] else { return }
            recorder.timer(.delayFired(tag: tag))
            if let tag {
                guard state == .open else {
                    scriptStopped = true
                    return
                }
                recording.received.append(.timeout(tag))
            }
            runScript()
        }
    }

    /// A queued write may go out now.
    public mutating func writeTurn() {
        perform(writes.turn())
    }

    /// The TCP connection is gone.
    public mutating func connectionLost(at now: UInt64) {
        guard endedAt == nil else { return }
        actions.append(.cancel(.serverDrop))
        state = .closed
        if !recording.closing.wasClean && !recording.closing.droppedByMe && recording.closing.wasNotCleanReason == nil {
            recording.closing.wasNotCleanReason = "peer dropped the TCP connection without previous WebSocket closing handshake"
        }
        endedAt = now
        actions.append(.cancel(.watchdog))
        actions.append(.cancel(.openHandshake))
        actions.append(.cancel(.closeHandshake))
    }

    /// What happened: once the connection is gone, or up to `now` when it is not.
    public func recording(at now: UInt64) -> CaseRecording {
        var result = recording
        result.closing.isServer = role == .server
        result.handshakeRequest = handshake.requestText
        result.handshakeResponse = handshake.responseText
        result.peerSoftware = handshake.peerSoftware
        let end = endedAt ?? now
        let start = openedAt ?? connectedAt
        result.durationMilliseconds = Int(((Double(end &- start)) / 1e6).rounded())
        result.wirelogEnabled = recorder.logEnabled
        result.wirelog = recorder.entries
        result.statistics = recorder.statistics
        return result
    }

    /// Everything the case may wait for, plus a margin: no case can run longer than this.
    public var watchdogDeadline: Double { definition.runtime.deadline(timeouts) }

    // MARK: - Opening handshake

    private mutating func handshakeReceived(_ bytes: ByteBufferView, at now: UInt64) {
        handshakeOutcome(handshake.received(bytes), at: now)
    }

    private mutating func handshakeOutcome(_ outcome: OpeningHandshake.Outcome, at now: UInt64) {
        switch outcome {
        case .incomplete:
            return
        case .failed(let reason, let reply):
            if let reply { sendData(ByteBuffer(string: reply), sync: false, chop: nil) }
            recording.closing.wasNotCleanReason = reason
            dropConnection(flushFirst: reply != nil)
        case .refused:
            // A handshake case: the answer is recorded; wsspec waits for the server to close when a check asks.
            actions.append(.cancel(.openHandshake))
            if definition.handshake?.waitsForServerClose == true {
                actions.append(.schedule(.serverDrop, seconds: timeouts.serverDrop))
            } else {
                dropConnection(flushFirst: false)
            }
        case .opened(let rest, let negotiated, let reply):
            if let reply { sendData(ByteBuffer(string: reply), sync: false, chop: nil) }
            if let negotiated {
                deflate = DeflateSession(parameters: negotiated, role: role)
                parser.compressionNegotiated = true
            }
            state = .open
            actions.append(.cancel(.openHandshake))
            recording.connectionWasOpen = true
            openedAt = now
            if !rest.isEmpty { parser.append(ByteBuffer(bytes: rest)) }
            if holdAfterHandshake {
                isHeld = true
                actions.append(.cancel(.watchdog))
                actions.append(.hold)
                return
            }
            runScript()
            processFrames()
            // A handshake case without events to wait for closes as soon as its steps are written.
            if definition.handshake != nil { finishWhenDone() }
        }
    }

    // MARK: - The case's script

    mutating func runScript() {
        while !scriptStopped && nextStep < definition.steps.count {
            let step = definition.steps[nextStep]
            nextStep += 1
            switch step {
            case .send, .message:
                sendDataStep(step)
            case .raw(let payload, let chop, let sync):
                sendData(allocator.buffer(bytes: payload.bytes()), sync: sync, chop: chop)
            case .close(let code, let reason):
                sendClose(code: code, reason: reason)
            case .closeFrame(let code, let reason):
                sendCloseFrame(code: code, reason: reason?.bytes(), isReply: false)
            case .pause(let nominal, let tag):
                let seconds = nominal * timeouts.timerScale
                recorder.timer(.delay(seconds: seconds, tag: tag))
                actions.append(.schedule(.pause(nextTimer()), seconds: seconds))
                return
            case .closeAfter(let nominal):
                let seconds = nominal * timeouts.timerScale
                recorder.timer(.closeAfter(seconds: seconds))
                actions.append(.schedule(.closeAfter(nextTimer()), seconds: seconds))
            case .killAfter(let nominal):
                let seconds = nominal * timeouts.timerScale
                recorder.timer(.killAfter(seconds: seconds))
                actions.append(.schedule(.kill(nextTimer()), seconds: seconds))
            case .wirelog(let enabled, let silent):
                wirelogSilent = silent
                recorder.setLogging(enabled, announce: !silent)
            case .frameBegin(let begin):
                let key = role.masksOutgoing ? MaskKey.random(using: &generator) : nil
                streamedFrameKey = key
                streamedFrameOffset = 0
                let header = FrameHeader(
                    fin: begin.fin, rsv: begin.rsv, opcode: begin.opcode, maskKey: key, payloadLength: UInt64(begin.length))
                var buffer = allocator.buffer(capacity: header.encodedSize)
                FrameEncoder.encode(header, pattern: [], into: &buffer)
                sendData(buffer, sync: false, chop: nil)
            case .frameData(let payload):
                var bytes = payload.bytes()
                streamedFrameKey?.apply(to: &bytes, offset: streamedFrameOffset)
                streamedFrameOffset += bytes.count
                sendData(allocator.buffer(bytes: bytes), sync: false, chop: nil)
            case .messageLoop(let step):
                startMessageLoop(step)
                return
            }
            echo?.noteSource(step)
        }
    }

    /// A `send` or `message` step: what the script does, and what a round trip of the echo check repeats.
    mutating func sendDataStep(_ step: Step) {
        switch step {
        case .send(let frame):
            sendFrame(
                opcode: frame.opcode, pattern: frame.payload.bytes(), fin: frame.fin, rsv: frame.rsv,
                repeatLength: frame.repeatLength, chop: frame.chop, sync: frame.sync)
        case .message(let message):
            sendMessage(message.payload.bytes(), binary: message.binary, fragmentSize: message.fragmentSize, sync: message.sync)
        default:
            break
        }
    }

    mutating func nextTimer() -> Int {
        timerCount += 1
        return timerCount
    }
}

/// A message of a `message-loop` step ready to be sent: its octets and the payload that goes on the wire.
struct PreparedLoopMessage {
    var message: [UInt8]
    var payload: [UInt8]
}
