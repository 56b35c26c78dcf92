import CaseModel
import Foundation
import NIOCore
import ReportFormat
import Gating
import Rendering
import Recording
import JSONCodec
import Testing
import WebSocketWire

@testable import Engine
@testable import Harness
import Recording

/// Octets written as hex, blanks allowed.
func bytes(_ hex: String) -> [UInt8] {
    let digits = Array(hex.filter { !$0.isWhitespace })
    return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
}

let hello = Array("Hello".utf8)

/// A case built by hand: by default one expected outcome with no events, closed by wsspec with 1000, clean.
func definition(
    id: String = "1.1.1",
    steps: [Step] = [],
    expected: [(outcome: Behavior, events: [ExpectedEvent])] = [(.ok, [])],
    close: CloseExpectation = CloseExpectation(closedByClient: true, codes: [1000], requireClean: true),
    autoClose: Bool = true,
    verdict: VerdictRules = VerdictRules()
) -> CaseDefinition {
    CaseDefinition(
        id: CaseID(id)!, description: "by hand", expectation: "by hand", category: CaseGroup(id: "1", title: "Test"),
        steps: steps, expected: expected, close: close, autoClose: autoClose, verdict: verdict,
        source: CaseModel.SourceLocation(file: "test", line: 1, column: 1))
}

/// The server must fail the connection with 1002 (catalogue "S-1002").
let serverFails1002 = CloseExpectation(closedByClient: false, codes: [1002], requireClean: false)

/// An unmasked frame as a server sends it.
func serverFrame(_ opcode: Opcode, _ payload: [UInt8], fin: Bool = true, rsv: UInt8 = 0, mask: MaskKey? = nil) -> [UInt8] {
    FrameEncoder.encode(
        FrameHeader(fin: fin, rsv: rsv, opcode: opcode, maskKey: mask, payloadLength: UInt64(payload.count)),
        payload: payload)
}

func serverClose(_ code: UInt16?, _ reason: String? = nil) -> [UInt8] {
    serverFrame(.close, FrameEncoder.closePayload(code: code, reason: reason.map { Array($0.utf8) }))
}

/// A frame the client wrote, decoded by a server-role parser.
struct SentFrame: Equatable, CustomStringConvertible {
    var opcode: Opcode
    var fin: Bool
    var rsv: UInt8
    var masked: Bool
    var violations: [FrameViolation]
    var payload: [UInt8]

    var description: String { "\(opcode) fin=\(fin) payload=\(payload.count) octets violations=\(violations)" }
}

/// Drives a `CaseDriver` the way `CaseConnectionHandler` does, without a socket, and decodes what it writes.
struct Harness {
    var engine: CaseDriver
    /// The driver's clock: a millisecond per input.
    private(set) var now: UInt64 = 1_000_000_000
    /// Everything the engine wrote, in order.
    private(set) var written: [UInt8] = []
    private var clientStream = FrameParser(role: .server)
    private var partial: SentFrame?
    private var handshakeDone = false

    init(
        _ definition: CaseDefinition, seed: UInt64 = 1, timeouts: ProtocolTimeouts = ProtocolTimeouts(),
        limits: ReceiveLimits = ReceiveLimits()
    ) {
        engine = CaseDriver(definition: definition, timeouts: timeouts, seed: seed, limits: limits)
    }

    var observation: CaseRecording { engine.recording(at: now) }
    var closing: ClosingBehavior { engine.recording.closing }
    /// The verdict the case's own check reached, in the judge's words.
    var caseVerdict: CaseVerdict? {
        engine.recording.finding.map { finding in
            let (behavior, result) = Judge.words(for: finding, of: engine.definition)
            return CaseVerdict(behavior: behavior.rawValue, result: result)
        }
    }
    var recorder: Recorder { engine.recorder }

