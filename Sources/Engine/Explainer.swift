import CaseModel
import Recording
import WebSocketWire

/// Words for a judged case: what it sent, what it expected, what the peer did and where the two part — the
/// explanation a report shows beside a failure. A pure function of the definition, the recording and the outcome,
/// computed on the judge's side so that the reports only render it.
public enum Explainer {
    /// The most steps `sent` lists; the rest are counted.
    public static let maxSteps = 12
    /// The most events `observed` lists; the rest are counted.
    public static let maxEvents = 12

    /// The explanation of a case whose outcome is not OK (or INFORMATIONAL, a case without a verdict); nil for a
    /// case that passed outright.
    public static func explain(_ definition: CaseDefinition, _ recording: CaseRecording, _ outcome: CaseOutcome)
        -> Explanation?
    {
        if case .judged(let j) = outcome, [.ok, .informational].contains(j.behavior),
            [.ok, .informational].contains(j.behaviorClose)
        {
            return nil
        }
        // A handshake case is its request and the checks of the answer; the expected events are one of its checks.
        let expected: [Explanation.Alternative] = definition.handshake.map { handshake in
            [.init(verdict: .ok, events: handshake.checks.map(describe))]
        } ?? definition.expected.map { .init(verdict: $0.outcome, events: $0.events.map(describe)) }
        var explanation = Explanation(
            rfc: definition.rfc, requirement: definition.requirement,
            sent: definition.handshake.map { $0.stream.map(sent) ?? sent($0.request) } ?? sent(definition),
            expected: expected,
            expectedClose: expectedClose(definition), observed: observed(recording.received),
            observedClose: observedClose(recording), divergence: "")
        explanation.divergence = divergence(definition, recording, outcome)
        if case .harnessError = outcome, !recording.connectionWasOpen {
            explanation.observedClose = "the case did not run"
        }
        return explanation
    }

    // MARK: - What the case sent

    /// A handshake case's request: its request line, its header lines as written (the standard ones as
    /// placeholders), and what goes before, in and after it.
    static func sent(_ request: RawRequest) -> [String] {
        var lines = ["request line '\(request.method) \(request.target ?? "<path>") \(request.version)'"]
        let headers = request.headers
        lines += headers.prefix(maxSteps - 1).map { "header \(OctetSummary.quote($0))" }
        if headers.count > maxSteps - 1 { lines.append("… and \(headers.count - maxSteps + 1) more header lines") }
        if headers.isEmpty { lines.append("no header lines") }
        for (what, payload) in [("octets before the request", request.before), ("a body", request.body), ("octets right after the request", request.after)]
        where payload.count > 0 {
            lines.append("\(what): \(payloadText(payload))")
        }
        return lines
    }

    /// An HTTP/2 handshake case's request: its header fields as written (placeholders kept).
    static func sent(_ request: StreamRequest) -> [String] {
        var lines = request.fields.prefix(maxSteps).map { "field \(OctetSummary.quote("\($0.name): \($0.value)"))" }
        if request.fields.count > maxSteps { lines.append("… and \(request.fields.count - maxSteps) more fields") }
        return ["HTTP/2 HEADERS"] + lines
    }

    /// A check of the answer, with the weight its breach has.
    static func describe(_ check: HandshakeCheck) -> String {
        "\(check.level.rawValue.uppercased())\(check.rfc.map { " (RFC \($0))" } ?? ""): \(check.written)"
    }

    static func sent(_ definition: CaseDefinition) -> [String] {
        var lines: [String] = []
        if !definition.deflateOffers.isEmpty {
            lines.append("handshake offers permessage-deflate (\(definition.deflateOffers.count) offer\(definition.deflateOffers.count == 1 ? "" : "s"))")
        }
        let steps = definition.steps.compactMap(describe)
        lines += steps.prefix(maxSteps)
        if steps.count > maxSteps { lines.append("… and \(steps.count - maxSteps) more steps") }
        if let echo = definition.echo {
            lines.append(echo.rounds == 1 ? "waits \(seconds(echo.within)) for the echo" : "repeats the round trip \(echo.rounds) times within \(seconds(echo.within))")
        }
        return lines
    }

