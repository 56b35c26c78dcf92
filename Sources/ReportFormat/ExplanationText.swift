import Recording

extension Explanation {
    /// The explanation as labelled lines, in the order a reader needs them: the clause, what was sent, what was
    /// expected, what the peer did, where they part. The console, JUnit and the case page render these.
    public var labelledLines: [(label: String, text: String)] {
        var lines: [(String, String)] = []
        if let rfc {
            lines.append(("rfc", "RFC " + rfc + (requirement.map { " — " + $0 } ?? "")))
        } else if let requirement {
            lines.append(("rfc", requirement))
        }
        lines.append(("sent", sent.isEmpty ? "nothing after the handshake" : sent.joined(separator: "; ")))
        var expectation = expected.map { alternative in
            "\(alternative.verdict.rawValue): " + (alternative.events.isEmpty ? "no events" : alternative.events.joined(separator: ", "))
        }
        if !expectedClose.isEmpty { expectation.append("close: " + expectedClose) }
        lines.append(("expected", expectation.joined(separator: " | ")))
        lines.append((
            "observed",
            (observed.isEmpty ? "no events" : observed.joined(separator: ", ")) + (observedClose.isEmpty ? "" : " | close: " + observedClose)
        ))
        lines.append(("parts at", divergence))
        return lines
    }

    /// The labelled lines as text, each indented by `indent` and its label padded.
    public func text(indent: String = "", replay: String? = nil) -> String {
        var lines = labelledLines
        if let replay { lines.append(("replay", replay)) }
        let width = lines.map(\.label.count).max() ?? 0
        return lines.map { indent + $0.label + ":" + String(repeating: " ", count: width - $0.label.count + 1) + $0.text }
            .joined(separator: "\n")
    }
}
