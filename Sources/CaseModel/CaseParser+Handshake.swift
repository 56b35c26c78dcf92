import Yams

/// The handshake cases' part of a case file: `request` (the raw opening request) and `response` (the checks).
extension CaseParser {
    /// A frame case needs `steps` and `close`; a handshake case needs `request` and `response`, and leaves out what
    /// only frame cases have.
    func requireKeys(of m: OrderedNodes, in node: Node) throws {
        switch (m["request"], m["response"]) {
        case (nil, nil):
            for key in ["steps", "close"] where m[key] == nil { throw reader.error("missing key '\(key)' in a case", at: node) }
        case (_?, nil):
            throw reader.error("a handshake case (with 'request') needs 'response', the checks of the answer", at: node)
        case (nil, _?):
            throw reader.error("a handshake case (with 'response') needs 'request', the request to send", at: node)
        case (_?, _?):
            for key in ["expect", "echo", "close", "deflate"] {
                if let k = m.keyNode(key) {
                    throw reader.error(
                        "'\(key)' is not for a handshake case: its 'response' checks say what must happen (write the offers as header lines)",
                        at: k)
                }
            }
        }
    }

    static let requestKeys: Set<String> = [
        "method", "target", "version", "headers", "set", "add", "before", "line-ending", "body", "after",
    ]

    func handshakeCase(request requestNode: Node, response responseNode: Node) throws -> HandshakeCase {
        var problems: [CaseFileError] = []
        var request: RawRequest?
        var stream: StreamRequest?
        do {
            if isHTTP2(requestNode) {
                stream = try streamRequest(requestNode)
                request = RawRequest()
            } else {
                request = try rawRequest(requestNode)
            }
        } catch let error as CaseFileError { problems.append(error) }
        var checks: [HandshakeCheck] = []
        let items = try reader.sequence(responseNode)
        if items.isEmpty { problems.append(reader.error("'response' needs at least one check", at: responseNode)) }
        for item in items {
            do { checks.append(try check(item)) } catch let error as CaseFileError { problems.append(error) }
        }
        if checks.filter({ if case .events = $0.kind { return true } else { return false } }).count > 1 {
            problems.append(reader.error("a case has at most one 'events' check", at: responseNode))
        }
        let http2 = isHTTP2(requestNode)
        for (item, check) in zip(items, checks) {
            let only = Self.onlyHTTP2(check.kind) ? "an HTTP/2 case (request version: HTTP/2)" : Self.onlyHTTP1(check.kind) ? "an HTTP/1.1 case" : nil
            if let only, Self.onlyHTTP2(check.kind) != http2 {
                problems.append(reader.error("the check '\(check.written)' is for \(only)", at: item))
            }
        }
        guard problems.isEmpty, let request else { throw CaseLoadError(problems) }
        return HandshakeCase(request: request, stream: stream, checks: checks)
    }

    private static func onlyHTTP2(_ kind: HandshakeCheckKind) -> Bool {
        switch kind {
        case .connectProtocol, .reset, .streamError, .refused: return true
        default: return false
        }
    }

    private static func onlyHTTP1(_ kind: HandshakeCheckKind) -> Bool {
        switch kind {
        case .accept, .closed: return true
        default: return false
        }
    }

    /// `version: HTTP/2` makes the request an HTTP/2 header list.
    func isHTTP2(_ node: Node) -> Bool {
        guard let mapping = node.mapping else { return false }
        return mapping.contains { $0.key.scalar?.string == "version" && $0.value.scalar?.string == "HTTP/2" }
    }

    static let streamRequestKeys: Set<String> = ["version", "headers", "set", "add"]

    /// An HTTP/2 request: `headers` lists every field (pseudo-header fields included), `set` changes the standard
    /// fields by name (`~` removes one), `add` appends fields.
    func streamRequest(_ node: Node) throws -> StreamRequest {
        let m = try reader.mapping(node, allowed: Self.requestKeys, what: "a request")
        if let extra = m.keys.first(where: { !Self.streamRequestKeys.contains($0) }) {
            throw reader.error(
                "'\(extra)' is not for an HTTP/2 request (version: HTTP/2): write the header fields, pseudo-header fields included, with headers, set and add",
                at: m.keyNode(extra)!)
        }
        var request = StreamRequest()
        if let n = m["headers"] {
            guard m["set"] == nil else { throw reader.error("'set' changes the standard fields; with 'headers' write them all", at: m.keyNode("set")!) }
            request.fields = try reader.sequence(n).map(streamField)
        }
        if let n = m["set"] {
            guard let mapping = n.mapping else { throw reader.error("'set' maps field names to values (~ removes the field)", at: n) }
            for (k, v) in mapping {
                let name = try reader.string(k)
                guard let index = request.fields.firstIndex(where: { $0.name == name }) else {
                    throw reader.error(
                        "'\(name)' is not one of the standard fields (\(StreamRequest.standardFields.map(\.name).joined(separator: ", "))); use 'add'",
                        at: k)
                }
                if reader.isNull(v) {
                    request.fields.remove(at: index)
                } else {
                    request.fields[index].value = try lineText(v, what: "a field value")
                }
            }
        }
        if let n = m["add"] { request.fields += try reader.sequence(n).map(streamField) }
        return request
    }

