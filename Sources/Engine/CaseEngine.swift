import CaseModel
import Foundation
import NIOCore
import Recording
import WebSocketWire

/// Protocol timers of a run; the defaults are the reference's.
public struct ProtocolTimeouts: Sendable, Equatable {
    public var openHandshake: Double = 5
    public var closeHandshake: Double = 1
    public var serverDrop: Double = 1
    /// Extra time the per-case watchdog allows beyond everything the case itself waits for.
    public var watchdogMargin: Double = 10
    /// Multiplies the cases' own timers (pauses, close-after, kill-after), for slow machines.
    public var timerScale: Double = 1

    public init() {}
}

/// How the client presents itself in the opening handshake.
public struct HandshakeOptions: Sendable, Equatable {
    public var resource = "/"
    public var host = "127.0.0.1"
    public var port = 9001
    public var userAgent: String? = "wsspec/\(WSSpecVersion.current)"
    public var origin: String?
    public var protocols: [String] = []
    /// Further headers (`-H`), after the standard ones.
    public var headers: [HeaderField] = []

    public init() {}
}

public enum WSSpecVersion {
    public static let current = "0.1.0"
}

/// The protocol engine of one case: the client side of a WebSocket connection as the reference's fuzzing
/// client runs it, plus the case's script.
///
/// A plain state machine with no I/O: the connection feeds it inputs (connected, bytes received, a timer
/// fired, a queued-write turn, connection lost) and performs the actions it returns. Everything it does is
/// recorded for the wire log and judged when the connection is gone.
public struct CaseEngine: Sendable {
    public enum State: Sendable { case connecting, open, closing, closed }

    public enum TimerID: Hashable, Sendable {
        case openHandshake, closeHandshake, serverDrop, watchdog
        case kill(Int), closeAfter(Int), pause(Int)
    }

    public enum Action: Equatable, Sendable {
        case write(ByteBuffer)
        /// Call `writeTurn()` again shortly (the reference re-enters its reactor between queued writes).
        case scheduleWriteTurn
        case schedule(TimerID, seconds: Double)
        case cancel(TimerID)
        /// Close the TCP connection; `flushFirst` lets written octets go out first.
        case close(flushFirst: Bool)
    }

    public let definition: CaseDefinition
    let timeouts: ProtocolTimeouts
    let limits: ReceiveLimits
    public let request: HandshakeRequest
    public var agent: String?

    public private(set) var state = State.connecting
    private(set) var recording = CaseRecording()
    private(set) var recorder = Recorder()
    private(set) var httpResponse: String?
    private(set) var serverHeader: String?
    private(set) var connectedAt: UInt64 = 0
    /// Wall-clock time of the TCP connect (the report's `started`).
    private(set) var started = Date()
    private(set) var openedAt: UInt64?
    private(set) var endedAt: UInt64?
    private(set) var watchdogFired = false

    private var generator: SeededRandom
    private var actions: [Action] = []
    private var handshakeBuffer: [UInt8] = []
    /// How much of `handshakeBuffer` has been searched for the end of the header block.
    private var handshakeSearched = 0
    private var parser = FrameParser()
    private var sendQueue: [(bytes: ByteBuffer, sync: Bool)] = []
    private var sendQueueHead = 0
    private var writeTurnPending = false
    private var nextStep = 0
    private var scriptStopped = false
    private var timerCount = 0

    // Message being received.
    private var insideMessage = false
    private var messageBinary = false
    private var validatesUTF8 = false
    private var validator = UTF8Validator()
    private var messageData: [UInt8] = []
    private var frameCollected: [UInt8] = []
    private var frameCollectedCount = 0
    private var controlData: [UInt8] = []
    private var currentFrame: FrameHeader?
    /// The sum of the declared lengths of the message being received (checked against `limits`).
    private var messageDeclaredLength: UInt64 = 0
    /// Octets held in events beyond the longest expected list (checked against `limits`).
    private var surplusOctets: UInt64 = 0

