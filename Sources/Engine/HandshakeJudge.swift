import CaseModel
import Recording
import WebSocketWire

/// Judges a handshake case: each of its checks against the request wsspec wrote and the answer it got. A broken
/// MUST makes the case FAILED, a broken SHOULD NON-STRICT, an open choice the server made otherwise INFORMATIONAL;
/// the result names every broken check, its clause and what was seen. A pure function of definition and recording.
enum HandshakeJudge {
    static func judgement(_ definition: CaseDefinition, _ handshake: HandshakeCase, _ recording: CaseRecording) -> Judgement {
        let http2 = handshake.stream != nil
        let request = HeaderLines(text: recording.handshakeRequest, http2: http2)
        let response = recording.handshakeResponse.map { HeaderLines(text: $0, http2: http2) }
        var broken: [(HandshakeCheck, String)] = []
        for check in handshake.checks {
            if let seen = problem(check.kind, request: request, response: response, recording: recording) {
                broken.append((check, seen))
            }
        }
        let worst = RequirementLevel.allCases.first { level in broken.contains { $0.0.level == level } }
        let behavior: Behavior
        switch worst {
        case .must: behavior = .failed
        case .should: behavior = .nonStrict
        case .may: behavior = .informational
        case nil: behavior = .ok
        }
        let answer = response.map { "The answer: \($0.startLine)." } ?? "No answer: \(noAnswer(recording))."
        let result: String
        if broken.isEmpty {
            result = "\(answer) Every check holds (\(handshake.checks.map { "\($0.level.rawValue.uppercased()) \($0.written)" }.joined(separator: "; ")))."
        } else {
            let sorted = broken.sorted { RequirementLevel.allCases.firstIndex(of: $0.0.level)! < RequirementLevel.allCases.firstIndex(of: $1.0.level)! }
            result = "\(answer) " + sorted.map { check, seen in
                let clause = (check.rfc ?? definition.rfc).map { "RFC \($0)" }
                return "\(check.level.rawValue.uppercased())\(clause.map { " (\($0))" } ?? "") \(check.written): \(seen)."
            }.joined(separator: " ")
        }
        let closing = recording.closing
        let resultClose: String
        if http2 {
            var parts = [recording.streamEnd.map { "The stream ended first by \($0)" } ?? "The stream did not open"]
            if let code = recording.streamReset { parts.append("the server reset it (RST_STREAM \(code))") }
            if let code = recording.goAway { parts.append("the server sent GOAWAY (\(code))") }
            resultClose = parts.joined(separator: "; ")
        } else if response == nil {
            resultClose = "The server did not answer the opening request: \(noAnswer(recording))"
        } else if recording.connectionWasOpen {
            resultClose = closing.droppedByMe
                ? "wsspec dropped the connection (\(closing.wasNotCleanReason ?? "after the case"))"
                : "The WebSocket connection was closed (\(closing.wasClean ? "cleanly" : closing.wasNotCleanReason ?? "not cleanly"))"
        } else if handshake.waitsForServerClose {
            resultClose = closing.wasServerConnectionDropTimeout
                ? "The server kept the connection open after refusing the handshake" : "The server closed the connection after its answer"
        } else {
            resultClose = "wsspec closed the connection after the server's answer"
        }
        let behaviorClose: CloseBehavior =
            switch behavior {
            case .failed: .failed
            case .informational: .informational
            default: .ok
            }
        return Judgement(behavior: behavior, behaviorClose: behaviorClose, result: result, resultClose: resultClose)
    }

    private static func noAnswer(_ recording: CaseRecording) -> String {
        if recording.closing.wasOpenHandshakeTimeout { return "none came in time" }
        if recording.streamReset != nil || recording.goAway != nil { return "the server ended the stream, " + streamFate(recording) }
        return recording.closing.wasNotCleanReason ?? "the connection ended first"
    }

