import CaseModel
import NIOCore
import Recording
import WebSocketWire

/// What RFC 6455 says an echo server does with a sequence of steps — a model of the rules, not a script: each step
/// is encoded as wsspec would send it and parsed as a server must (`FrameParser` in the server role), and then:
///
/// - a complete valid data message is echoed exactly (§5.6; an echo server, as the suite assumes);
/// - a Ping is answered by a Pong with its payload (§5.5.2, §5.5.3), a Pong needs no answer;
/// - a protocol violation fails the connection, with 1002 or a drop (§5.2 RSV and opcodes, §5.4 fragments, §5.5
///   control frames, §7.4.1 close codes), and nothing after it is answered;
/// - invalid UTF-8 in a text message fails it with 1007 (§8.1): at once when the octets become invalid, or (non-strict)
///   when the message ends;
/// - a Close is answered by a Close and the server closes TCP (§5.5.1, §7.1.1).
///
/// A length written in a longer form than needed breaks a sender's MUST (§5.2) but RFC 6455 asks no receiver to
/// refuse it, so the oracle has two worlds for such a sequence, and a server passes when it passes in either.
public struct Oracle: Sendable {
    /// One way a conformant server may handle the sequence.
    public struct World: Sendable, Equatable {
        /// The events in the strict order (fail-fast).
        public var events: [ExpectedEvent] = []
        /// The other acceptable events (`NON-STRICT`): the message of invalid UTF-8 failed only at its end, or echoes
        /// of messages that arrived with the violation lost.
        public var lenient: [ExpectedEvent]?
        /// The server must fail the connection, with one of these codes (or a drop).
        public var failCodes: [CloseCode]?
        /// The rule the sequence breaks, when the server must fail: its clause and what it requires.
        public var violation: Rule?
        /// wsspec's Close step, with its code, when the sequence ends with one the server must answer.
        public var clientClose: (code: Int?, present: Bool) = (nil, false)
        /// The violation is wsspec's own Close frame (a bad code, reason or length): wsspec closed first, and the
        /// server answers with 1002 or 1007 (the suite's 7.3, 7.5, 7.9) or drops TCP.
        public var violationIsClose = false
        /// The step at which the server must fail the connection.
        var failedAtStep: Int?

        public static func == (a: World, b: World) -> Bool {
            a.events == b.events && a.lenient == b.lenient && a.failCodes == b.failCodes && a.violation == b.violation
                && a.clientClose.code == b.clientClose.code && a.clientClose.present == b.clientClose.present
                && a.violationIsClose == b.violationIsClose
        }
    }

    /// A rule of the RFC, as a finding names it.
    public struct Rule: Sendable, Equatable {
        public var clause: String
        public var requirement: String
    }

    /// The steps as they are run: completed where the model needs it (below), with the final ping when the
    /// connection should still be open.
    public var steps: [Step]
    /// One world, or two when a length is encoded non-minimally: strict lengths first.
    public var worlds: [World]
    /// The sequence's permessage-deflate offer and what the model assumes the server did with it.
    public var deflate: DeflateUse
    /// False when a compressed message's payload stops inside a deflate block: the RFC does not say what the server
    /// makes of it, so the generator makes no such message and the shrinker does not keep one.
    public var modelsCompression = true

    /// The payload of the last ping of a sequence that leaves the connection open: its pong proves that the server
    /// read everything before it, so wsspec can close at once.
    public static let finalPing: [UInt8] = Array("wsspec fuzz: end".utf8)

    /// Models `steps`. The steps are normalized first: a text message whose octets are already invalid is finished
    /// (an empty final continuation) before a Close step or the end, so that failing fast and failing at the
    /// message's end are both possible; a pause (50 ms) goes before a Close step that follows data messages, since
    /// the RFC leaves open whether echoes still pending when the Close arrives are written (the suite's 7.1.6); and
    /// a final ping goes at the end when the connection should still be open.
    public init(_ input: [Step], deflate: DeflateUse = .none) {
        self.deflate = deflate
        let compressed = deflate == .negotiated
        var steps = input
        for _ in 0..<8 {
            let model = Model.run(steps, strictLengths: false, compressed: compressed)
            // wsspec's own Close after a violation would race the server's: the server fails first, so it goes.
            let failures = [model.world.failedAtStep, Model.run(steps, strictLengths: true, compressed: compressed).world.failedAtStep].compactMap { $0 }
            if let first = failures.min(), let late = steps.indices.first(where: { $0 > first && Self.isClose(steps[$0]) }) {
                steps.remove(at: late)
                continue
            }
            if let index = model.unfinishedInvalidText {
                steps.insert(.send(FrameStep(opcode: .continuation, payload: .empty)), at: index)
                continue
            }
            if let index = model.pauseBefore ?? Model.run(steps, strictLengths: true, compressed: compressed).pauseBefore, index > 0,
                index < steps.count, !Self.isPause(steps[index - 1]), !Self.isPause(steps[index])
            {
                steps.insert(.pause(seconds: 0.05, tag: nil), at: index)
                continue
            }
            if let index = model.closeAfterData, index > 0, !Self.isPause(steps[index - 1]) {
                steps.insert(.pause(seconds: 0.05, tag: nil), at: index)
                continue
            }
            break
        }
        var lenient = Model.run(steps, strictLengths: false, compressed: compressed)
        if lenient.world.failCodes == nil && !lenient.world.clientClose.present {
            steps.append(.send(FrameStep(opcode: .ping, payload: .bytes(Self.finalPing))))
            lenient = Model.run(steps, strictLengths: false, compressed: compressed)
        }
        let strict = Model.run(steps, strictLengths: true, compressed: compressed)
        modelsCompression = !(lenient.unboundedCompressed || strict.unboundedCompressed)
        self.steps = steps
        worlds = strict.world == lenient.world ? [lenient.world] : [strict.world, lenient.world]
    }