    // A frame whose payload the script writes in pieces (`frame-begin`, `frame-data`).
    private var streamedFrameKey: MaskKey?
    private var streamedFrameOffset = 0

    // The echo check (`echo`): the message to compare echoes with, and how it goes.
    private var echoSource: Step?
    private var echoExpected: (payload: Payload, binary: Bool)?
    private var echoMatcher: PayloadMatcher?
    private var echoRounds = 0
    /// Whether the script switched the wire log off without a `WLM` entry; the echo check switches it on alike.
    private var wirelogSilent = false
    private let allocator = ByteBufferAllocator()

    // permessage-deflate and the message loop (categories 12 and 13).
    let testData: TestDataLibrary?
    private(set) var deflate: DeflateSession?
    private(set) var loop: MessageLoopRun?
    private(set) var traffic = TrafficStats()

    static let maxHandshakeResponse = 64 * 1024

    public init(
        definition: CaseDefinition, handshake: HandshakeOptions, timeouts: ProtocolTimeouts, seed: UInt64, agent: String?,
        limits: ReceiveLimits = ReceiveLimits(), testData: TestDataLibrary? = nil
    ) {
        self.definition = definition
        self.timeouts = timeouts
        self.limits = limits
        self.recorder.maxEntries = limits.maxWireLogEntries
        self.agent = agent
        self.testData = testData
        var generator = SeededRandom.derived(from: seed, label: definition.id.description)
        self.request = HandshakeRequest(
            resource: handshake.resource, host: handshake.host, port: handshake.port,
            key: HandshakeRequest.randomKey(using: &generator), userAgent: handshake.userAgent, origin: handshake.origin,
            protocols: handshake.protocols,
            extensions: definition.deflateOffers.isEmpty ? [] : [DeflateOffer.headerValue(definition.deflateOffers)],
            extraHeaders: handshake.headers.map { ($0.name, $0.value) })
        self.generator = generator
    }

    public static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// Hands out the actions produced so far.
    public mutating func takeActions() -> [Action] {
        defer { actions.removeAll(keepingCapacity: true) }
        return actions
    }

    public var isFinished: Bool { endedAt != nil }

    // MARK: - Inputs

    /// The TCP connection is up: send the opening handshake.
    public mutating func connected() {
        connectedAt = Self.now()
        started = Date()
        actions.append(.schedule(.openHandshake, seconds: timeouts.openHandshake))
        actions.append(.schedule(.watchdog, seconds: watchdogDeadline))
        sendData(ByteBuffer(string: request.encoded()), sync: false, chop: nil)
    }

    public mutating func received(_ buffer: ByteBuffer) {
        guard state != .closed, buffer.readableBytes > 0 else { return }
        recorder.rxOctets(buffer.readableBytesView)
        countIncomingOctets(buffer.readableBytes)
        if state == .connecting {
            handshakeBuffer.append(contentsOf: buffer.readableBytesView)
            processHandshake()
        } else {
            parser.append(buffer)
            processFrames()
        }
    }