    /// A field: `"name: value"` (`":path: /"`), or `{ name: N, value: <payload> }`.
    private func streamField(_ node: Node) throws -> StreamRequest.Field {
        let line = try headerLine(node)
        guard let field = StreamRequest.field(line), !field.name.isEmpty else {
            throw reader.error("'\(line)' is not a field 'name: value'", at: node)
        }
        return field
    }

    func rawRequest(_ node: Node) throws -> RawRequest {
        let m = try reader.mapping(node, allowed: Self.requestKeys, what: "a request")
        var request = RawRequest()
        if let n = m["method"] { request.method = try lineText(n, what: "the method") }
        if let n = m["target"] { request.target = try lineText(n, what: "the target") }
        if let n = m["version"] { request.version = try lineText(n, what: "the version") }
        if let n = m["headers"] {
            guard m["set"] == nil else { throw reader.error("'set' changes the standard header lines; with 'headers' write them all", at: m.keyNode("set")!) }
            request.headers = try reader.sequence(n).map(headerLine)
        }
        if let n = m["set"] {
            guard let mapping = n.mapping else { throw reader.error("'set' maps header names to values (~ removes the line)", at: n) }
            for (k, v) in mapping {
                let name = try reader.string(k)
                let index = request.headers.firstIndex { line in
                    line.split(separator: ":", maxSplits: 1).first.map { $0.lowercased() == name.lowercased() } ?? false
                }
                guard let index else {
                    throw reader.error(
                        "'\(name)' is not one of the standard header lines (\(RawRequest.standardHeaders.map { String($0.prefix { $0 != ":" }) }.joined(separator: ", "))); use 'add'",
                        at: k)
                }
                if reader.isNull(v) {
                    request.headers.remove(at: index)
                } else {
                    request.headers[index] = "\(name): \(try lineText(v, what: "a header value"))"
                }
            }
        }
        if let n = m["add"] { request.headers += try reader.sequence(n).map(headerLine) }
        if let n = m["before"] { request.before = try reader.payload(n) }
        if let n = m["line-ending"] {
            switch try reader.string(n) {
            case "crlf": request.lineEnding = "\r\n"
            case "lf": request.lineEnding = "\n"
            default: throw reader.error("'line-ending' is crlf or lf", at: n)
            }
        }
        if let n = m["body"] { request.body = try reader.payload(n) }
        if let n = m["after"] { request.after = try reader.payload(n) }
        return request
    }

