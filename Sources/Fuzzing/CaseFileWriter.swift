import CaseModel
import Foundation
import Recording
import WebSocketWire

/// Writes cases as YAML case files that `CaseLoader` reads back to the same definitions (the round trip is tested).
public enum CaseFileWriter {
    /// A whole file: the fuzz category's header and `cases`, after `comment` lines.
    public static func file(_ cases: [CaseDefinition], comment: [String]) -> String {
        var out = comment.map { "# " + $0 }.joined(separator: "\n")
        if !out.isEmpty { out += "\n" }
        let category = FuzzCase.category
        out += "category: { id: \(quote(category.id)), title: \(quote(category.title)), suite: \(category.suiteName) }\n"
        out += "cases:\n"
        for definition in cases { out += caseText(definition) }
        return out
    }

    static func caseText(_ d: CaseDefinition) -> String {
        var out = "  - id: \(quote(d.id.description))\n"
        out += "    description: \(quote(d.description))\n"
        out += "    expectation: \(quote(d.expectation))\n"
        if let rfc = d.rfc { out += "    rfc: \(quote(rfc))\n" }
        if let requirement = d.requirement { out += "    requirement: \(quote(requirement))\n" }
        if d.interleave { out += "    interleave: true\n" }
        if !d.deflateOffers.isEmpty {
            out += "    deflate:\n"
            for offer in d.deflateOffers { out += "      - \(offerText(offer))\n" }
        }
        out += "    steps:\n"
        for step in d.steps { out += "      - \(stepText(step))\n" }
        out += "    expect:\n"
        for (outcome, events) in d.expected {
            if events.isEmpty {
                out += "      \(outcome.rawValue): []\n"
                continue
            }
            out += "      \(outcome.rawValue):\n"
            for event in events { out += "        - \(eventText(event))\n" }
        }
        let c = d.close
        out += "    close: { by: \(c.closedByClient ? "client" : "server"), codes: [\(c.codes.map(\.description).joined(separator: ", "))], clean: \(c.requireClean)"
        if c.wrongEndpointIsFatal { out += ", wrong-endpoint-fatal: true" }
        out += " }\n"
        if !d.autoClose { out += "    auto-close: false\n" }
        return out
    }

    public static func stepText(_ step: Step) -> String {
        switch step {
        case .send(let f):
            var fields = ["opcode: \(opcodeText(f.opcode))"]
            if !f.fin { fields.append("fin: false") }
            if f.rsv != 0 { fields.append("rsv: \(f.rsv)") }
            if f.payload.count > 0 { fields.append("payload: \(payloadText(f.payload))") }
            if let n = f.repeatLength { fields.append("repeat-length: \(n)") }
            if let n = f.chop { fields.append("chop: \(n)") }
            if f.sync { fields.append("sync: true") }
            return "send: { \(fields.joined(separator: ", ")) }"
        case .message(let m):
            var fields = ["opcode: \(m.binary ? "binary" : "text")", "payload: \(payloadText(m.payload))"]
            if let n = m.fragmentSize { fields.append("fragment-size: \(n)") }
            if m.sync { fields.append("sync: true") }
            return "message: { \(fields.joined(separator: ", ")) }"
        case .raw(let payload, _, _):
            return "raw: \(payloadText(payload))"
        case .close(let code, let reason):
            var fields: [String] = []
            if let code { fields.append("code: \(code)") }
            if let reason { fields.append("reason: \(quote(reason))") }
            return "close: { \(fields.joined(separator: ", ")) }"
        case .closeFrame(let code, let reason):
            var fields: [String] = []
            if let code { fields.append("code: \(code)") }
            if let reason { fields.append("reason: \(payloadText(reason))") }
            return "close-frame: { \(fields.joined(separator: ", ")) }"
        case .pause(let seconds, let tag):
            if let tag { return "pause: { seconds: \(number(seconds)), tag: \(quote(tag)) }" }
            return "pause: \(number(seconds))"
        case .closeAfter(let seconds):
            return "close-after: \(number(seconds))"
        case .killAfter(let seconds):
            return "kill-after: \(number(seconds))"
        case .wirelog(let on, let silent):
            return silent ? "wirelog: { enabled: \(on), silent: true }" : "wirelog: \(on)"
        case .frameBegin(let b):
            return "frame-begin: { opcode: \(opcodeText(b.opcode)), fin: \(b.fin), rsv: \(b.rsv), length: \(b.length) }"
        case .frameData(let payload):
            return "frame-data: \(payloadText(payload))"
        case .messageLoop(let l):
            return "message-loop: { data: \(quote(l.data)), as: \(l.text ? "text" : "binary"), size: \(l.size), count: \(l.count), timeout: \(number(l.timeout)), compressed: \(l.compressed) }"
        }
    }