    public mutating func timerFired(_ id: TimerID) {
        switch id {
        case .openHandshake:
            guard state == .connecting else { return }
            recording.closing.wasClean = false
            recording.closing.wasNotCleanReason = "peer did not finish (in time) the opening handshake"
            recording.closing.wasOpenHandshakeTimeout = true
            dropConnection(flushFirst: false)
        case .closeHandshake:
            guard state != .closed else { return }
            recording.closing.wasClean = false
            recording.closing.wasNotCleanReason = "peer did not respond (in time) in closing handshake"
            recording.closing.wasCloseHandshakeTimeout = true
            dropConnection(flushFirst: false)
        case .serverDrop:
            guard state != .closed else { return }
            recording.closing.wasClean = false
            recording.closing.wasNotCleanReason = "server did not drop TCP connection (in time)"
            recording.closing.wasServerConnectionDropTimeout = true
            dropConnection(flushFirst: false)
        case .watchdog:
            guard state != .closed else { return }
            watchdogFired = true
            recording.closing.wasClean = false
            recording.closing.wasNotCleanReason =
                "wsspec's watchdog ended the case: it was still running \(Int(watchdogDeadline)) s after connecting"
            dropConnection(flushFirst: false)
        case .kill:
            guard state != .closed else { return }
            recorder.timer(.killFired)
            failConnection()
        case .closeAfter:
            guard state != .closed else { return }
            recorder.timer(.closeFired)
            sendClose(code: nil, reason: nil)
        case .pause:
            guard state != .closed else { return }
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
        writeTurnPending = false
        sendQueued()
    }

    /// The TCP connection is gone.
    public mutating func connectionLost() {
        guard endedAt == nil else { return }
        actions.append(.cancel(.serverDrop))
        state = .closed
        if !recording.closing.wasClean && !recording.closing.droppedByMe
            && recording.closing.wasNotCleanReason == nil
        {
            recording.closing.wasNotCleanReason =
                "peer dropped the TCP connection without previous WebSocket closing handshake"
        }
        endedAt = Self.now()
        actions.append(.cancel(.watchdog))
        actions.append(.cancel(.openHandshake))
        actions.append(.cancel(.closeHandshake))
    }

    /// What happened, once the connection is gone (or so far, when it is not).
    public var finishedRecording: CaseRecording {
        var result = recording
        result.handshakeRequest = request.encoded()
        result.handshakeResponse = httpResponse
        result.peerSoftware = serverHeader
        result.started = started
        let end = endedAt ?? Self.now()
        let start = openedAt ?? connectedAt
        result.durationMilliseconds = Int(((Double(end &- start)) / 1e6).rounded())
        result.wirelogEnabled = recorder.logEnabled
        result.wirelog = recorder.entries
        result.statistics = recorder.statistics
        return result
    }

    /// Everything the case may wait for, plus a margin: no case can run longer than this.
    public var watchdogDeadline: Double {
        var total = timeouts.openHandshake + timeouts.closeHandshake + timeouts.serverDrop + timeouts.watchdogMargin
        for step in definition.steps {
            switch step {
            case .pause(let s, _), .closeAfter(let s), .killAfter(let s): total += s * timeouts.timerScale
            case .messageLoop(let loop): total += loop.timeout * timeouts.timerScale
            default: break
            }
        }
        return total
    }

    // MARK: - Opening handshake

    private mutating func processHandshake() {
        let found = HandshakeResponse.endOfHeaderBlock(in: handshakeBuffer, from: handshakeSearched)
        handshakeSearched = handshakeBuffer.count
        // Refused beyond the limit whether or not the block is complete, so the verdict does not depend on
        // how the octets happened to be split into reads.
        guard let end = found, end <= Self.maxHandshakeResponse else {
            if handshakeBuffer.count > Self.maxHandshakeResponse {
                httpResponse = String(decoding: handshakeBuffer.prefix(Self.maxHandshakeResponse), as: UTF8.self)
                failHandshake("handshake response header block longer than \(Self.maxHandshakeResponse) octets")
            }
            return
        }
        let block = Array(handshakeBuffer[..<end])
        httpResponse = String(decoding: block, as: UTF8.self)
        let response = HandshakeResponse(headerBlock: block)
        serverHeader = response["server"]
        var negotiated: DeflateParameters?
        let failure: HandshakeFailure?
        if definition.deflateOffers.isEmpty {
            failure = response.validate(key: request.key, offeredProtocols: request.protocols)
        } else {
            failure = response.validate(key: request.key, offeredProtocols: request.protocols) { element in
                Self.acceptDeflateResponse(element, negotiated: &negotiated)
            }
        }
        if let failure {
            failHandshake(failure.reason)
            return
        }
        if let negotiated {
            deflate = DeflateSession(parameters: negotiated)
            parser.compressionNegotiated = true
        }
        state = .open
        actions.append(.cancel(.openHandshake))
        recording.connectionWasOpen = true
        openedAt = Self.now()
        let rest = handshakeBuffer[end...]
        handshakeBuffer = []
        if !rest.isEmpty { parser.append(ByteBuffer(bytes: rest)) }
        runScript()
        processFrames()
    }

    private mutating func failHandshake(_ reason: String) {
        recording.closing.wasNotCleanReason = reason
        dropConnection(flushFirst: false)
    }

    // MARK: - The case's script

    private mutating func runScript() {
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
                let key = MaskKey.random(using: &generator)
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
            if definition.echo != nil { noteEchoSource(step) }
        }
    }

