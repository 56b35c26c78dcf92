import Gating
import JSONCodec
import ReportFormat
import Recording
import Foundation

/// The HTML page of one case for one agent (catalogue §3.4): the banner, description, expectation,
/// outcome, closing behaviour with an explanation of each field, the opening handshake, wire
/// statistics and the numbered wire log. Every value from the report is escaped.
enum CasePage {
    /// The 13 closing-behaviour fields in the reference's order, each with what it means.
    static let closingFields: [(key: String, meaning: String)] = [
        ("isServer", "Whether wsspec played the server. It never does: it is the client of the server under test."),
        ("closedByMe", "wsspec sent the first Close frame, starting the closing handshake."),
        ("failedByMe", "wsspec failed the connection: it saw the server break the protocol, or its kill timer ran out."),
        ("droppedByMe", "wsspec closed the TCP connection itself instead of waiting for the server to do it."),
        ("wasClean", "Close frames went both ways and the server then closed TCP in time, as a server must."),
        ("wasNotCleanReason", "When the close was not clean: what went wrong."),
        ("wasServerConnectionDropTimeout", "The closing handshake was done, but the server kept TCP open past the allowed wait."),
        ("wasOpenHandshakeTimeout", "The server did not complete the opening handshake in time."),
        ("wasCloseHandshakeTimeout", "wsspec sent a Close and no Close came back in time."),
        ("localCloseCode", "The status code of the Close frame wsspec sent, if it sent one."),
        ("localCloseReason", "The reason text of the Close frame wsspec sent, if any."),
        ("remoteCloseCode", "The status code of the Close frame the server sent, if any."),
        ("remoteCloseReason", "The reason text of the Close frame the server sent, if any."),
    ]

    static func render(_ c: ReportedCase, indexFile: String, generator: String) -> String {
        let resultClass = ResultClass(behavior: c.behavior)
        let closeClass = CloseClass(behaviorClose: c.behaviorClose)
        let bannerWord: String
        switch resultClass {
        case .pass: bannerWord = "Pass"
        case .nonStrict: bannerWord = "Non-Strict"
        case .informational: bannerWord = "Informational"
        case .error: bannerWord = "Error (wsspec could not run the case)"
        default: bannerWord = "Fail"
        }
        let e = HTMLText.escape
        var h: [String] = []
        h.append(ReportStyle.head(title: "\(c.agent) – Case \(c.id)"))
        h.append("<body>")
        h.append("<nav><a href=\"\(e(indexFile))\">← all cases</a> · <a href=\"\(e(indexFile))#row_\(ReportFileName.caseSlug(c.id))\">this case in the matrix</a></nav>")
        h.append(
            "<h1 class=\"banner\" style=\"background:\(resultClass.colour)\" data-behavior=\"\(e(c.behavior))\">"
                + "\(e(c.agent)) - Case \(e(c.id)) : \(e(bannerWord)) - \(c.duration) ms @ \(e(c.started))</h1>")
        if let harness = c.harnessError {
            h.append("<div class=\"box harness\"><b>wsspec could not run this case</b> (a problem of the test harness, not of the server): \(e(harness))</div>")
        }
        if let explanation = c.explanation {
            h.append("<h2>Why</h2>")
            h.append("<table class=\"explanation\" id=\"explanation\">")
            for line in explanation.labelledLines {
                h.append("<tr><th>\(e(line.label))</th><td data-key=\"\(e(line.label))\">\(e(line.text))</td></tr>")
            }
            if let replay = c.replay {
                h.append("<tr><th>replay</th><td data-key=\"replay\"><code>\(e(replay))</code></td></tr>")
            }
            h.append("</table>")
        }
        if let stability = c.stability {
            h.append("<h2>Runs</h2><p id=\"stability\" data-stability=\"\(e(stability))\">"
                + (c.isFlaky ? "<b>Flaky</b>: the case failed, then passed when run again alone." : "<b>Failed</b> every time it ran.")
                + "</p><table class=\"attempts\" id=\"attempts\"><tr><th>run</th><th>behavior</th><th>behaviorClose</th><th>result</th><th>ms</th></tr>")
            for (n, a) in c.attempts.enumerated() {
                h.append("<tr><td>\(n + 1)</td><td>\(e(a.behavior))</td><td>\(e(a.behaviorClose))</td><td>\(e(a.result))</td><td>\(a.duration)</td></tr>")
            }
            h.append("</table>")
        }
        h.append("<h2>Case Description</h2><div class=\"box\">\(HTMLText.caseText(c.description))</div>")
        h.append("<h2>Case Expectation</h2><div class=\"box\">\(HTMLText.caseText(c.expectation))</div>")
        h.append("<h2>Case Outcome</h2><div class=\"box\">")
        h.append("<p class=\"result\">\(e(c.result)) <span class=\"verdict\" style=\"color:\(resultClass.colour)\">(\(e(c.behavior)))</span></p>")
        h.append("<p><i>Expected:</i></p><pre class=\"repr\" id=\"expected\">\(e(PythonRepr.expected(c.json["expected"])))</pre>")
        h.append("<p><i>Observed:</i></p><pre class=\"repr\" id=\"observed\">\(e(PythonRepr.received(c.json["received"])))</pre>")
        h.append("</div>")
        h.append(
            "<h2>Case Closing Behavior</h2><div class=\"box\"><p>\(e(c.resultClose)) "
                + "<span class=\"verdict\" style=\"color:\(closeClass.colour)\">(\(e(c.behaviorClose)))</span></p></div>")
        h.append("<h2>Opening Handshake</h2>")
        h.append("<pre class=\"http\" id=\"http-request\">\(e((c.json["httpRequest"])?.text ?? ""))</pre>")
        h.append("<pre class=\"http\" id=\"http-response\">\(e((c.json["httpResponse"])?.text ?? "?"))</pre>")
        h.append("<h2>Closing Behavior</h2>")
        h.append("<table class=\"closing\" id=\"closing\"><tr><th>Key</th><th>Value</th><th>Description</th></tr>")
        for field in closingFields {
            h.append(
                "<tr><td>\(field.key)</td><td class=\"value\" data-key=\"\(field.key)\">\(e(pythonValue(c.json[field.key])))</td>"
                    + "<td>\(e(field.meaning))</td></tr>")
        }
        h.append("</table>")
        h.append("<h2>Wire Statistics</h2>")
        if c.json["createStats"]?.boolValue == false {
            h.append("<p class=\"off\">Statistics were not collected for this case.</p>")
        } else {
            h.append(octetTable("Octets Received by Chop Size", c.json["rxOctetStats"]))
            h.append(octetTable("Octets Transmitted by Chop Size", c.json["txOctetStats"]))
            h.append(frameTable("Frames Received by Opcode", c.json["rxFrameStats"]))
            h.append(frameTable("Frames Transmitted by Opcode", c.json["txFrameStats"]))
        }
        h.append("<h2>Wire Log</h2>")
        if c.json["createWirelog"]?.boolValue == false {
            h.append("<p class=\"off\"><i>The wire log was switched off after the handshake (frames and octets after that point are not shown).</i></p>")
        }
        h.append("<pre class=\"wirelog\" id=\"wirelog\">" + wireLog(c) + "</pre>")
        h.append("<footer>\(e(generator))</footer>")
        h.append("</body></html>")
        return h.joined(separator: "\n") + "\n"
    }