    /// What breaks the check, nil when it holds.
    static func problem(
        _ kind: HandshakeCheckKind, request: HeaderLines, response: HeaderLines?, recording: CaseRecording
    ) -> String? {
        if case .closed = kind {
            return recording.closing.droppedByMe
                ? (recording.closing.wasServerConnectionDropTimeout
                    ? "the server kept the connection open" : "wsspec had to close the connection") : nil
        }
        switch kind {
        case .connectProtocol:
            return recording.connectProtocolSetting == 1
                ? nil
                : "the server's SETTINGS have SETTINGS_ENABLE_CONNECT_PROTOCOL \(recording.connectProtocolSetting.map { "= \($0)" } ?? "absent")"
        case .reset(let code):
            guard let reset = recording.streamReset else { return "the server did not reset the stream (\(streamFate(recording)))" }
            return code == nil || code == reset ? nil : "the server reset the stream with \(reset)"
        case .streamError(let code):
            if recording.streamReset == code || recording.goAway == code { return nil }
            if recording.streamReset != nil || recording.goAway != nil { return streamFate(recording) }
            return "no RST_STREAM or GOAWAY \(code) (\(streamFate(recording)))"
        case .refused:
            // An answer outside 2xx, or none because the server reset the stream, sent GOAWAY or closed the
            // connection; not a 2xx, and not silence until wsspec gave up.
            if let response {
                guard let status = response.status else { return "the answer has no :status" }
                return (200...299).contains(status) ? "the server opened the WebSocket (:status \(status))" : nil
            }
            if recording.streamReset != nil || recording.goAway != nil { return nil }
            return recording.closing.wasOpenHandshakeTimeout || recording.closing.droppedByMe
                ? "no answer (\(noAnswer(recording)))" : nil
        default:
            break
        }
        guard let response else { return "no answer (\(noAnswer(recording)))" }
        let upgraded = response.startLine.hasPrefix(":") ? (response.status.map { (200...299).contains($0) } ?? false) : response.status == 101
        switch kind {
        case .status(let ranges):
            guard let status = response.status else { return "the answer's status line is '\(response.startLine)'" }
            return ranges.contains { $0.contains(status) } ? nil : "got \(status)"
        case .headerAbsent(let name):
            return response.values(name).isEmpty ? nil : "got \(name): \(response.values(name).joined(separator: " / "))"
        case .headerPresent(let name):
            return response.values(name).isEmpty ? "there is no \(name) header" : nil
        case .headerValue(let name, let value):
            let values = response.values(name)
            guard values.count == 1 else {
                return values.isEmpty ? "there is no \(name) header" : "\(name) appears \(values.count) times"
            }
            return values[0].lowercased() == value.lowercased() ? nil : "got \(name): \(values[0])"
        case .headerHas(let name, let token):
            let values = response.values(name)
            guard !values.isEmpty else { return "there is no \(name) header" }
            return HeaderLines.tokens(values).contains(token.lowercased()) ? nil : "got \(name): \(values.joined(separator: ", "))"
        case .accept:
            let keys = request.values("sec-websocket-key")
            guard keys.count == 1 else { return "the request has no single Sec-WebSocket-Key (the case is wrong)" }
            let expected = HandshakeRequest.acceptValue(forKey: keys[0])
            let accepts = response.values("sec-websocket-accept")
            guard accepts.count == 1 else {
                return accepts.isEmpty ? "there is no Sec-WebSocket-Accept header" : "Sec-WebSocket-Accept appears \(accepts.count) times"
            }
            return accepts[0] == expected ? nil : "expected Sec-WebSocket-Accept \(expected), got \(accepts[0])"
        case .subprotocol(let expectation):
            let offered = request.values("sec-websocket-protocol").flatMap { $0.split(separator: ",") }.map { $0.trimmingBlanks() }
            let selected = upgraded ? response.values("sec-websocket-protocol") : []
            let offer = offered.isEmpty ? "none was offered" : "offered: \(offered.joined(separator: ", "))"
            switch (expectation, selected.count) {
            case (.none, 0), (.offered, 0): return nil
            case (.chosen, 0): return "no subprotocol was selected (\(offer))"
            case (_, 1) where expectation != .none && offered.contains(selected[0]): return nil
            case (_, 1): return "the server selected '\(selected[0])' (\(offer))"
            default: return "Sec-WebSocket-Protocol appears \(selected.count) times: \(selected.joined(separator: " / "))"
            }
        case .deflate(let expectation):
            let offers = request.values("sec-websocket-extensions")
            let answers = upgraded ? response.values("sec-websocket-extensions") : []
            let verdict = DeflateAnswerCheck.check(
                offerHeader: offers.isEmpty ? nil : offers.joined(separator: ", "),
                responseHeader: answers.isEmpty ? nil : answers.joined(separator: ", "))
            switch (expectation, verdict) {
            case (_, .invalid(let problem)): return problem
            case (.valid, _), (.accepted, .accepted), (.declined, .declined): return nil
            case (.accepted, .declined): return "the server declined every offer"
            case (.declined, .accepted(let offer)): return "the server accepted offer \(offer): \(answers.joined(separator: ", "))"
            }
        case .events(let events):
            guard recording.connectionWasOpen else { return "the connection never opened" }
            return Judge.matches(recording.received, events)
                ? nil : "got \(recording.received.isEmpty ? "nothing" : recording.received.map(describe).joined(separator: ", "))"
        case .closed, .connectProtocol, .reset, .streamError, .refused:
            return nil
        }
    }