    static func isClose(_ step: Step) -> Bool {
        switch step {
        case .close, .closeFrame: return true
        case .raw: return (octets(step)?.first ?? 0) & 0x0F == 8
        default: return false
        }
    }

    static func isPause(_ step: Step) -> Bool {
        if case .pause = step { return true }
        return false
    }

    /// The octets wsspec writes for a step (masked with a fixed key: masking does not change what a server reads).
    static func octets(_ step: Step) -> [UInt8]? {
        let key = MaskKey(0x11, 0x22, 0x33, 0x44)
        switch step {
        case .send(let frame):
            let pattern = frame.payload.bytes()
            let payload = pattern.isEmpty ? [] : FrameEncoder.repeated(pattern, toLength: frame.repeatLength ?? pattern.count)
            return FrameEncoder.encode(
                FrameHeader(fin: frame.fin, rsv: frame.rsv, opcode: frame.opcode, maskKey: key, payloadLength: UInt64(payload.count)),
                payload: payload)
        case .message(let message):
            let bytes = message.payload.bytes()
            return FrameEncoder.encode(
                FrameHeader(opcode: message.binary ? .binary : .text, maskKey: key, payloadLength: UInt64(bytes.count)), payload: bytes)
        case .raw(let payload, _, _):
            return payload.bytes()
        case .close(let code, let reason):
            let body = FrameEncoder.closePayload(code: code.map { UInt16($0) }, reason: reason.map { Array($0.utf8) })
            return FrameEncoder.encode(FrameHeader(opcode: .close, maskKey: key, payloadLength: UInt64(body.count)), payload: body)
        case .closeFrame(let code, let reason):
            let body = FrameEncoder.closePayload(code: code.map { UInt16(truncatingIfNeeded: $0) }, reason: reason?.bytes())
            return FrameEncoder.encode(FrameHeader(opcode: .close, maskKey: key, payloadLength: UInt64(body.count)), payload: body)
        default:
            return nil
        }
    }
}

/// One walk of the model over the steps.
struct Model {
    var world = Oracle.World()
    /// Where a finished continuation must go: a text message already invalid is open at this step (a Close) or at
    /// the end.
    var unfinishedInvalidText: Int?
    /// A Close step at this index follows data messages sent since the last pause.
    var closeAfterData: Int?
    /// A compressed message's payload does not end at a deflate block boundary (see `compressedMessageEnded`).
    var unboundedCompressed = false

    static func run(_ steps: [Step], strictLengths: Bool, compressed: Bool = false) -> Model {
        var model = Model()
        model.parser.compressionNegotiated = compressed
        model.walk(steps, strictLengths: strictLengths)
        return model
    }

    private var parser = FrameParser(role: .server)
    private var payload: [UInt8] = []
    private var message: [UInt8] = []
    private var messageBinary = false
    private var validator = UTF8Validator()
    /// The message in progress has RSV1 on its first frame (permessage-deflate negotiated): its octets are
    /// checked and echoed once inflated, at its end.
    private var messageCompressed = false
    /// Messages echoed since the last pause: what a server failing on the next frame may not have written yet.
    private var burstEvents = 0
    /// The text message in progress became invalid: the events when it did (failing fast).
    private var invalidSince: [ExpectedEvent]?
    /// The invalid text message has ended: a server that checks UTF-8 only when the application reads the message
    /// may still answer the pings that came with it (in the same burst) before it fails.
    private var dying = false
    /// The step where the message in progress began, and the messages of the burst before it.
    private var messageStart = (step: 0, burst: 0)
    /// A pause must go before this step: echoes of the same burst could be lost when the server fails here.
    var pauseBefore: Int?

