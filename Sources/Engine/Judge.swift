import CaseModel
import Recording
import WebSocketWire

/// Judges a finished case from its recording, as the reference does (catalogue §1.5). A pure function of the
/// case's definition and what happened.
public enum Judge {
    public static func judge(_ definition: CaseDefinition, _ recording: CaseRecording) -> CaseOutcome {
        if let problem = recording.harnessError { return .harnessError(problem) }
        return .judged(judgement(definition, recording))
    }

    public static func judgement(_ definition: CaseDefinition, _ recording: CaseRecording) -> Judgement {
        if let handshake = definition.handshake { return HandshakeJudge.judgement(definition, handshake, recording) }
        var verdict = Judgement(
            behavior: .failed, behaviorClose: .failed, result: "Actual events differ from any expected.",
            resultClose: "TCP connection was dropped without close handshake")
        let closing = recording.closing

        if recording.connectionWasOpen {
            if let check = definition.echo {
                let within = Int(check.within)
                verdict.result =
                    check.rounds == 1
                    ? "Did not receive message within \(within) seconds." : "Case did not finish within \(within) seconds."
            } else if let match = definition.expected.first(where: {
                matches(recording.received, $0.events, interleave: definition.interleave)
            }) {
                verdict.behavior = match.outcome
                verdict.result = "Actual events match at least one expected."
            }
            if let finding = recording.finding {
                (verdict.behavior, verdict.result) = words(for: finding, of: definition)
            }
            let expected = definition.close
            if expected.closedByClient != closing.closedByMe {
                verdict.behaviorClose = .failed
                verdict.resultClose = "The connection was failed by the wrong endpoint"
            } else if expected.requireClean && !closing.wasClean {
                verdict.behaviorClose = .unclean
                verdict.resultClose = "The spec requires the connection to be failed cleanly here"
            } else if let code = closing.remoteCloseCode, !expected.codes.contains(code) {
                verdict.behaviorClose = .wrongCode
                verdict.resultClose =
                    "The close code should have been \(expected.codes.map(\.description).joined(separator: ",")) or empty"
            } else if closing.droppedByMe && !closing.isServer {
                // Close rule 4 judges which side closed TCP first; a server closes it itself (RFC 6455 §7.1.1).
                verdict.behaviorClose = .failedByClient
                verdict.resultClose = "It is preferred that the server close the TCP connection"
            } else {
                verdict.behaviorClose = .ok
                verdict.resultClose = "Connection was properly closed"
            }
            if expected.wrongEndpointIsFatal && expected.closedByClient != closing.closedByMe {
                verdict.behavior = .failed
            }
        } else {
            verdict.behaviorClose = .failed
            verdict.resultClose = "The WebSocket opening handshake was never completed!"
        }

        let rules = definition.verdict
        if rules.wrongCodeFails && verdict.behaviorClose == .wrongCode {
            verdict.behavior = .failed
            verdict.result = verdict.resultClose
        }
        if let expectedFrames = rules.txFrames {
            if recording.connectionWasOpen {
                let got = expectedFrames.keys.sorted().map { ($0, recording.txFrames[$0, default: 0]) }
                if got.contains(where: { expectedFrames[$0.0] != $0.1 }) {
                    verdict.behavior = .failed
                    let describe: ([(Int, Int)]) -> String = { "{" + $0.map { "\($0.0): \($0.1)" }.joined(separator: ", ") + "}" }
                    verdict.result =
                        "Frames transmitted \(describe(got)) does not match what we expected \(describe(expectedFrames.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }))."
                }
            } else {
                verdict.behavior = .failed
                verdict.result = "WebSocket connection was never open"
            }
        }
        if rules.informational {
            if let text = rules.results[verdict.behavior] ?? rules.result { verdict.result = text }
            verdict.behavior = .informational
            verdict.behaviorClose = .informational
        } else if let text = rules.results[verdict.behavior] {
            verdict.result = text
        }
        return verdict
    }

