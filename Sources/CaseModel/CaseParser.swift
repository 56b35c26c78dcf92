import Recording
import WebSocketWire
import Yams

/// Turns one entry of a file's `cases` list into one case, or one per table row.
struct CaseParser {
    let reader: NodeReader
    let category: CaseGroup
    let subcategories: [String: CaseGroup]

    static let caseKeys: Set<String> = [
        "id", "description", "expectation", "rfc", "requirement", "table", "steps", "expect", "close", "auto-close",
        "verdict", "echo", "deflate", "request", "response", "interleave",
    ]

    func parse(_ node: Node) throws -> [CaseDefinition] {
        let m = try reader.mapping(
            node, allowed: Self.caseKeys, required: ["id", "description", "expectation"], what: "a case")
        try requireKeys(of: m, in: node)
        guard let tableNode = m["table"] else {
            return [try definition(node)]
        }
        let table = try reader.mapping(tableNode, allowed: ["columns", "rows"], required: ["columns", "rows"], what: "a table")
        let columns = try reader.sequence(table["columns"]!).map { try reader.string($0) }
        guard Set(columns).count == columns.count else {
            throw reader.error("table columns must have different names", at: table["columns"]!)
        }
        var results: [CaseDefinition] = []
        var problems: [CaseFileError] = []
        for row in try reader.sequence(table["rows"]!) {
            do {
                let values = try reader.sequence(row)
                guard values.count == columns.count else {
                    throw reader.error("this row has \(values.count) values but the table has \(columns.count) columns", at: row)
                }
                var params: [String: Node] = [:]
                for (name, value) in zip(columns, values) {
                    guard value.scalar != nil else { throw reader.error("a table value must be a single value", at: value) }
                    params[name] = value
                }
                var substituted = node
                substituted = try substitute(node, params: params, skipTable: true)
                results.append(try definition(substituted))
            } catch let error as CaseFileError {
                problems.append(error)
            }
        }
        if !problems.isEmpty { throw CaseLoadError(problems) }
        return results
    }

    /// Replaces `{name}` in every scalar. A scalar that is exactly `{name}` takes the row value as it is.
    func substitute(_ node: Node, params: [String: Node], skipTable: Bool = false) throws -> Node {
        switch node {
        case .scalar(let scalar):
            let text = scalar.string
            guard text.contains("{") else { return node }
            if text.hasPrefix("{"), text.hasSuffix("}"), let value = params[String(text.dropFirst().dropLast())] {
                var s = value.scalar!
                s.mark = scalar.mark
                return .scalar(s)
            }
            var out = ""
            var rest = Substring(text)
            while let open = rest.firstIndex(of: "{") {
                out += rest[..<open]
                let after = rest[rest.index(after: open)...]
                if let close = after.firstIndex(of: "}"), isIdentifier(after[..<close]) {
                    let name = String(after[..<close])
                    guard let value = params[name] else {
                        throw reader.error("parameter '{\(name)}' is not a column of this case's table", at: node)
                    }
                    out += reader.isNull(value) ? "" : value.scalar!.string
                    rest = after[after.index(after: close)...]
                } else {
                    out += "{"
                    rest = after
                }
            }
            out += rest
            var s = scalar
            s.string = out
            return .scalar(s)
        case .mapping(let mapping):
            var pairs: [(Node, Node)] = []
            for (k, v) in mapping {
                if skipTable && k.scalar?.string == "table" { continue }
                pairs.append((k, try substitute(v, params: params)))
            }
            var m = Node.Mapping(pairs, mapping.tag, mapping.style)
            m.mark = mapping.mark
            return .mapping(m)
        case .sequence(let sequence):
            var s = Node.Sequence(try sequence.map { try substitute($0, params: params) }, sequence.tag, sequence.style)
            s.mark = sequence.mark
            return .sequence(s)
        case .alias:
            return node
        }
    }

    private func isIdentifier(_ s: Substring) -> Bool {
        guard let first = s.first, first.isLetter || first == "_" else { return false }
        return s.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
    }