    /// The answer a correct server gives to this engine's request.
    var goodResponse: [UInt8] {
        Array(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: \(HandshakeRequest.acceptValue(forKey: engine.request!.key))\r\n"
            + "Server: TestServer/1.0\r\n\r\n").utf8)
    }

    mutating func connect() -> [EngineAction] {
        engine.connected(at: tick(), wallClock: Date(timeIntervalSince1970: 1_800_000_000))
        return collect()
    }

    /// TCP up, the request goes out, a good answer comes back: the case is open and its steps ran.
    mutating func open() -> [EngineAction] {
        _ = connect()
        return receive(goodResponse)
    }

    mutating func receive(_ data: [UInt8]) -> [EngineAction] {
        engine.received(ByteBuffer(bytes: data), at: tick())
        return collect()
    }

    mutating func fire(_ timer: TimerID) -> [EngineAction] {
        engine.timerFired(timer)
        return collect()
    }

    mutating func writeTurn() -> [EngineAction] {
        engine.writeTurn()
        return collect()
    }

    mutating func lose() -> [EngineAction] {
        engine.connectionLost(at: tick())
        return collect()
    }

    private mutating func tick() -> UInt64 {
        now += 1_000_000
        return now
    }

    /// Takes the engine's actions, keeping the octets it wrote.
    private mutating func collect() -> [EngineAction] {
        let actions = engine.takeActions()
        for case .write(let data) in actions {
            if !handshakeDone {
                // The first write is the opening handshake request.
                handshakeDone = true
                continue
            }
            written += data.readableBytesView
            clientStream.append(Array(data.readableBytesView))
        }
        return actions
    }

    /// The frames completed by everything written since the last call.
    mutating func sentFrames() -> [SentFrame] {
        var frames: [SentFrame] = []
        while let event = clientStream.next() {
            switch event {
            case .frameBegin(let h, let violations):
                partial = SentFrame(
                    opcode: h.opcode, fin: h.fin, rsv: h.rsv, masked: h.maskKey != nil, violations: violations, payload: [])
            case .payload(let buffer):
                partial?.payload += buffer.readableBytesView
            case .frameEnd:
                frames.append(partial!)
                partial = nil
            }
        }
        return frames
    }
}

extension EngineAction {
    var written: [UInt8]? {
        if case .write(let data) = self { return Array(data.readableBytesView) }
        return nil
    }
}

/// The timers an action list arms, by kind.
func scheduled(_ actions: [EngineAction]) -> [(TimerID, Double)] {
    actions.compactMap { if case .schedule(let id, let s) = $0 { (id, s) } else { nil } }
}

/// The kill timer an action list arms.
func killTimer(in actions: [EngineAction]) -> TimerID? {
    scheduled(actions).first { if case .kill = $0.0 { true } else { false } }?.0
}

/// The wire-log kind codes of catalogue §1.7.
func kind(_ entry: WireLogEntry) -> String {
    switch entry {
    case .rxOctets: return "RO"
    case .txOctets: return "TO"
    case .rxFrame: return "RF"
    case .txFrame: return "TF"
    case .delay: return "CT"
    case .delayFired: return "CTE"
    case .killAfter: return "KL"
    case .killFired: return "KLE"
    case .closeAfter: return "TI"
    case .closeFired: return "TIE"
    case .wirelog: return "WLM"
    }
}

/// A verdict and its text, as the report spells them.
struct CaseVerdict: Equatable {
    var behavior: String
    var result: String
}

/// The judge's outcome in the report's words.
extension CaseOutcome {
    var behavior: String { reportFields.behavior }
    var behaviorClose: String { reportFields.behaviorClose }
    var result: String { reportFields.result }
    var resultClose: String { reportFields.resultClose }
}

/// A judged outcome from the report's words.
func Verdict(behavior: String, behaviorClose: String, result: String, resultClose: String) -> CaseOutcome {
    .judged(
        Judgement(
            behavior: Behavior(rawValue: behavior)!, behaviorClose: CloseBehavior(rawValue: behaviorClose)!, result: result,
            resultClose: resultClose))
}
