import CaseModel

/// The two verdicts of a case and their explanations.
public struct Verdict: Sendable, Equatable {
    public var behavior: String
    public var behaviorClose: String
    public var result: String
    public var resultClose: String

    public init(behavior: String, behaviorClose: String, result: String, resultClose: String) {
        self.behavior = behavior
        self.behaviorClose = behaviorClose
        self.result = result
        self.resultClose = resultClose
    }
}

/// Outcome names, as the reference reports them.
public enum Outcome {
    public static let ok = "OK"
    public static let nonStrict = "NON-STRICT"
    public static let informational = "INFORMATIONAL"
    public static let unimplemented = "UNIMPLEMENTED"
    public static let failed = "FAILED"
    public static let wrongCode = "WRONG CODE"
    public static let unclean = "UNCLEAN"
    public static let failedByClient = "FAILED BY CLIENT"
    /// wsspec's own: the harness could not run the case (never the server's fault).
    public static let error = "ERROR"
}

/// Judges a finished case from its observation, as the reference does (catalogue §1.5). A pure function.
public enum Judge {
    public static func judge(_ definition: CaseDefinition, _ observation: Observation) -> Verdict {
        var verdict = Verdict(
            behavior: Outcome.failed, behaviorClose: Outcome.failed, result: "Actual events differ from any expected.",
            resultClose: "TCP connection was dropped without close handshake")
        let closing = observation.closing

        if observation.connectionWasOpen {
            if let check = definition.echo {
                let within = Int(check.within)
                let waiting =
                    check.rounds == 1
                    ? "Did not receive message within \(within) seconds." : "Case did not finish within \(within) seconds."
                verdict.behavior = Outcome.failed
                verdict.result = waiting
            } else if let match = definition.expected.first(where: { matches(observation.received, $0.events) }) {
                verdict.behavior = match.outcome
                verdict.result = "Actual events match at least one expected."
            }
            if let own = observation.caseVerdict {
                verdict.behavior = own.behavior
                verdict.result = own.result
            }
            let expected = definition.close
            if expected.closedByClient != closing.closedByMe {
                verdict.behaviorClose = Outcome.failed
                verdict.resultClose = "The connection was failed by the wrong endpoint"
            } else if expected.requireClean && !closing.wasClean {
                verdict.behaviorClose = Outcome.unclean
                verdict.resultClose = "The spec requires the connection to be failed cleanly here"
            } else if let code = closing.remoteCloseCode, !expected.codes.contains(code) {
                verdict.behaviorClose = Outcome.wrongCode
                verdict.resultClose =
                    "The close code should have been \(expected.codes.map(String.init).joined(separator: ",")) or empty"
            } else if closing.droppedByMe {
                verdict.behaviorClose = Outcome.failedByClient
                verdict.resultClose = "It is preferred that the server close the TCP connection"
            } else {
                verdict.behaviorClose = Outcome.ok
                verdict.resultClose = "Connection was properly closed"
            }
            if expected.wrongEndpointIsFatal && expected.closedByClient != closing.closedByMe {
                verdict.behavior = Outcome.failed
            }
        } else {
            verdict.behaviorClose = Outcome.failed
            verdict.resultClose = "The WebSocket opening handshake was never completed!"
        }

        let rules = definition.verdict
        if rules.wrongCodeFails && verdict.behaviorClose == Outcome.wrongCode {
            verdict.behavior = Outcome.failed
            verdict.result = verdict.resultClose
        }
        if let expectedFrames = rules.txFrames {
            if observation.connectionWasOpen {
                let got = expectedFrames.keys.sorted().map { ($0, observation.txFrames[$0, default: 0]) }
                if got.contains(where: { expectedFrames[$0.0] != $0.1 }) {
                    verdict.behavior = Outcome.failed
                    let describe: ([(Int, Int)]) -> String = { "{" + $0.map { "\($0.0): \($0.1)" }.joined(separator: ", ") + "}" }
                    verdict.result =
                        "Frames transmitted \(describe(got)) does not match what we expected \(describe(expectedFrames.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }))."
                }
            } else {
                verdict.behavior = Outcome.failed
                verdict.result = "WebSocket connection was never open"
            }
        }
        if rules.informational {
            if let text = rules.results[verdict.behavior] ?? rules.result { verdict.result = text }
            verdict.behavior = Outcome.informational
            verdict.behaviorClose = Outcome.informational
        } else if let text = rules.results[verdict.behavior] {
            verdict.result = text
        }
        return verdict
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