    /// A `send` or `message` step: what the script does, and what a round trip of the echo check repeats.
    private mutating func sendDataStep(_ step: Step) {
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

    private mutating func nextTimer() -> Int {
        timerCount += 1
        return timerCount
    }

    // MARK: - Sending

    private mutating func sendFrame(
        opcode: Opcode, pattern: [UInt8], fin: Bool = true, rsv: UInt8 = 0, repeatLength: Int? = nil, chop: Int? = nil,
        sync: Bool = false
    ) {
        let length = pattern.isEmpty ? 0 : (repeatLength ?? pattern.count)
        let key = MaskKey.random(using: &generator)
        let header = FrameHeader(fin: fin, rsv: rsv, opcode: opcode, maskKey: key, payloadLength: UInt64(length))
        recorder.txFrame(
            payload: BytePreview(pattern), opcode: opcode.rawValue, fin: fin, rsv: rsv, mask: key.array,
            repeatLength: repeatLength, chop: chop, sync: sync)
        var buffer = allocator.buffer(capacity: header.encodedSize + length)
        FrameEncoder.encode(header, pattern: pattern, repeatedTo: repeatLength, into: &buffer)
        sendData(buffer, sync: sync, chop: chop)
    }

    /// A data message, fragmented as the reference does (an exact multiple ends with an empty frame).
    private mutating func sendMessage(_ payload: [UInt8], binary: Bool, fragmentSize: Int?, sync: Bool) {
        guard state == .open else { return }
        let opcode: Opcode = binary ? .binary : .text
        guard let size = fragmentSize, payload.count > size else {
            sendFrame(opcode: opcode, pattern: payload, sync: sync)
            return
        }
        var start = 0
        var first = true
        while true {
            var end = start + size
            var done = false
            if end > payload.count {
                done = true
                end = payload.count
            }
            sendFrame(opcode: first ? opcode : .continuation, pattern: Array(payload[start..<end]), fin: done, sync: sync)
            first = false
            if done { break }
            start += size
        }
    }

    private mutating func sendClose(code: Int?, reason: String?) {
        var reasonBytes = reason.map { Array($0.utf8) }
        if let r = reasonBytes, r.count + 2 > 125 { reasonBytes = Array(r.prefix(120)) + Array("...".utf8) }
        sendCloseFrame(code: code, reason: reasonBytes, isReply: false)
    }

    private mutating func sendCloseFrame(code: Int?, reason: [UInt8]?, isReply: Bool) {
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

    private mutating func sendData(_ bytes: ByteBuffer, sync: Bool, chop: Int?) {
        if let chop, chop > 0 {
            var i = 0
            repeat {
                let n = min(chop, bytes.readableBytes - i)
                sendQueue.append((bytes.getSlice(at: bytes.readerIndex + i, length: n)!, true))
                i += chop
            } while i < bytes.readableBytes
            trigger()
        } else if sync || sendQueueHead < sendQueue.count {
            sendQueue.append((bytes, sync))
            trigger()
        } else {
            write(bytes, sync: false)
        }
    }

    private mutating func trigger() {
        guard !writeTurnPending else { return }
        sendQueued()
    }

    private mutating func sendQueued() {
        guard sendQueueHead < sendQueue.count else {
            sendQueue.removeAll()
            sendQueueHead = 0
            return
        }
        let (bytes, sync) = sendQueue[sendQueueHead]
        sendQueue[sendQueueHead].bytes = ByteBuffer()
        sendQueueHead += 1
        if state != .closed { write(bytes, sync: sync) }
        writeTurnPending = true
        actions.append(.scheduleWriteTurn)
    }

    private mutating func write(_ bytes: ByteBuffer, sync: Bool) {
        guard state != .closed else { return }
        recorder.txOctets(bytes.readableBytesView, sync: sync)
        countOutgoingOctets(bytes.readableBytes)
        actions.append(.write(bytes))
    }

    // MARK: - Failing and closing

    private mutating func failConnection(code: Int = 1001, reason: String = "Going Away") {
        guard state != .closed else { return }
        recording.closing.failedByMe = true
        if state != .closing {
            sendCloseFrame(code: code, reason: Array(Array(reason.utf8).prefix(123)), isReply: false)
        } else {
            dropConnection(flushFirst: true)
        }
    }

    private mutating func dropConnection(flushFirst: Bool) {
        guard state != .closed else { return }
        recording.closing.droppedByMe = true
        state = .closed
        actions.append(.close(flushFirst: flushFirst))
    }

    // MARK: - Receiving

    private mutating func processFrames() {
        while state != .closed, let event = parser.next() {
            switch event {
            case .frameBegin(let header, let violations):
                currentFrame = header
                for violation in violations {
                    failConnection(code: Int(violation.closeCode), reason: violation.reason)
                    if state == .closed { return }
                }
                if !header.opcode.isControl && !insideMessage { messageDeclaredLength = 0 }
                if !refuseBeyondLimit(header) { return }
                if header.opcode.isControl {
                    controlData = []
                } else {
                    if !insideMessage {
                        beginIncomingMessage(header)
                        insideMessage = true
                        messageBinary = header.opcode == .binary
                        validatesUTF8 = header.opcode == .text
                        validator.reset()
                        messageData = []
                        if let expected = echoExpected { echoMatcher = PayloadMatcher(expecting: expected.payload) }
                    }
                    frameCollected = []
                    frameCollectedCount = 0
                }
            case .payload(let chunk):
                payloadReceived(chunk)
            case .frameEnd(let header):
                currentFrame = nil
                frameEnded(header)
            }
        }
    }

    /// Fails the connection (1009) when `header` takes a message beyond `limits`; false when that ended the
    /// connection. Nothing of such a frame is stored. (Control frames longer than 125 octets already break a
    /// rule; the limit only keeps them from being stored.)
    private mutating func refuseBeyondLimit(_ header: FrameHeader) -> Bool {
        guard !header.opcode.isControl else { return true }
        let (sum, overflow) = messageDeclaredLength.addingReportingOverflow(header.payloadLength)
        messageDeclaredLength = overflow ? .max : sum
        guard messageDeclaredLength > limits.maxMessageSize, !recording.closing.failedByMe else { return true }
        failOverLimit(limits.exceededReason())
        return state != .closed
    }

    private mutating func payloadReceived(_ chunk: ByteBuffer, inflated: Bool = false) {
        guard let header = currentFrame, header.payloadLength <= max(limits.maxMessageSize, 125) else { return }
        if header.opcode.isControl {
            controlData.append(contentsOf: chunk.readableBytesView)
            return
        }
        var chunk = chunk
        if !inflated {
            guard let plain = inflateIncoming(chunk) else { return }
            chunk = plain
        }
        if validatesUTF8 {
            let result = chunk.withUnsafeReadableBytes { validator.validate($0) }
            if case .invalid(let index) = result {
                failConnection(
                    code: 1007,
                    reason: "encountered invalid UTF-8 while processing text message at payload octet index \(index)")
                if state == .closed { return }
            }
        }
        guard !recording.closing.failedByMe else { return }
        if frameCollected.count < BytePreview.keptBytes {
            frameCollected.append(contentsOf: chunk.readableBytesView.prefix(BytePreview.keptBytes - frameCollected.count))
        }
        frameCollectedCount += chunk.readableBytes
        if definition.echo != nil {
            if echoMatcher != nil { chunk.withUnsafeReadableBytes { echoMatcher!.consume($0) } }
        } else {
            messageData.append(contentsOf: chunk.readableBytesView)
        }
    }

    private mutating func frameEnded(_ header: FrameHeader) {
        if header.opcode.isControl {
            recorder.rxFrame(
                payload: BytePreview(controlData), opcode: header.opcode.rawValue, fin: header.fin, rsv: header.rsv,
                mask: header.maskKey?.array)
            processControlFrame(header.opcode, controlData)
            return
        }
        recorder.rxFrame(
            payload: BytePreview(prefix: frameCollected, length: frameCollectedCount), opcode: header.opcode.rawValue,
            fin: header.fin, rsv: header.rsv, mask: header.maskKey?.array)
        if !header.opcode.isControl && state == .open { traffic.incomingWebSocketFrames += 1 }
        guard header.fin else { return }
        if deflate?.receivingCompressed == true {
            guard let tail = finishIncomingMessage() else { return }
            if tail.readableBytes > 0 {
                currentFrame = header
                payloadReceived(tail, inflated: true)
                currentFrame = nil
                if state == .closed { return }
            }
        }
        if state == .open { traffic.incomingWebSocketMessages += 1 }
        insideMessage = false
        if validatesUTF8 && !validator.isComplete {
            failConnection(
                code: 1007,
                reason: "UTF-8 text message payload ended within Unicode code point at payload octet index \(validator.count)")
            if state == .closed { return }
        }
        if !recording.closing.failedByMe {
            if definition.echo != nil {
                echoReceived()
                return
            }
            let data = messageData
            messageData = []
            if loop != nil {
                loopReceived(data, binary: messageBinary)
                return
            }
            guard keepsSurplusEvent(size: data.capacity) else { return }
            recording.received.append(.message(data, binary: messageBinary))
            finishWhenDone()
        }
    }

    private mutating func processControlFrame(_ opcode: Opcode, _ payload: [UInt8]) {
        switch opcode {
        case .close:
            var code: Int?
            var reason: [UInt8]?
            if payload.count > 1 { code = Int(payload[0]) << 8 | Int(payload[1]) }
            if payload.count > 2 { reason = Array(payload[2...]) }
            onCloseFrame(code: code, reason: reason)
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

    private mutating func onCloseFrame(code: Int?, reason: [UInt8]?) {
        recording.closing.remoteCloseCode = code.map { CloseCode(UInt16(truncatingIfNeeded: $0)) }
        if let code, !CloseCode.isValidOnWire(code) {
            failConnection(code: 1002, reason: "invalid close code \(code)")
        }
        if let reason {
            guard UTF8Validator.isValid(reason) else {
                failConnection(code: 1007, reason: "invalid close reason (non-UTF-8 payload)")
                // The reference stops processing this frame here; the reason stays unset.
                dropConnection(flushFirst: true)
                return
            }
            recording.closing.remoteCloseReason = String(decoding: reason, as: UTF8.self)
        } else {
            recording.closing.remoteCloseReason = nil
        }
        switch state {
        case .closing:
            actions.append(.cancel(.closeHandshake))
            recording.closing.wasClean = true
            actions.append(.schedule(.serverDrop, seconds: timeouts.serverDrop))
        case .open:
            recording.closing.wasClean = true
            sendCloseFrame(code: 1000, reason: nil, isReply: true)
        case .closed:
            recording.closing.wasClean = false
        case .connecting:
            break
        }
    }

    // MARK: - The echo check

    /// The data message the script just sent is what echoes are compared with, and what a round trip resends.
    private mutating func noteEchoSource(_ step: Step) {
        switch step {
        case .send(let frame) where (frame.opcode == .text || frame.opcode == .binary) && frame.fin:
            let payload = frame.repeatLength.map { Payload.repeated(frame.payload, length: $0) } ?? frame.payload
            echoExpected = (payload, frame.opcode == .binary)
            echoSource = step
        case .message(let message):
            echoExpected = (message.payload, message.binary)
            echoSource = step
        default:
            break
        }
    }

    private mutating func echoReceived() {
        guard let check = definition.echo else { return }
        let matcher = echoMatcher
        echoMatcher = nil
        var failure: CheckFinding?
        if let sent = echoExpected, let matcher {
            if messageBinary != sent.binary || matcher.count != matcher.expectedLength {
                failure = .echoDiffers(
                    round: echoRounds + 1, sentBinary: sent.binary, sentLength: matcher.expectedLength,
                    gotBinary: messageBinary, gotLength: matcher.count)
            } else if let m = matcher.mismatch {
                // Beyond the reference, which compares type and length only.
                failure = .echoContentDiffers(round: echoRounds + 1, offset: m.offset, sent: m.sent, got: m.received)
            }
        } else {
            failure = .unsolicited(binary: messageBinary)
        }
        if let failure {
            recording.finding = failure
        } else {
            echoRounds += 1
            if echoRounds < check.rounds, let source = echoSource {
                sendDataStep(source)
                return
            }
            recording.finding = .echoed(rounds: echoRounds, binary: messageBinary, length: matcher?.count ?? 0)
        }
        recorder.setLogging(true, announce: !wirelogSilent)
        sendClose(code: 1000, reason: nil)
    }

    /// Whether an event of `size` octets is kept. Once there are more events than any expected list holds,
    /// the verdict cannot change, so a flooding server gets to fill only `limits.maxMessageSize` more octets;
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
        failConnection(code: 1009, reason: reason)
    }

    /// The reference's auto-close: once the events equal every expected list, the client closes.
    private mutating func finishWhenDone() {
        guard definition.echo == nil else { return }
        for outcome in definition.expected where !Judge.matches(recording.received, outcome.events) { return }
        if definition.close.closedByClient && definition.autoClose {
            sendClose(code: definition.close.codes.first.map { Int($0.rawValue) }, reason: nil)
        }
    }
}

// MARK: - permessage-deflate and the message loop (categories 12 and 13)

extension CaseEngine {
    /// Accepts a server's permessage-deflate answer as the reference's client does in 12.x/13.x: any syntactically
    /// valid response, one only; other extensions fail the handshake.
    static func acceptDeflateResponse(_ element: ExtensionResponse, negotiated: inout DeflateParameters?) -> HandshakeFailure? {
        switch element.name {
        case DeflateParameters.extensionName:
            guard negotiated == nil else { return HandshakeFailure("multiple occurrence of a permessage-compress extension") }
            switch DeflateParameters.parseResponse(element) {
            case .success(let parameters):
                negotiated = parameters
                return nil
            case .failure(let failure):
                return failure
            }
        case "permessage-bzip2", "permessage-snappy":
            return HandshakeFailure("WebSocket permessage-compress extension response from server denied by client")
        default:
            return HandshakeFailure(
                "server wants to use extension '\(element.name)' we did not request, haven't implemented or did not enable")
        }
    }

    private mutating func countIncomingOctets(_ count: Int) {
        switch state {
        case .connecting: traffic.preopenIncomingOctetsWireLevel += count
        case .open: traffic.incomingOctetsWireLevel += count
        default: break
        }
    }

    private mutating func countOutgoingOctets(_ count: Int) {
        switch state {
        case .connecting: traffic.preopenOutgoingOctetsWireLevel += count
        case .open: traffic.outgoingOctetsWireLevel += count
        default: break
        }
    }

    /// A data message starts: it is compressed when permessage-deflate is in use and its first frame has RSV1.
    private mutating func beginIncomingMessage(_ header: FrameHeader) {
        guard deflate != nil else { return }
        deflate!.receivingCompressed = header.rsv & 4 != 0
        if deflate!.receivingCompressed { deflate!.inflater.beginMessage() }
    }

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
        var plain: [UInt8] = []
        do {
            try chunk.withUnsafeReadableBytes { try session.inflater.inflate($0, into: &plain) }
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
        guard let session = deflate else { return ByteBuffer() }
        deflate!.receivingCompressed = false
        var tail: [UInt8] = []
        do {
            try session.inflater.endMessage(into: &tail)
        } catch {
            failInflate(error)
            return nil
        }
        if state == .open { traffic.incomingOctetsAppLevel += tail.count }
        return ByteBuffer(bytes: tail)
    }

    private mutating func failInflate(_ error: any Error) {
        let problem = error as? InflateError
        let code = problem?.kind == .tooLarge ? 1009 : 1007
        failConnection(code: code, reason: String((problem?.message ?? "\(error)").prefix(123)))
        dropConnection(flushFirst: true)
    }

    /// The `message-loop` step: with permessage-deflate required but not negotiated the case is UNIMPLEMENTED and
    /// closes at once; otherwise arm the close timer and send the first message.
    private mutating func startMessageLoop(_ step: MessageLoopStep) {
        if step.compressed && deflate == nil {
            recording.finding = .loopCompressionNotNegotiated
            sendClose(code: 1000, reason: nil)
            return
        }
        let data: TestDataSet
        do {
            guard let testData else { throw TestDataError("no test-data folder is configured") }
            data = try testData.dataSet(step.data, text: step.text)
        } catch {
            recording.harnessError = HarnessError(.configuration, "\(error)")
            sendClose(code: 1000, reason: nil)
            return
        }
        recording.finding = .loopStarted
        recorder.timer(.closeAfter(seconds: step.timeout))
        actions.append(.schedule(.closeAfter(nextTimer()), seconds: step.timeout))
        loop = MessageLoopRun(step: step, data: data, directory: testData?.directory.path ?? "")
        sendNextLoopMessage()
    }

    private mutating func sendNextLoopMessage() {
        guard state == .open, loop != nil else { return }
        let (message, from) = loop!.nextMessage()
        let step = loop!.step
        traffic.outgoingWebSocketMessages += 1
        traffic.outgoingOctetsAppLevel += message.count
        var payload = message
        var rsv: UInt8 = 0
        if let session = deflate {
            rsv = 4
            if session.parameters.clientNoContextTakeover {
                let key = CompressionCache.Key(
                    directory: loop!.directory, data: step.data, text: step.text, from: from, size: step.size,
                    windowBits: session.deflater.windowBits)
                payload = CompressionCache.shared.value(key) { session.deflater.compress(message) }
            } else {
                payload = session.deflater.compress(message)
            }
        }
        traffic.outgoingOctetsWebSocketLevel += payload.count
        let opcode: Opcode = step.text ? .text : .binary
        guard let size = step.fragmentSize, payload.count > size else {
            traffic.outgoingWebSocketFrames += 1
            sendFrame(opcode: opcode, pattern: payload, rsv: rsv)
            return
        }
        // As the reference fragments: an exact multiple ends with an empty final frame; RSV1 on the first only.
        var start = 0
        while true {
            let end = min(start + size, payload.count)
            let done = start + size > payload.count
            traffic.outgoingWebSocketFrames += 1
            sendFrame(
                opcode: start == 0 ? opcode : .continuation, pattern: Array(payload[start..<end]), fin: done,
                rsv: start == 0 ? rsv : 0)
            if done { break }
            start += size
        }
    }

    private mutating func loopReceived(_ bytes: [UInt8], binary: Bool) {
        guard state == .open, loop != nil else { return }
        if let mismatch = loop!.check(bytes, binary: binary) {
            recording.finding = mismatch
            recorder.setLogging(true, announce: true)
            sendClose(code: 1000, reason: nil)
        } else if loop!.isComplete {
            recording.finding = .loopCompleted
            recording.traffic = traffic
            recorder.setLogging(true, announce: true)
            sendClose(code: 1000, reason: nil)
        } else {
            sendNextLoopMessage()
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