    func definition(_ node: Node) throws -> CaseDefinition {
        let m = try reader.mapping(node, allowed: Self.caseKeys.subtracting(["table"]))
        let idText = try reader.string(m["id"]!)
        guard let id = CaseID(idText) else {
            throw reader.error("'\(idText)' is not a case ID (dotted numbers such as 5.19)", at: m["id"]!)
        }
        guard id.category == category.id else {
            throw reader.error("case \(id) does not belong to category \(category.id) of this file", at: m["id"]!)
        }
        var sub: CaseGroup?
        if let subID = id.subcategory {
            sub = subcategories[subID]
            if sub == nil && !subcategories.isEmpty {
                throw reader.error("subcategory \(subID) of case \(id) is not listed under 'subcategories'", at: m["id"]!)
            }
        }
        // Every broken step, and broken expect/close/verdict, is its own problem: all are reported at once.
        var problems: [CaseFileError] = []
        func collect<T>(_ parse: () throws -> T) -> T? {
            do { return try parse() } catch let error as CaseFileError {
                problems.append(error)
            } catch let error as CaseLoadError {
                problems += error.problems
            } catch {
                problems.append(reader.error("\(error)", at: node))
            }
            return nil
        }
        try requireKeys(of: m, in: node)
        let isHandshakeCase = m["request"] != nil
        let stepNodes = try m["steps"].map { try reader.sequence($0) } ?? []
        let parsedSteps = stepNodes.map { node in collect { try step(node) } }
        let steps = parsedSteps.compactMap { $0 }
        if let stepsNode = m["steps"], steps.count == parsedSteps.count {
            _ = collect { try checkStreamingSteps(steps, in: stepsNode) }
        }
        // A case judges by its expected events, by echoes (`echo`), or itself (a `message-loop` step).
        let hasLoop = steps.contains { if case .messageLoop = $0 { return true } else { return false } }
        var echo: EchoCheck?
        var expected: [(outcome: Behavior, events: [ExpectedEvent])]? = []
        var handshake: HandshakeCase?
        if isHandshakeCase {
            handshake = collect { try handshakeCase(request: m["request"]!, response: m["response"]!) }
            expected = [(.ok, handshake?.expectedEvents ?? [])]
            let waits = steps.contains { if case .closeAfter = $0 { return true } else if case .killAfter = $0 { return true } else { return false } }
            if handshake?.expectedEvents != nil && !waits {
                problems.append(reader.error("an 'events' check needs a close-after step: how long wsspec waits for the events", at: m["response"]!))
            }
        }
        switch (m["expect"], m["echo"]) {
        case _ where isHandshakeCase:
            break
        case (let e?, nil): expected = collect { try expectations(e) }
        case (nil, let e?): echo = collect { try echoCheck(e) }
        case (_?, let e?): problems.append(reader.error("a case has either 'expect' or 'echo', not both", at: e))
        case (nil, nil):
            if !hasLoop {
                problems.append(reader.error("a case needs 'expect' (the events that must arrive) or 'echo'", at: node))
            }
        }
        var offers: [DeflateOffer]? = []
        if let deflateNode = m["deflate"] { offers = collect { try reader.sequence(deflateNode).map(deflateOffer) } }
        // A handshake case closes normally once its events (if any) are in.
        let close = isHandshakeCase
            ? CloseExpectation(closedByClient: true, codes: [.normalClosure], requireClean: false)
            : collect { try closeExpectation(m["close"]!) }
        var verdict: VerdictRules? = VerdictRules()
        if let v = m["verdict"] { verdict = collect { try verdictRules(v) } }
        guard problems.isEmpty, let expected, let close, let verdict, let offers else { throw CaseLoadError(problems) }
        var definition = CaseDefinition(
            id: id,
            description: try reader.string(m["description"]!),
            expectation: try reader.string(m["expectation"]!),
            rfc: try m["rfc"].map { try reader.string($0) },
            requirement: try m["requirement"].map(oneLine),
            category: category,
            subcategory: sub,
            steps: steps,
            expected: expected,
            close: close,
            autoClose: try m["auto-close"].map { try reader.bool($0) } ?? true,
            verdict: verdict,
            echo: echo,
            source: reader.location(node))
        definition.deflateOffers = offers
        definition.handshake = handshake
        if let n = m["interleave"] { definition.interleave = try reader.bool(n) }
        return definition
    }