    /// A header line: a text, or `{ name: N, value: <payload> }` for a value built like a payload (a long one).
    private func headerLine(_ node: Node) throws -> String {
        guard node.mapping != nil else { return try lineText(node, what: "a header line") }
        let m = try reader.mapping(node, allowed: ["name", "value"], required: ["name", "value"], what: "a header line")
        let value = String(decoding: try reader.payload(m["value"]!).bytes(), as: UTF8.self)
        if value.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) {
            throw reader.error("a header value cannot contain a line break", at: m["value"]!)
        }
        return "\(try lineText(m["name"]!, what: "a header name")): \(value)"
    }

    /// A text that goes into the request as one line: CR and LF would make it two.
    private func lineText(_ node: Node, what: String) throws -> String {
        guard let scalar = node.scalar, !reader.isNull(node) else { throw reader.error("expected a text for \(what)", at: node) }
        if scalar.string.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) {
            throw reader.error("\(what) cannot contain a line break (use 'line-ending', 'before' or 'body')", at: node)
        }
        return scalar.string
    }

    static let checkNames = [
        "status", "header", "accept", "subprotocol", "deflate", "events", "closed", "connect-protocol", "reset",
        "stream-error", "refused",
    ]

    /// The error codes of RFC 9113 §7.
    public static let http2ErrorCodes = [
        "NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR", "SETTINGS_TIMEOUT", "STREAM_CLOSED",
        "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL", "COMPRESSION_ERROR", "CONNECT_ERROR", "ENHANCE_YOUR_CALM",
        "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED",
    ]

    private func errorCode(_ node: Node, anyAllowed: Bool) throws -> String? {
        let text = try reader.string(node)
        if anyAllowed && text == "any" { return nil }
        guard Self.http2ErrorCodes.contains(text) else {
            throw reader.error(
                "'\(text)' is not an HTTP/2 error code (RFC 9113 §7: \(Self.http2ErrorCodes.joined(separator: ", "))\(anyAllowed ? ", or any" : ""))",
                at: node)
        }
        return text
    }

    /// `- must: { status: 101 }` with an optional `rfc:` beside the level.
    func check(_ node: Node) throws -> HandshakeCheck {
        let levels = RequirementLevel.allCases.map(\.rawValue)
        let m = try reader.mapping(node, allowed: Set(levels + ["rfc"]), what: "a check")
        let present = levels.filter { m[$0] != nil }
        guard present.count == 1, let levelName = present.first, let body = m[levelName] else {
            throw reader.error("a check has one level, must, should or may, and optionally rfc", at: node)
        }
        let level = RequirementLevel(rawValue: levelName)!
        let c = try reader.mapping(body, allowed: Set(Self.checkNames + ["absent", "present", "value", "has"]), what: "a check")
        let kinds = Self.checkNames.filter { c[$0] != nil }
        guard kinds.count == 1, let kind = kinds.first, let v = c[kind] else {
            throw reader.error("a check tests one thing: \(Self.checkNames.joined(separator: ", "))", at: body)
        }
        if kind != "header", let extra = ["absent", "present", "value", "has"].first(where: { c[$0] != nil }) {
            throw reader.error("'\(extra)' belongs to a header check", at: c.keyNode(extra)!)
        }
        let parsed: HandshakeCheckKind
        switch kind {
        case "status":
            let values = v.sequence.map(Array.init) ?? [v]
            guard !values.isEmpty else { throw reader.error("status needs at least one code", at: v) }
            parsed = .status(try values.map(statusRange))
        case "header":
            let name = try reader.string(v)
            guard !name.isEmpty, !name.contains(":"), !name.contains(" ") else { throw reader.error("'\(name)' is not a header name", at: v) }
            let modes = ["absent", "present", "value", "has"].filter { c[$0] != nil }
            guard modes.count == 1, let mode = modes.first else {
                throw reader.error("a header check has one of absent: true, present: true, value: TEXT, has: TOKEN", at: body)
            }
            switch mode {
            case "absent", "present":
                guard try reader.bool(c[mode]!) else { throw reader.error("write '\(mode): true'", at: c[mode]!) }
                parsed = mode == "absent" ? .headerAbsent(name) : .headerPresent(name)
            case "value": parsed = .headerValue(name, try reader.string(c["value"]!))
            default: parsed = .headerHas(name, try reader.string(c["has"]!))
            }
        case "accept":
            guard try reader.bool(v) else { throw reader.error("write 'accept: true'", at: v) }
            parsed = .accept
        case "subprotocol":
            switch try reader.string(v) {
            case "none": parsed = .subprotocol(.none)
            case "offered": parsed = .subprotocol(.offered)
            case "chosen": parsed = .subprotocol(.chosen)
            default: throw reader.error("subprotocol is none, offered (none or one offered) or chosen (one offered)", at: v)
            }
        case "deflate":
            let text = try reader.string(v)
            guard let expectation = DeflateExpectation(rawValue: text) else {
                throw reader.error("deflate is valid (declined or a valid acceptance), accepted or declined, got '\(text)'", at: v)
            }
            parsed = .deflate(expectation)
        case "events":
            parsed = .events(try expectedEvents(v))
        case "connect-protocol":
            guard try reader.bool(v) else { throw reader.error("write 'connect-protocol: true'", at: v) }
            parsed = .connectProtocol
        case "refused":
            guard try reader.bool(v) else { throw reader.error("write 'refused: true'", at: v) }
            parsed = .refused
        case "reset":
            parsed = .reset(try errorCode(v, anyAllowed: true))
        case "stream-error":
            parsed = .streamError(try errorCode(v, anyAllowed: false)!)
        default:
            guard try reader.bool(v) else { throw reader.error("write 'closed: true'", at: v) }
            parsed = .closed
        }
        return HandshakeCheck(
            level: level, kind: parsed, rfc: try m["rfc"].map { try reader.string($0) }, written: Self.written(body))
    }

    /// `101`, or `4xx` for a whole class.
    private func statusRange(_ node: Node) throws -> ClosedRange<Int> {
        let text = node.scalar?.string ?? ""
        if text.count == 3, let first = text.first?.wholeNumberValue, (1...5).contains(first), text.hasSuffix("xx") {
            return first * 100...first * 100 + 99
        }
        let code = try reader.int(node, in: 100...599)
        return code...code
    }

    /// A check as its case file wrote it, in one line.
    static func written(_ node: Node) -> String {
        switch node {
        case .scalar(let s): return s.string
        case .sequence(let seq): return "[" + seq.map(written).joined(separator: ", ") + "]"
        case .mapping(let m): return m.map { "\(written($0.key)): \(written($0.value))" }.joined(separator: ", ")
        case .alias: return "*"
        }
    }
}