    static func describe(_ step: Step) -> String? {
        switch step {
        case .send(let frame):
            var flags: [String] = []
            if !frame.fin { flags.append("FIN=0") }
            if frame.rsv != 0 { flags.append("RSV=\(frame.rsv)") }
            if let chop = frame.chop { flags.append("written in \(chop)-octet chops") }
            if frame.sync { flags.append("synced") }
            let payload = frame.repeatLength.map { "\(payloadPreview(frame.payload)) repeated to \($0) octets" }
                ?? payloadText(frame.payload)
            return "\(frame.opcode) frame \(payload)" + (flags.isEmpty ? "" : ", " + flags.joined(separator: ", "))
        case .message(let message):
            let kind = message.binary ? "binary" : "text"
            let fragments = message.fragmentSize.map { " in fragments of \($0) octets" } ?? ""
            return "\(kind) message \(payloadText(message.payload))\(fragments)"
        case .raw(let payload, let chop, _):
            return "raw octets \(payloadText(payload))" + (chop.map { ", written in \($0)-octet chops" } ?? "")
        case .close(let code, let reason):
            return "Close" + (code.map { " \($0)" } ?? " without code") + (reason.map { " " + OctetSummary.quote($0) } ?? "")
        case .closeFrame(let code, let reason):
            return "Close frame" + (code.map { " with code \($0)" } ?? " without code")
                + (reason.map { ", reason \(payloadText($0))" } ?? "")
        case .pause(let s, let tag):
            return "pause \(seconds(s))" + (tag.map { ", then mark '\($0)'" } ?? "")
        case .closeAfter(let s):
            return "Close after \(seconds(s))"
        case .killAfter(let s):
            return "drop TCP after \(seconds(s))"
        case .wirelog:
            return nil
        case .frameBegin(let begin):
            return "\(begin.opcode) frame header" + (begin.fin ? "" : " (FIN=0)") + (begin.rsv != 0 ? " (RSV=\(begin.rsv))" : "")
                + " announcing \(begin.length) octets"
        case .frameData(let payload):
            return "payload piece \(payloadText(payload))"
        case .messageLoop(let loop):
            return "\(loop.count) \(loop.compressed ? "compressed " : "")\(loop.text ? "text" : "binary") messages of \(loop.size) "
                + "\(loop.text ? "characters" : "octets") from \(loop.data), one at a time, within \(seconds(loop.timeout))"
        }
    }

    // MARK: - What the case expected

    static func describe(_ event: ExpectedEvent) -> String {
        switch event {
        case .message(let payload, let binary): return "\(binary ? "binary" : "text") message \(payloadText(payload))"
        case .pong(let payload): return "pong \(payloadText(payload))"
        case .timeout(let tag): return "mark '\(tag)' (open after the pause)"
        }
    }

    static func expectedClose(_ definition: CaseDefinition) -> String {
        let close = definition.close
        let who = close.closedByClient ? "wsspec closes" : "the server fails the connection (sends Close first)"
        let codes = close.codes.isEmpty ? "any code" : "code " + close.codes.map(\.description).joined(separator: " or ")
        return "\(who); \(codes), or none" + (close.requireClean ? "; a clean close" : "")
    }

    // MARK: - What the peer did

    static func observed(_ received: [ObservedEvent]) -> [String] {
        var lines = received.prefix(maxEvents).map(describe)
        if received.count > maxEvents { lines.append("… and \(received.count - maxEvents) more events") }
        return lines
    }

    static func describe(_ event: ObservedEvent) -> String {
        switch event {
        case .message(let bytes, let binary): return "\(binary ? "binary" : "text") message \(OctetSummary.describe(bytes))"
        case .pong(let bytes): return "pong \(OctetSummary.describe(bytes))"
        case .timeout(let tag): return "mark '\(tag)' (open after the pause)"
        }
    }