    /// A text that must fit on one line (a failure shows it beside the clause).
    func oneLine(_ node: Node) throws -> String {
        let text = try reader.string(node)
        if text.allSatisfy(\.isWhitespace) || text.contains(where: \.isNewline) {
            throw reader.error("'requirement' must be one line of text: what the clause requires", at: node)
        }
        return text
    }

    /// One permessage-deflate offer: the four knobs of the reference's client (catalogue §4).
    func deflateOffer(_ node: Node) throws -> DeflateOffer {
        let m = try reader.mapping(
            node,
            allowed: ["accept-no-context-takeover", "accept-max-window-bits", "request-no-context-takeover", "request-max-window-bits"],
            what: "a deflate offer")
        var offer = DeflateOffer()
        if let n = m["accept-no-context-takeover"] { offer.acceptNoContextTakeover = try reader.bool(n) }
        if let n = m["accept-max-window-bits"] { offer.acceptMaxWindowBits = try reader.bool(n) }
        if let n = m["request-no-context-takeover"] { offer.requestNoContextTakeover = try reader.bool(n) }
        if let n = m["request-max-window-bits"] {
            let bits = try reader.int(n, in: 0...15)
            guard bits == 0 || DeflateParameters.windowBitsRange.contains(bits) else {
                throw reader.error("request-max-window-bits is 0 (ask nothing) or 8–15, got \(bits)", at: n)
            }
            offer.requestMaxWindowBits = bits
        }
        return offer
    }

    func echoCheck(_ node: Node) throws -> EchoCheck {
        let m = try reader.mapping(node, allowed: ["within", "rounds"], required: ["within"], what: "echo")
        return EchoCheck(
            within: try reader.seconds(m["within"]!),
            rounds: try reader.optionalInt(m["rounds"], in: 1...10_000_000) ?? 1)
    }

    /// `frame-data` continues the frame `frame-begin` opened: it needs one, and the pieces may not exceed its length.
    func checkStreamingSteps(_ steps: [Step], in node: Node) throws {
        var remaining: Int?
        for (index, step) in steps.enumerated() {
            let at = node.sequence?[index] ?? node
            switch step {
            case .frameBegin(let begin):
                remaining = begin.length
            case .frameData(let payload):
                guard let left = remaining else {
                    throw reader.error("frame-data needs a frame-begin before it", at: at)
                }
                guard payload.count <= left else {
                    throw reader.error("frame-data writes \(payload.count) octets but the frame has only \(left) left", at: at)
                }
                remaining = left - payload.count
            case .send, .message, .raw, .close, .closeFrame:
                remaining = nil
            case .pause, .closeAfter, .killAfter, .wirelog, .messageLoop:
                break
            }
        }
    }

    static let stepNames = [
        "send", "message", "raw", "close", "close-frame", "pause", "close-after", "kill-after", "wirelog",
        "frame-begin", "frame-data", "message-loop",
    ]