    private mutating func walk(_ steps: [Step], strictLengths: Bool) {
        for (index, step) in steps.enumerated() {
            self.index = index
            if case .raw = step { stepIsRaw = true } else { stepIsRaw = false }
            if case .pause = step {
                if dying {
                    fail(.invalidPayload, Self.invalidUTF8)
                    return
                }
                burstEvents = 0
                continue
            }
            let isClose: Bool
            switch step {
            case .close, .closeFrame: isClose = true
            default: isClose = false
            }
            if isClose {
                if invalidSince != nil && !dying {
                    unfinishedInvalidText = index
                    return
                }
                if burstEvents > 0 || dying { closeAfterData = index }
                if dying { return }
            }
            guard let bytes = Oracle.octets(step) else { continue }
            parser.append(bytes)
            while let event = parser.next() {
                if done { return }
                handle(event, strictLengths: strictLengths)
                if done { return }
            }
        }
        if dying {
            fail(.invalidPayload, Self.invalidUTF8)
        } else if invalidSince != nil {
            unfinishedInvalidText = steps.count
        }
    }

    private var index = 0
    private var stepIsRaw = false

    private var done: Bool { world.failCodes != nil || world.clientClose.present }

    private mutating func fail(_ code: CloseCode, _ rule: Oracle.Rule) {
        world.failedAtStep = index
        if invalidSince != nil && messageStart.burst > 0 {
            pauseBefore = pauseBefore ?? messageStart.step
        } else if invalidSince == nil && burstEvents > 1 && !world.violationIsClose {
            pauseBefore = pauseBefore ?? index
        }
        var codes = [code]
        if let fast = invalidSince {
            codes = [CloseCode.invalidPayload]
            if code != CloseCode.invalidPayload { codes.append(code) }
            if fast != world.events {
                // Failing fast is the strict answer; failing here, where the server also had to, is non-strict.
                world.lenient = world.events
                world.events = fast
                world.failCodes = codes
                world.violation = Self.invalidUTF8
                return
            }
        }
        if burstEvents == 1 {
            // The answer that arrived with the violation may be lost: the server fails (and drops TCP) before it
            // writes it, as in the suite's 4.1.3. With more than one, a pause goes before the violation instead.
            world.lenient = Array(world.events.dropLast())
        }
        world.failCodes = codes
        world.violation = invalidSince != nil ? Self.invalidUTF8 : rule
    }

    static let invalidUTF8 = Oracle.Rule(
        clause: "6455 §8.1", requirement: "A text message that is not valid UTF-8 MUST fail the connection (1007).")

    private mutating func handle(_ event: FrameParser.Event, strictLengths: Bool) {
        switch event {
        case .frameBegin(let header, let violations):
            payload = []
            for violation in violations {
                if violation == .nonMinimalLength && !strictLengths { continue }
                fail(.protocolError, Self.rule(for: violation))
                // wsspec knows a Close it wrote as a close step, not one in raw octets.
                if header.opcode == .close && !stepIsRaw { world.violationIsClose = true }
                return
            }
            if !header.opcode.isControl && header.opcode != .continuation {
                messageStart = (index, burstEvents)
                message = []
                messageBinary = header.opcode == .binary
                messageCompressed = header.rsv == 4
                validator = UTF8Validator()
            }
        case .payload(let chunk):
            payload += chunk.readableBytesView
        case .frameEnd(let header):
            if header.opcode.isControl {
                control(header.opcode, payload)
                return
            }
            if dying { return }  // not echoed: the server fails before
            message += payload
            if messageCompressed {
                guard header.fin else { return }
                compressedMessageEnded()
                return
            }
            if !messageBinary && invalidSince == nil {
                if case .invalid = validator.validate(payload) {
                    invalidSince = world.events
                    if !header.fin { return }
                } else if header.fin && !validator.isComplete {
                    invalidSince = world.events
                }
            }
            guard header.fin else { return }
            if invalidSince != nil {
                dying = true
                // A server may read on past the invalid message until its application reads it; a pause after it
                // lets that happen before the next frames.
                if pauseBefore == nil { pauseBefore = index + 1 }
                return
            }
            world.events.append(.message(.bytes(message), binary: messageBinary))
            burstEvents += 1
        }
    }

    /// One compressed message inflated by a fresh inflater (the messages wsspec fuzz compresses stand alone), with
    /// that inflater to look further into the stream; nil when it does not inflate.
    static func inflateAlone(_ compressed: [UInt8]) -> (octets: [UInt8], inflater: MessageInflater)? {
        let inflater = MessageInflater(noContextTakeover: true)
        inflater.beginMessage()
        var out: [UInt8] = []
        do {
            try inflater.inflate(compressed, into: &out)
            try inflater.endMessage(into: &out)
        } catch {
            return nil
        }
        return (out, inflater)
    }