    /// `True`/`False`/`None`, numbers and text as the reference's page prints them.
    static func pythonValue(_ value: JSONValue?) -> String {
        switch value {
        case nil, .null?: return "None"
        case .bool(let flag)?: return flag ? "True" : "False"
        case .int(let number)?: return String(number)
        case .double(let number)?: return String(number)
        default: return (value)?.text ?? ReferenceJSON.serialize(value!)
        }
    }

    /// Size → count pairs of a statistics object, sorted by size.
    private static func counts(_ value: JSONValue?) -> [(Int, Int)] {
        (value?.objectValue ?? [:]).compactMap { key, count in
            guard let size = Int(key), let n = count.intValue else { return nil }
            return (size, n)
        }.sorted { $0.0 < $1.0 }
    }

    private static func octetTable(_ title: String, _ value: JSONValue?) -> String {
        var rows = ["<h3>\(title)</h3><table class=\"stats\"><tr><th>Chop Size</th><th>Count</th><th>Octets</th></tr>"]
        var totalCount = 0, totalOctets = 0
        for (size, count) in counts(value) {
            rows.append("<tr><td>\(size)</td><td>\(count)</td><td>\(size * count)</td></tr>")
            totalCount += count
            totalOctets += size * count
        }
        rows.append("<tr class=\"total\"><td>Total</td><td>\(totalCount)</td><td>\(totalOctets)</td></tr></table>")
        return rows.joined(separator: "\n")
    }

    private static func frameTable(_ title: String, _ value: JSONValue?) -> String {
        var rows = ["<h3>\(title)</h3><table class=\"stats\"><tr><th>Opcode</th><th>Count</th></tr>"]
        var total = 0
        for (opcode, count) in counts(value) {
            rows.append("<tr><td>\(opcode)</td><td>\(count)</td></tr>")
            total += count
        }
        rows.append("<tr class=\"total\"><td>Total</td><td>\(total)</td></tr></table>")
        return rows.joined(separator: "\n")
    }