    func step(_ node: Node) throws -> Step {
        guard let mapping = node.mapping, mapping.count == 1, let (keyNode, value) = mapping.first,
            let name = keyNode.scalar?.string
        else {
            throw reader.error("a step is a mapping with one key: \(Self.stepNames.joined(separator: ", "))", at: node)
        }
        switch name {
        case "send":
            let m = try reader.mapping(
                value, allowed: ["opcode", "fin", "rsv", "payload", "repeat-length", "chop", "sync"], required: ["opcode"],
                what: "send")
            var frame = FrameStep(opcode: try opcode(m["opcode"]!))
            if let n = m["fin"] { frame.fin = try reader.bool(n) }
            if let n = m["rsv"] { frame.rsv = UInt8(try reader.int(n, in: 0...7)) }
            if let n = m["payload"] { frame.payload = try reader.payload(n) }
            frame.repeatLength = try reader.optionalInt(m["repeat-length"], in: 0...Int(Int32.max))
            if frame.repeatLength != nil && frame.payload.count == 0 {
                throw reader.error("repeat-length needs a non-empty payload to repeat", at: m["repeat-length"]!)
            }
            frame.chop = try reader.optionalInt(m["chop"], in: 1...Int(Int32.max))
            if let n = m["sync"], !reader.isNull(n) { frame.sync = try reader.bool(n) }
            return .send(frame)
        case "message":
            let m = try reader.mapping(
                value, allowed: ["opcode", "payload", "fragment-size", "sync"], required: ["opcode"], what: "message")
            let op = try opcode(m["opcode"]!)
            guard op == .text || op == .binary else {
                throw reader.error("a message is 'text' or 'binary'", at: m["opcode"]!)
            }
            return .message(
                MessageStep(
                    binary: op == .binary, payload: try m["payload"].map { try reader.payload($0) } ?? .empty,
                    fragmentSize: try reader.optionalInt(m["fragment-size"], in: 1...Int(Int32.max)),
                    sync: try m["sync"].map { try reader.bool($0) } ?? false))
        case "raw":
            return .raw(try reader.payload(value), chop: nil, sync: false)
        case "close":
            let m = try reader.mapping(value, allowed: ["code", "reason"], what: "close")
            let code = try reader.optionalInt(m["code"], in: 0...65535)
            if let code, !CloseCode.isAllowedForNormalClose(code) {
                throw reader.error(
                    "a normal close uses code 1000 or 3000–4999; use close-frame to send code \(code)", at: m["code"]!)
            }
            let reason = try m["reason"].map { try reader.payload($0) }
            if reason != nil && code == nil { throw reader.error("a close reason needs a close code", at: m["reason"]!) }
            if let reason, !UTF8Validator.isValid(reason.bytes()) {
                throw reader.error("a normal close reason must be UTF-8; use close-frame for other bytes", at: m["reason"]!)
            }
            return .close(code: code, reason: reason.map { String(decoding: $0.bytes(), as: UTF8.self) })
        case "close-frame":
            let m = try reader.mapping(value, allowed: ["code", "reason"], what: "close-frame")
            return .closeFrame(
                code: try reader.optionalInt(m["code"], in: 0...65535), reason: try m["reason"].map { try reader.payload($0) })
        case "pause":
            if value.mapping != nil {
                let m = try reader.mapping(value, allowed: ["seconds", "tag"], required: ["seconds"], what: "pause")
                return .pause(seconds: try reader.seconds(m["seconds"]!), tag: try m["tag"].map { try reader.string($0) })
            }
            return .pause(seconds: try reader.seconds(value), tag: nil)
        case "close-after":
            return .closeAfter(seconds: try reader.seconds(value))
        case "kill-after":
            return .killAfter(seconds: try reader.seconds(value))
        case "wirelog":
            if value.mapping != nil {
                let m = try reader.mapping(value, allowed: ["enabled", "silent"], required: ["enabled"], what: "wirelog")
                return .wirelog(try reader.bool(m["enabled"]!), silent: try m["silent"].map { try reader.bool($0) } ?? false)
            }
            return .wirelog(try reader.bool(value), silent: false)
        case "frame-begin":
            let m = try reader.mapping(
                value, allowed: ["opcode", "fin", "rsv", "length"], required: ["opcode", "length"], what: "frame-begin")
            return .frameBegin(
                FrameBeginStep(
                    opcode: try opcode(m["opcode"]!), fin: try m["fin"].map { try reader.bool($0) } ?? true,
                    rsv: UInt8(try m["rsv"].map { try reader.int($0, in: 0...7) } ?? 0),
                    length: try reader.int(m["length"]!, in: 0...Int(Int32.max))))
        case "frame-data":
            return .frameData(try reader.payload(value))
        case "message-loop":
            let m = try reader.mapping(
                value, allowed: ["data", "as", "size", "count", "fragment-size", "timeout", "compressed"],
                required: ["data", "as", "size", "count", "timeout"], what: "message-loop")
            let data = try reader.string(m["data"]!)
            guard !data.isEmpty, !data.contains("/"), !data.hasPrefix(".") else {
                throw reader.error("data names a file of the test-data folder, without a path: '\(data)'", at: m["data"]!)
            }
            let kind = try reader.string(m["as"]!)
            guard kind == "text" || kind == "binary" else {
                throw reader.error("'as' is text (sizes count code points) or binary (octets), got '\(kind)'", at: m["as"]!)
            }
            var fragment = try reader.optionalInt(m["fragment-size"], in: 0...Int(Int32.max))
            if fragment == 0 { fragment = nil }
            return .messageLoop(
                MessageLoopStep(
                    data: data, text: kind == "text", size: try reader.int(m["size"]!, in: 0...Int(Int32.max)),
                    count: try reader.int(m["count"]!, in: 1...Int(Int32.max)), fragmentSize: fragment,
                    timeout: try reader.seconds(m["timeout"]!),
                    compressed: try m["compressed"].map { try reader.bool($0) } ?? false))
        default:
            throw reader.error("unknown step '\(name)' (expected one of: \(Self.stepNames.joined(separator: ", ")))", at: keyNode)
        }
    }