    static func observedClose(_ recording: CaseRecording) -> String {
        let c = recording.closing
        guard recording.connectionWasOpen else {
            let status = recording.handshakeResponse.flatMap { $0.split(separator: "\r\n", maxSplits: 1).first }.map(String.init)
            // Over HTTP/2 the connection's end is the stream's (RFC 8441 §5): say how it ended, not what TCP did.
            let reason = recording.httpVersion == "2" && !c.wasOpenHandshakeTimeout
                ? recording.streamEnd.map { "the stream ended first by \($0)" } ?? c.wasNotCleanReason.map(plain)
                : c.wasNotCleanReason.map(plain)
            return "the opening handshake did not complete"
                + (status.map { "; the server answered " + OctetSummary.quote($0) } ?? "; the server sent no answer")
                + (reason.map { " (\($0))" } ?? "")
        }
        var parts: [String] = []
        if c.closedByMe {
            parts.append("wsspec sent Close" + (c.localCloseCode.map { " \($0)" } ?? "") + " first")
        }
        if let code = c.remoteCloseCode {
            parts.append("the server sent Close \(code)" + (c.remoteCloseReason.map { " " + OctetSummary.quote($0) } ?? ""))
        } else if c.wasClean || (c.closedByMe && !c.wasCloseHandshakeTimeout && c.wasNotCleanReason == nil) {
            parts.append("the server sent Close without code")
        } else if !c.closedByMe {
            parts.append("the server sent no Close")
        }
        if c.failedByMe { parts.append("wsspec failed the connection") }
        if c.wasClean {
            parts.append("clean")
        } else if let reason = c.wasNotCleanReason {
            parts.append("not clean: \(plain(reason))")
        }
        if c.droppedByMe { parts.append(recording.httpVersion == "2" ? "wsspec ended the stream" : "wsspec dropped TCP") }
        return parts.joined(separator: "; ")
    }

    // MARK: - Where they part

    static func divergence(_ definition: CaseDefinition, _ recording: CaseRecording, _ outcome: CaseOutcome) -> String {
        let judgement: Judgement
        switch outcome {
        case .harnessError(let error): return "not judged: wsspec could not run the case: \(plain(error.reason))"
        case .judged(let j): judgement = j
        }
        guard recording.connectionWasOpen else { return "the opening handshake: " + observedClose(recording) }
        if definition.verdict.informational {
            return "none: the case is informational, it records what the server does without a verdict"
        }
        var points: [String] = []
        var closeIncluded = false
        switch judgement.behavior {
        case .ok, .informational:
            break
        case .nonStrict:
            if let ok = definition.expected.first(where: { $0.outcome == .ok }) {
                points.append("events match the NON-STRICT list, not the OK one: " + eventDivergence(recording.received, ok.events))
            } else {
                points.append("events match the NON-STRICT list")
            }
        case .unimplemented, .failed:
            let eventsMatch = definition.expected.contains {
                Judge.matches(recording.received, $0.events, interleave: definition.interleave)
            }
            let wrongEndpoint = definition.close.closedByClient != recording.closing.closedByMe
            if recording.finding != nil || definition.echo != nil || definition.expected.isEmpty
                || (definition.verdict.txFrames != nil && eventsMatch)
            {
                points.append(plain(judgement.result))
            } else if !eventsMatch {
                let closest = definition.expected.max { a, b in
                    commonPrefix(recording.received, a.events) < commonPrefix(recording.received, b.events)
                }
                points.append(eventDivergence(recording.received, closest?.events ?? []))
            } else if definition.close.wrongEndpointIsFatal && wrongEndpoint {
                points.append("the events are as expected, but " + closeDivergence(definition, recording, judgement))
                closeIncluded = true
            } else if !(definition.verdict.wrongCodeFails && judgement.behaviorClose == .wrongCode) {
                points.append(plain(judgement.result))
            }
        }
        if judgement.behaviorClose != .ok && judgement.behaviorClose != .informational && !closeIncluded {
            points.append(closeDivergence(definition, recording, judgement))
        }
        return points.isEmpty ? plain(judgement.result) : points.joined(separator: "; then ")
    }