    /// How the case's stream ended, in a few words.
    private static func streamFate(_ recording: CaseRecording) -> String {
        var parts: [String] = []
        if let code = recording.streamReset { parts.append("RST_STREAM \(code)") }
        if let code = recording.goAway { parts.append("GOAWAY \(code)") }
        if parts.isEmpty { parts.append(recording.streamEnd ?? "the stream did not end") }
        return "got " + parts.joined(separator: ", ")
    }

    private static func describe(_ event: ObservedEvent) -> String {
        switch event {
        case .message(let bytes, let binary): return "\(binary ? "binary" : "text") message of \(bytes.count) octets"
        case .pong(let bytes): return "pong '\(String(decoding: bytes.prefix(60), as: UTF8.self))'"
        case .timeout(let tag): return "timeout \(tag)"
        }
    }
}

/// The start line and header lines of a request or an answer as recorded: every line up to the first empty one.
struct HeaderLines {
    var startLine: String
    /// Name (lower-cased) and value (blanks trimmed), in order, repeats kept.
    var fields: [(name: String, value: String)] = []

    /// `http2`: a header list as `ExtendedConnect.text` writes it; every line is a field, pseudo-header fields
    /// included, and the start line is the `:status` (or `:method`) field.
    init(text: String, http2: Bool) {
        guard http2 else {
            self = HeaderLines(text: text)
            return
        }
        var parsed = HeaderLines(text: "")
        for line in text.split(whereSeparator: { $0 == "\r\n" || $0 == "\n" }) {
            guard let field = StreamRequest.field(String(line)) else { continue }
            parsed.fields.append((field.name.lowercased(), field.value.trimmingBlanks()))
        }
        if let status = parsed.fields.first(where: { $0.name == ":status" }) {
            parsed.startLine = ":status \(status.value)"
        } else if let method = parsed.fields.first(where: { $0.name == ":method" }) {
            parsed.startLine = ":method \(method.value)"
        }
        self = parsed
    }

    init(text: String) {
        // "\r\n" is one Character in Swift: split at it and at a bare LF (a case may end lines with LF).
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\r\n" || $0 == "\n" }).map(String.init)
        // Empty lines before the start line (a case may send them) are not the end of the header block.
        while lines.first == "" && lines.count > 1 { lines.removeFirst() }
        startLine = lines.first ?? ""
        for line in lines.dropFirst() {
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields.append((line[..<colon].trimmingBlanks().lowercased(), String(line[line.index(after: colon)...]).trimmingBlanks()))
        }
    }

    /// The status code of an answer (`HTTP/1.1 101 …`), nil for anything else.
    var status: Int? {
        if startLine.hasPrefix(":") {
            let values = values(":status")
            return values.count == 1 && values[0].count == 3 ? Int(values[0]) : nil
        }
        let parts = startLine.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), parts[1].count == 3 else { return nil }
        return Int(parts[1])
    }

    func values(_ name: String) -> [String] {
        let lower = name.lowercased()
        return fields.filter { $0.name == lower }.map(\.value)
    }

    /// The comma-separated elements of header values, lower-cased.
    static func tokens(_ values: [String]) -> [String] {
        values.flatMap { $0.split(separator: ",") }.map { $0.trimmingBlanks().lowercased() }
    }
}

extension StringProtocol {
    func trimmingBlanks() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