    func opcode(_ node: Node) throws -> Opcode {
        if let text = node.scalar?.string, let op = Opcode.names[text] { return op }
        if let n = try? reader.int(node), (0...15).contains(n) { return Opcode(rawValue: UInt8(n)) }
        throw reader.error(
            "opcode must be continuation, text, binary, close, ping, pong or a number 0–15, got '\(node.scalar?.string ?? "a structure")'",
            at: node)
    }

    func expectations(_ node: Node) throws -> [(outcome: Behavior, events: [ExpectedEvent])] {
        let m = try reader.mapping(node, allowed: ["OK", "NON-STRICT"], what: "expect")
        guard m.count > 0 else { throw reader.error("expect needs at least the OK outcome", at: node) }
        return try m.keys.map { outcome in (Behavior(rawValue: outcome)!, try expectedEvents(m[outcome]!)) }
    }

    /// A list of events: `[ pong: "x", text: "y" ]`.
    func expectedEvents(_ node: Node) throws -> [ExpectedEvent] {
        try reader.sequence(node).map { eventNode -> ExpectedEvent in
            let e = try reader.mapping(eventNode, allowed: ["text", "binary", "pong", "timeout"], what: "an event")
            guard e.count == 1, let kind = e.keys.first, let v = e[kind] else {
                throw reader.error("an event has one key: text, binary, pong or timeout", at: eventNode)
            }
            switch kind {
            case "text": return .message(try reader.payload(v), binary: false)
            case "binary": return .message(try reader.payload(v), binary: true)
            case "pong": return .pong(try reader.payload(v))
            default: return .timeout(try reader.string(v))
            }
        }
    }

    func closeExpectation(_ node: Node) throws -> CloseExpectation {
        let m = try reader.mapping(
            node, allowed: ["by", "codes", "clean", "wrong-endpoint-fatal"], required: ["by", "codes", "clean"], what: "close")
        let by = try reader.string(m["by"]!)
        guard by == "client" || by == "server" else {
            throw reader.error("'by' is client (wsspec closes first) or server", at: m["by"]!)
        }
        return CloseExpectation(
            closedByClient: by == "client",
            codes: try reader.sequence(m["codes"]!).map { CloseCode(UInt16(try reader.int($0, in: 0...65535))) },
            requireClean: try reader.bool(m["clean"]!),
            wrongEndpointIsFatal: try m["wrong-endpoint-fatal"].map { try reader.bool($0) } ?? false)
    }

    func verdictRules(_ node: Node) throws -> VerdictRules {
        let m = try reader.mapping(
            node, allowed: ["wrong-code-fails", "informational", "result", "results", "tx-frames"], what: "verdict")
        var rules = VerdictRules()
        if let n = m["wrong-code-fails"] { rules.wrongCodeFails = try reader.bool(n) }
        if let n = m["informational"] { rules.informational = try reader.bool(n) }
        if let n = m["result"] { rules.result = try reader.string(n) }
        if let n = m["results"] {
            let r = try reader.mapping(n, allowed: ["OK", "NON-STRICT", "FAILED"], what: "results")
            for k in r.keys { rules.results[Behavior(rawValue: k)!] = try reader.string(r[k]!) }
        }
        if let n = m["tx-frames"] {
            guard let mapping = n.mapping else { throw reader.error("tx-frames maps opcodes to counts", at: n) }
            var counts: [Int: Int] = [:]
            for (k, v) in mapping { counts[try reader.int(k, in: 0...15)] = try reader.int(v, in: 0...Int(Int32.max)) }
            rules.txFrames = counts
        }
        return rules
    }
}