    /// A permessage-deflate offer: the fields that differ from the case format's defaults.
    static func offerText(_ offer: DeflateOffer) -> String {
        let standard = DeflateOffer()
        var fields: [String] = []
        if offer.acceptNoContextTakeover != standard.acceptNoContextTakeover {
            fields.append("accept-no-context-takeover: \(offer.acceptNoContextTakeover)")
        }
        if offer.acceptMaxWindowBits != standard.acceptMaxWindowBits { fields.append("accept-max-window-bits: \(offer.acceptMaxWindowBits)") }
        if offer.requestNoContextTakeover != standard.requestNoContextTakeover {
            fields.append("request-no-context-takeover: \(offer.requestNoContextTakeover)")
        }
        if offer.requestMaxWindowBits != standard.requestMaxWindowBits { fields.append("request-max-window-bits: \(offer.requestMaxWindowBits)") }
        return fields.isEmpty ? "{}" : "{ \(fields.joined(separator: ", ")) }"
    }

    static func eventText(_ event: ExpectedEvent) -> String {
        switch event {
        case .message(let payload, let binary): return "\(binary ? "binary" : "text"): \(payloadText(payload))"
        case .pong(let payload): return "pong: \(payloadText(payload))"
        case .timeout(let tag): return "timeout: \(quote(tag))"
        }
    }

    static func opcodeText(_ opcode: Opcode) -> String {
        Opcode.names.first { $0.value == opcode }?.key ?? String(opcode.rawValue)
    }

    static func number(_ x: Double) -> String {
        x == x.rounded() ? String(Int(x)) : String(x)
    }

    /// A payload in the shortest form of the case files: text when the octets are UTF-8, else hex; repeated runs
    /// as `repeat`, pieces as `concat`.
    public static func payloadText(_ payload: Payload) -> String {
        switch payload {
        case .bytes(let bytes):
            // A byte-order mark would be dropped by the YAML reader: such octets are written in hex.
            if let text = String(validating: bytes, as: UTF8.self), !text.unicodeScalars.contains("\u{FEFF}") { return quote(text) }
            return "{ hex: \"\(bytes.map { String(format: "%02x", $0) }.joined(separator: " "))\" }"
        case .repeated(let pattern, let length):
            return "{ repeat: \(payloadText(pattern)), length: \(length) }"
        case .concat(let parts):
            return "{ concat: [\(parts.map(payloadText).joined(separator: ", "))] }"
        }
    }

    /// A YAML double-quoted string: every character YAML cannot print, and quotes and backslashes, escaped.
    public static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            let v = scalar.value
            switch v {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x20...0x7E, 0xA0...0xD7FF, 0x10000...0x10FFFF: out.unicodeScalars.append(scalar)
            case 0xE000...0xFFFD where v != 0xFEFF: out.unicodeScalars.append(scalar)
            case 0...0xFFFF: out += String(format: "\\u%04X", v)
            default: out += String(format: "\\U%08X", v)
            }
        }
        return out + "\""
    }
}
