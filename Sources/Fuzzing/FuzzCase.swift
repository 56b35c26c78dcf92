import CaseModel
import Engine
import Recording
import WebSocketWire

/// The kinds of finding, worst first.
public enum FindingClass: String, CaseIterable, Sendable, Comparable {
    /// The server was gone afterwards: a fresh connection did not open, or did not echo.
    case crash
    /// The server stopped answering: wsspec's Close got no answer.
    case hang
    /// The server went on after a protocol violation, or answered it (echoed invalid data).
    case acceptedInvalid = "accepted-invalid"
    /// The server failed the connection on a sequence that breaks no rule.
    case rejectedValid = "rejected-valid"
    /// A message or pong came back different, or not at all.
    case wrongEcho = "wrong-echo"
    case wrongCloseCode = "wrong-close-code"
    case uncleanClose = "unclean-close"

    public var title: String {
        switch self {
        case .crash: return "crash/unreachable"
        case .hang: return "hang"
        case .acceptedInvalid: return "accepted invalid input"
        case .rejectedValid: return "rejected valid input"
        case .wrongEcho: return "wrong echo"
        case .wrongCloseCode: return "wrong close code"
        case .uncleanClose: return "unclean close"
        }
    }

    public static func < (a: FindingClass, b: FindingClass) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// Whether a sequence offers permessage-deflate (RFC 7692) in its opening handshake, and what the oracle assumes
/// the server does with the offer.
public enum DeflateUse: String, Sendable, Equatable {
    /// No offer: RSV1 is a reserved bit (RFC 6455 §5.2).
    case none
    /// Offered, and the server declines: the sequence goes on without compression.
    case declined
    /// Offered and accepted: RSV1 on a message's first frame marks it compressed.
    case negotiated

    public var offered: Bool { self != .none }

    /// The offer wsspec fuzz makes: the server may ask wsspec to reset its window per message, but not to use a
    /// smaller one (wsspec compresses every message on its own, with the full window).
    public static let offer = DeflateOffer(acceptNoContextTakeover: true, acceptMaxWindowBits: false)

    /// Whether the server's handshake answer accepted permessage-deflate (the engine opens the WebSocket only on an
    /// answer it accepts).
    public static func accepted(_ recording: CaseRecording) -> Bool {
        guard recording.connectionWasOpen, let response = recording.handshakeResponse else { return false }
        return response.split(whereSeparator: \.isNewline).contains { line in
            let lower = line.lowercased()
            return lower.hasPrefix("sec-websocket-extensions:") && lower.contains(DeflateParameters.extensionName)
        }
    }
}

/// A sequence as a case: its steps, the oracle's expectation and the timer that bounds the wait.
public enum FuzzCase {
    /// The category of fuzzing cases and findings: suite `fuzz`, so `--case-dir DIR --suite fuzz` runs them alone.
    public static let category = CaseGroup(id: "90", title: "Fuzz findings", suite: "fuzz")

    /// The case of `world` of `oracle`; `wait` seconds bound the wait for the server (a close or kill timer).
    public static func definition(
        _ oracle: Oracle, world: Oracle.World, wait: Double, id: CaseID, description: String = "A generated sequence.",
        rule: Oracle.Rule? = nil
    ) -> CaseDefinition {
        let deflate = oracle.deflate
        let fails = world.failCodes != nil
        let close: CloseExpectation
        if let codes = world.failCodes {
            close = CloseExpectation(closedByClient: world.violationIsClose, codes: codes, requireClean: false)
        } else if world.clientClose.present, let code = world.clientClose.code, code != 1000 {
            close = CloseExpectation(closedByClient: true, codes: [CloseCode(UInt16(code)), .normalClosure], requireClean: true)
        } else {
            close = CloseExpectation(closedByClient: true, codes: [.normalClosure], requireClean: true)
        }
        var expected: [(outcome: Behavior, events: [ExpectedEvent])] = [(.ok, world.events)]
        if let lenient = world.lenient, lenient != world.events { expected.append((.nonStrict, lenient)) }
        let rule = rule ?? world.violation
        var definition = CaseDefinition(
            id: id, description: description, expectation: expectation(world, deflate: deflate), rfc: rule?.clause,
            requirement: rule?.requirement, category: category,
            steps: oracle.steps + [fails ? .killAfter(seconds: wait) : .closeAfter(seconds: wait)], expected: expected,
            close: close, autoClose: !world.clientClose.present && !world.violationIsClose,
            source: SourceLocation(file: "wsspec fuzz", line: 0, column: 0))
        definition.interleave = true
        if oracle.deflate.offered { definition.deflateOffers = [DeflateUse.offer] }
        return definition
    }