    /// The first event where the observed list leaves the expected one.
    static func eventDivergence(_ observed: [ObservedEvent], _ expected: [ExpectedEvent]) -> String {
        let i = commonPrefix(observed, expected)
        let position = "event \(i + 1)"
        if i >= observed.count && i >= expected.count { return "the events match" }
        if i >= observed.count {
            return "\(position): expected \(describe(expected[i])), the server sent nothing more"
        }
        if i >= expected.count {
            return "\(position): expected nothing more, the server sent \(describe(observed[i]))"
        }
        let o = observed[i]
        let e = expected[i]
        var detail = ""
        switch (o, e) {
        case (.message(let bytes, let binary), .message(let payload, let expectedBinary)) where binary == expectedBinary:
            detail = payloadDifference(bytes, payload)
        case (.pong(let bytes), .pong(let payload)):
            detail = payloadDifference(bytes, payload)
        default:
            break
        }
        return "\(position): expected \(describe(e)), the server sent \(describe(o))" + (detail.isEmpty ? "" : " (\(detail))")
    }

    static func payloadDifference(_ got: [UInt8], _ expected: Payload) -> String {
        let want = expected.bytes()
        if let offset = zip(got, want).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
            return "the payloads differ from octet \(offset)"
        }
        return got.count < want.count ? "\(want.count - got.count) octets short" : "\(got.count - want.count) octets too many"
    }

    /// How many leading events match.
    static func commonPrefix(_ observed: [ObservedEvent], _ expected: [ExpectedEvent]) -> Int {
        var n = 0
        while n < observed.count && n < expected.count && Judge.matches([observed[n]], [expected[n]]) { n += 1 }
        return n
    }

    static func closeDivergence(_ definition: CaseDefinition, _ recording: CaseRecording, _ judgement: Judgement) -> String {
        let expected = definition.close
        let c = recording.closing
        if expected.closedByClient != c.closedByMe {
            return expected.closedByClient
                ? "the close: wsspec was to close first, but the server closed (\(observedClose(recording)))"
                : "the close: the server was to fail the connection, but it did not, and wsspec closed (\(observedClose(recording)))"
        }
        if expected.requireClean && !c.wasClean {
            return "the close: a clean close was required, but " + (c.wasNotCleanReason.map(plain) ?? "it was not clean")
        }
        if let code = c.remoteCloseCode, !expected.codes.contains(code) {
            return "the close: expected code \(expected.codes.map(\.description).joined(separator: " or ")) or none, the server sent \(code)"
        }
        if c.droppedByMe {
            // Over HTTP/2 the stream's end is the TCP close (RFC 8441 §5).
            return recording.httpVersion == "2"
                ? "the close: wsspec had to end the stream; the server should end it (END_STREAM)"
                : "the close: wsspec had to drop TCP; the server should close it"
        }
        return "the close: " + plain(judgement.resultClose)
    }

    // MARK: - Words

    static func payloadText(_ payload: Payload) -> String {
        OctetSummary.describe(payloadPrefix(payload), length: payload.count)
    }

    static func payloadPreview(_ payload: Payload) -> String {
        OctetSummary.preview(payloadPrefix(payload), length: payload.count)
    }

    static func payloadPrefix(_ payload: Payload) -> [UInt8] {
        let n = OctetSummary.maxCharacters * 4
        switch payload {
        case .bytes(let b): return Array(b.prefix(n))
        case .repeated(let pattern, let length):
            return FrameEncoder.repeated(pattern.bytes(), toLength: min(n, length))
        case .concat(let parts):
            var out: [UInt8] = []
            for p in parts where out.count < n { out += payloadPrefix(p) }
            return Array(out.prefix(n))
        }
    }

    static func seconds(_ s: Double) -> String {
        s == s.rounded() ? "\(Int(s)) s" : "\(s) s"
    }

    /// wsspec's own words that may carry a peer's octets (a parser's reason): controls escaped, cut.
    static func plain(_ text: String) -> String { OctetSummary.plain(text) }
}