    static let wrapWidth = 100
    static let continuationIndent = String(repeating: " ", count: 15)

    /// The numbered wire log, one `<span>` per entry (coloured by kind), ending with the line that
    /// says who dropped TCP.
    static func wireLog(_ c: ReportedCase) -> String {
        let entries = c.json["wirelog"]?.arrayValue ?? []
        var lines: [String] = []
        for (number, entry) in entries.enumerated() {
            let (cls, text) = wireLogLine(entry)
            lines.append("<span class=\"\(cls)\">\(String(format: "%03d", number)) \(HTMLText.escape(text))</span>")
        }
        let droppedByMe = c.json["droppedByMe"]?.boolValue ?? false
        lines.append(
            "<span class=\"\(droppedByMe ? "wl-drop-me" : "wl-plain")\">\(String(format: "%03d", entries.count)) "
                + "TCP DROPPED BY \(droppedByMe ? "ME" : "PEER")</span>")
        return lines.joined(separator: "\n")
    }

    /// The class and text of one wire-log entry.
    static func wireLogLine(_ entry: JSONValue) -> (String, String) {
        guard let parts = entry.arrayValue, let kind = parts.first?.stringValue else {
            return ("wl-plain", "? \(ReferenceJSON.serialize(entry))")
        }
        func part(_ i: Int) -> JSONValue? { i < parts.count ? parts[i] : nil }
        func py(_ i: Int) -> String { pythonValue(part(i)) }
        func seconds(_ i: Int) -> String {
            switch part(i) {
            case .int(let n)?: return String(format: "%.6f", Double(n))
            case .double(let d)?: return String(format: "%.6f", d)
            default: return py(i)
            }
        }
        func pair(_ i: Int) -> (length: String, data: String) {
            let items = part(i)?.arrayValue ?? []
            return (items.first.map { pythonValue($0) } ?? "?", items.count > 1 ? (items[1].text ?? pythonValue(items[1])) : "")
        }
        switch kind {
        case "RO":
            return ("wl-rxo", "RX OCTETS: " + wrap(pair(1).data))
        case "TO":
            return (part(2)?.boolValue == true ? "wl-txo-sync" : "wl-txo", "TX OCTETS: " + wrap(pair(1).data))
        case "RF":
            let p = pair(1)
            return (
                "wl-rxf",
                "RX FRAME : OPCODE=\(py(2)), FIN=\(py(3)), RSV=\(py(4)), PAYLOAD-LEN=\(p.length), MASKED=\(py(5)), MASK=\(py(6))\n"
                    + continuationIndent + wrap(p.data)
            )
        case "TF":
            let p = pair(1)
            let special = part(7).map { !$0.isNull } == true || part(8)?.boolValue == true
            return (
                special ? "wl-txf-sync" : "wl-txf",
                "TX FRAME : OPCODE=\(py(2)), FIN=\(py(3)), RSV=\(py(4)), PAYLOAD-LEN=\(p.length), MASK=\(py(5)), "
                    + "PAYLOAD-REPEAT-LEN=\(py(6)), CHOPSIZE=\(py(7)), SYNC=\(py(8))\n" + continuationIndent + wrap(p.data)
            )
        case "CT": return ("wl-plain", "DELAY \(seconds(1)) sec for TAG \(py(2))")
        case "CTE": return ("wl-plain", "DELAY TIMEOUT on TAG \(py(1))")
        case "KL": return ("wl-plain", "FAIL CONNECTION AFTER \(seconds(1)) sec")
        case "KLE": return ("wl-plain", "FAILING CONNECTION")
        case "TI": return ("wl-plain", "CLOSE CONNECTION AFTER \(seconds(1)) sec")
        case "TIE": return ("wl-plain", "CLOSING CONNECTION")
        case "WLM": return ("wl-plain", part(1)?.boolValue == true ? "WIRELOG ENABLED" : "WIRELOG DISABLED")
        default: return ("wl-plain", "\(kind) \(ReferenceJSON.serialize(entry))")
        }
    }

    /// Text cut into lines of `wrapWidth` characters, continuation lines indented under the data.
    static func wrap(_ text: String) -> String {
        // Line breaks inside data would break the layout: shown as control pictures.
        let flat = String(String.UnicodeScalarView(text.unicodeScalars.map { scalar in
            scalar == "\n" || scalar == "\r" || scalar == "\t" ? Unicode.Scalar(0x2400 + scalar.value)! : scalar
        }))
        var lines: [String] = []
        var rest = Substring(flat)
        repeat {
            lines.append(String(rest.prefix(wrapWidth)))
            rest = rest.dropFirst(wrapWidth)
        } while !rest.isEmpty
        return lines.joined(separator: "\n" + continuationIndent)
    }
}