    /// A compressed message ended: inflated as the server must (each message wsspec compresses stands alone, so a
    /// fresh inflater gives what the server's gives, whatever its context takeover). Data that does not inflate
    /// fails the connection; text is checked once inflated, and invalid UTF-8 fails it as in `handle`.
    private mutating func compressedMessageEnded() {
        guard let (inflated, inflater) = Self.inflateAlone(message) else {
            fail(.invalidPayload, Self.notInflating)
            world.failCodes?.append(.protocolError)
            return
        }
        // Payload octets that leave the inflater inside a block (an empty payload, a cut one) are not one
        // compressed message: what the server does with the rest of the block is not the RFC's to say. A final empty
        // stored block after it ends the stream only at a block boundary; anywhere else it comes out as octets.
        var after: [UInt8] = []
        if (try? inflater.inflate([0x01, 0x00, 0x00, 0xFF, 0xFF, 0x41], into: &after)) == nil || !after.isEmpty {
            unboundedCompressed = true
        }
        if !messageBinary && !UTF8Validator.isValid(inflated) {
            // As for a text message sent plain (below): the server may read on until its application reads it.
            invalidSince = world.events
            dying = true
            if pauseBefore == nil { pauseBefore = index + 1 }
            return
        }
        world.events.append(.message(.bytes(inflated), binary: messageBinary))
        burstEvents += 1
    }

    static let notInflating = Oracle.Rule(
        clause: "7692 §6.2, 6455 §7.1.7",
        requirement: "A compressed message whose payload does not inflate (RFC 7692 §7.2.2) cannot be delivered: the connection MUST be failed.")

    private mutating func control(_ opcode: Opcode, _ payload: [UInt8]) {
        switch opcode {
        case .ping:
            world.events.append(.pong(.bytes(payload)))
            if !dying { burstEvents += 1 }
        case .close:
            if payload.count >= 2 {
                let code = Int(payload[0]) << 8 | Int(payload[1])
                if !CloseCode.isValidOnWire(code) {
                    fail(
                        .protocolError,
                        Oracle.Rule(
                            clause: "6455 §7.4.1, §7.4.2",
                            requirement: "A Close with a code that is reserved, unassigned or never sent on the wire is a protocol error (1002)."))
                    world.violationIsClose = true
                    // A reason that is not UTF-8 as well: either problem may be the one the server names.
                    if !UTF8Validator.isValid(payload[2...]) { world.failCodes?.append(.invalidPayload) }
                    return
                }
                if !UTF8Validator.isValid(payload[2...]) {
                    fail(
                        .invalidPayload,
                        Oracle.Rule(clause: "6455 §5.5.1, §8.1", requirement: "A Close reason that is not UTF-8 MUST fail the connection (1007)."))
                    world.violationIsClose = true
                    if !(world.failCodes ?? []).contains(.protocolError) { world.failCodes?.append(.protocolError) }
                    return
                }
                world.clientClose = (code, true)
            } else {
                world.clientClose = (nil, true)
            }
        default:
            break
        }
    }

    static func rule(for violation: FrameViolation) -> Oracle.Rule {
        switch violation {
        case .reservedBits:
            return .init(clause: "6455 §5.2", requirement: "A nonzero RSV bit without a negotiated extension MUST fail the connection.")
        case .reservedDataOpcode, .reservedControlOpcode:
            return .init(clause: "6455 §5.2", requirement: "A reserved opcode MUST make the receiver fail the connection.")
        case .fragmentedControlFrame:
            return .init(clause: "6455 §5.5", requirement: "Control frames MUST NOT be fragmented; one with FIN clear is a protocol error.")
        case .controlFrameTooLong:
            return .init(clause: "6455 §5.5", requirement: "A control frame MUST have a payload of 125 octets or less.")
        case .closeWithOneBytePayload:
            return .init(clause: "6455 §5.5.1", requirement: "A Close body, if any, MUST start with a two-octet code.")
        case .continuationOutsideMessage, .newMessageInsideMessage:
            return .init(
                clause: "6455 §5.4",
                requirement: "Fragments of one message MUST NOT interleave with another; a continuation needs a message to continue.")
        case .compressedControlFrame:
            return .init(
                clause: "7692 §6.1",
                requirement: "An endpoint MUST NOT set RSV1 on a control frame; one that does MUST fail the connection (6455 §5.2).")
        case .compressedContinuation:
            return .init(
                clause: "7692 §6.1",
                requirement: "RSV1 is set on a message's first frame only; a continuation with RSV1 MUST fail the connection (6455 §5.2).")
        case .nonMinimalLength:
            return .init(clause: "6455 §5.2", requirement: "The minimal number of octets MUST be used to encode the length.")
        default:
            return .init(clause: "6455 §5.2", requirement: "A malformed frame MUST fail the connection: \(violation.reason).")
        }
    }
}