    /// The oracle's rule in words.
    static func expectation(_ world: Oracle.World, deflate: DeflateUse = .none) -> String {
        var echoes = 0
        for event in world.events {
            if case .message = event { echoes += 1 }
        }
        let pongs = world.events.count - echoes
        let echoWord = echoes == 1 ? "echo" : "echoes"
        let pongWord = pongs == 1 ? "pong" : "pongs"
        var what = "\(echoes) \(echoWord) and \(pongs) \(pongWord) come back (each kind in order)"
        if let codes = world.failCodes, let rule = world.violation, world.violationIsClose {
            let codeList: String = codes.map(\.description).joined(separator: " or ")
            what += "; wsspec's Close breaks a rule (\(rule.clause): \(rule.requirement)), so the server answers it with"
            what += " \(codeList) or drops TCP"
        } else if let codes = world.failCodes, let rule = world.violation {
            let codeList: String = codes.map(\.description).joined(separator: " or ")
            what += "; then the server fails the connection (\(rule.clause): \(rule.requirement)) with \(codeList)"
            what += " or by dropping TCP, and answers nothing after"
            if world.lenient != nil { what += "; failing later, or losing the echoes that came with the violation, is non-strict" }
        } else if world.clientClose.present {
            what += "; the server answers wsspec's Close with a Close and closes TCP"
        } else {
            what += "; the last is the pong of the final ping, then wsspec closes normally and the server closes TCP"
        }
        switch deflate {
        case .none: break
        case .declined: what += "; wsspec offers permessage-deflate, the server declined it when the sequence was made"
        case .negotiated: what += "; permessage-deflate is negotiated, and a compressed message echoes as its inflated octets"
        }
        return what + "."
    }

    /// The case that checks the server is still alive: a fresh connection, a text message echoed, a normal close.
    public static func probe(wait: Double) -> CaseDefinition {
        let text = Payload.text("wsspec fuzz: still alive?")
        var definition = CaseDefinition(
            id: CaseID("90.0")!, description: "Is the server still alive?", expectation: "The text is echoed.",
            category: category, steps: [.send(FrameStep(opcode: .text, payload: text)), .closeAfter(seconds: wait)],
            expected: [(.ok, [.message(text, binary: false)])],
            close: CloseExpectation(closedByClient: true, codes: [.normalClosure], requireClean: false),
            source: SourceLocation(file: "wsspec fuzz", line: 0, column: 0))
        definition.interleave = true
        return definition
    }

    /// Whether a judgement passes, by the default pass policy.
    public static func passes(_ judgement: Judgement) -> Bool {
        let behaviors: [Behavior] = [.ok, .nonStrict, .informational]
        let closes: [CloseBehavior] = [.ok, .informational]
        return behaviors.contains(judgement.behavior) && closes.contains(judgement.behaviorClose)
    }

    /// What a failing run of `definition` (of `world`) shows, and the rule it breaks.
    public static func classify(
        world: Oracle.World, definition: CaseDefinition, judgement: Judgement, recording: CaseRecording, alive: Bool
    ) -> (FindingClass, Oracle.Rule) {
        let closing = recording.closing
        if !alive || !recording.connectionWasOpen {
            return (
                .crash,
                .init(
                    clause: "6455 §7.1.7, §4.2.2",
                    requirement: "A server fails at most the one connection: afterwards a new one must still open and echo."))
        }
        if closing.closedByMe && closing.wasCloseHandshakeTimeout {
            return (
                .hang,
                world.violation
                    ?? .init(clause: "6455 §5.5.1", requirement: "A Close MUST be answered with a Close; the server stopped answering."))
        }
        let observed = recording.received
        let longest = definition.expected.map(\.events.count).max() ?? 0
        let eventsWrong = !definition.expected.contains { Judge.matches(observed, $0.events, interleave: true) }
        let observedPongs: [ObservedEvent] = observed.filter(\.isPong)
        let pongsWrong = !definition.expected.contains { expected in
            Judge.matches(observedPongs, expected.events.filter(\.isPong))
        }
        let echoRule: Oracle.Rule =
            pongsWrong
            ? .init(clause: "6455 §5.5.2, §5.5.3", requirement: "A Ping MUST be answered by a Pong with the same application data.")
            : .init(
                clause: "6455 §5.6, §5.4",
                requirement: "An echo server sends back every data message as it arrived: same type, same octets, fragments joined.")
        if let violation = world.violation {
            if (closing.closedByMe && !world.violationIsClose) || (eventsWrong && observed.count > longest) {
                return (.acceptedInvalid, violation)
            }
            if eventsWrong { return (.wrongEcho, echoRule) }
            if judgement.behaviorClose == .wrongCode { return (.wrongCloseCode, violation) }
        } else {
            if !closing.closedByMe {
                return (
                    .rejectedValid,
                    .init(clause: "6455 §5.2–§5.6, §7.1.7", requirement: "Every frame here is valid: the server MUST NOT fail the connection."))
            }
            if eventsWrong { return (.wrongEcho, echoRule) }
            if judgement.behaviorClose == .wrongCode {
                return (.wrongCloseCode, .init(clause: "6455 §5.5.1", requirement: "A Close is answered with a Close, echoing its code (or 1000)."))
            }
        }
        return (
            .uncleanClose,
            .init(clause: "6455 §7.1.1, §5.5.1", requirement: "After the closing handshake the server closes the TCP connection first."))
    }
}

extension ObservedEvent {
    var isPong: Bool {
        if case .pong = self { return true }
        return false
    }
}

extension ExpectedEvent {
    var isPong: Bool {
        if case .pong = self { return true }
        return false
    }
}