    /// The verdict and the reference's words for what the case's own check found.
    static func words(for finding: CheckFinding, of definition: CaseDefinition) -> (Behavior, String) {
        let kind = { (binary: Bool) in binary ? "binary" : "text" }
        let python = { (flag: Bool) in flag ? "True" : "False" }
        let rounds = definition.echo?.rounds ?? 1
        let loop = definition.steps.lazy.compactMap { step -> MessageLoopStep? in
            if case .messageLoop(let loop) = step { return loop }
            return nil
        }.first
        switch finding {
        case .echoed(_, let binary, let length):
            return (.ok, rounds == 1 ? "Received \(kind(binary)) message of length \(length)." : "Ok, received all echo'ed messages in time.")
        case .echoDiffers(_, let sentBinary, let sentLength, let gotBinary, let gotLength):
            if rounds != 1 {
                return (.failed, "Echo'ed message type or length differs from what I sent (got binary = \(python(gotBinary)), payload length = \(gotLength)).")
            }
            if sentBinary != gotBinary {
                return (.failed, "Expected \(kind(sentBinary)) message with payload, but got \(kind(gotBinary)).")
            }
            return (.failed, "Expected \(kind(sentBinary)) message with payload of length \(sentLength), but got \(gotLength).")
        case .echoContentDiffers(let round, let offset, let sent, let got):
            return (.failed, "The echo of message \(round) differs from what was sent at payload octet \(offset): sent 0x\(hex([sent])), got 0x\(hex([got])).")
        case .unsolicited(let binary):
            return (.failed, "Received a \(kind(binary)) message, but had sent none.")
        case .loopStarted:
            return (.failed, "Case did not finish within \(Int(loop?.timeout ?? 0)) seconds.")
        case .loopCompressionNotNegotiated:
            return (.unimplemented, "Actual events differ from any expected.")
        case .loopTypeDiffers(let gotBinary):
            return (.failed, "Echo'ed message type differs from what I sent (got binary \(python(gotBinary)), expected binary \(python(!(loop?.text ?? false)))).")
        case .loopLengthDiffers(let got):
            return (.failed, "Echo'ed message length differs from what I sent (got length \(got), expected length \(loop?.size ?? 0)).")
        case .loopContentDiffers(let got, let sent):
            return (.failed, "Echo'ed message contents differs from what I sent (got SHA1 \(hex(got)), expected SHA1 \(hex(sent))).")
        case .loopCompleted:
            return (.ok, "Ok, received all echo'ed messages in time.")
        }
    }

    /// Whether the observed events are the expected ones: in order, or with `interleave` each kind (messages, pongs,
    /// phase boundaries) in its own order.
    public static func matches(_ observed: [ObservedEvent], _ expected: [ExpectedEvent], interleave: Bool) -> Bool {
        guard interleave else { return matches(observed, expected) }
        func kind(_ o: ObservedEvent) -> Int {
            switch o {
            case .message: return 0
            case .pong: return 1
            case .timeout: return 2
            }
        }
        func kind(_ e: ExpectedEvent) -> Int {
            switch e {
            case .message: return 0
            case .pong: return 1
            case .timeout: return 2
            }
        }
        return (0..<3).allSatisfy { k in matches(observed.filter { kind($0) == k }, expected.filter { kind($0) == k }) }
    }

    /// Whether the observed events are exactly the expected ones, in order.
    public static func matches(_ observed: [ObservedEvent], _ expected: [ExpectedEvent]) -> Bool {
        guard observed.count == expected.count else { return false }
        for (o, e) in zip(observed, expected) {
            switch (o, e) {
            case (.message(let bytes, let binary), .message(let payload, let expectedBinary)):
                guard binary == expectedBinary, bytes.count == payload.count, bytes == payload.bytes() else { return false }
            case (.pong(let bytes), .pong(let payload)):
                guard bytes.count == payload.count, bytes == payload.bytes() else { return false }
            case (.timeout(let tag), .timeout(let expectedTag)):
                guard tag == expectedTag else { return false }
            default:
                return false
            }
        }
        return true
    }
}
