/// The opening request of a handshake case, written exactly as the case says: method, target, version, header
/// lines in order and spelling (duplicates and odd whitespace included), a body, and octets after it in the same
/// write. `$host` (the server's host and port) and `$key` (a fresh seeded Sec-WebSocket-Key) are replaced in the
/// target and the header lines.
public struct RawRequest: Sendable, Equatable {
    public var method = "GET"
    /// nil: the resource of the server's URL.
    public var target: String?
    public var version = "HTTP/1.1"
    /// The header lines, without their CRLF.
    public var headers: [String] = RawRequest.standardHeaders
    /// Octets before the request line (an empty line, RFC 7230 §3.5).
    public var before: Payload = .empty
    /// The line ending of the request line and the header lines.
    public var lineEnding = "\r\n"
    /// The message body, after the empty line.
    public var body: Payload = .empty
    /// Octets after the body, in the same write (a WebSocket frame the server must not lose).
    public var after: Payload = .empty

    /// The header lines of a valid request (RFC 6455 §4.1), the default of `headers`.
    public static let standardHeaders = [
        "Host: $host", "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: $key",
        "Sec-WebSocket-Version: 13",
    ]

    public init() {}

    /// The octets of the request: before, request line, header lines, the empty line, body, after.
    public func encoded(host: String, key: String, resource: String) -> [UInt8] {
        func fill(_ text: String) -> String {
            text.replacingPlaceholder("$host", with: host).replacingPlaceholder("$key", with: key)
        }
        var head = "\(method) \(fill(target ?? resource)) \(version)\(lineEnding)"
        for line in headers { head += fill(line) + lineEnding }
        head += lineEnding
        return before.bytes() + Array(head.utf8) + body.bytes() + after.bytes()
    }

    /// The length of the part the report shows as the request (before, head and body, not `after`).
    public func shownLength(host: String, key: String, resource: String) -> Int {
        encoded(host: host, key: key, resource: resource).count - after.count
    }
}

/// The request of an HTTP/2 handshake case (RFC 8441, `version: HTTP/2`): the header fields of the stream's
/// HEADERS frame, pseudo-header fields included, in order and as written. `$host` (the `:authority`), `$path` (the
/// server URL's resource), `$scheme` (`http` or `https`) and `$key` (a fresh seeded key) are replaced in values.
public struct StreamRequest: Sendable, Equatable {
    public struct Field: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public var fields: [Field] = StreamRequest.standardFields

    /// A valid extended CONNECT for a WebSocket (RFC 8441 §4–5), the default of `headers`.
    public static let standardFields = [
        Field(":method", "CONNECT"), Field(":protocol", "websocket"), Field(":scheme", "$scheme"),
        Field(":path", "$path"), Field(":authority", "$host"), Field("sec-websocket-version", "13"),
    ]

    public init() {}

    /// The fields with the placeholders replaced.
    public func filled(host: String, path: String, scheme: String, key: String) -> [Field] {
        fields.map { field in
            Field(
                field.name,
                field.value.replacingPlaceholder("$host", with: host).replacingPlaceholder("$path", with: path)
                    .replacingPlaceholder("$scheme", with: scheme).replacingPlaceholder("$key", with: key))
        }
    }

    /// `name: value`, the name up to the first colon after its first character (a pseudo-header's name starts with
    /// one); nil without such a colon.
    public static func field(_ line: String) -> Field? {
        guard let first = line.first else { return nil }
        let rest = line.dropFirst()
        guard let colon = rest.firstIndex(of: ":") else { return nil }
        let name = String(first) + rest[..<colon]
        var value = rest[rest.index(after: colon)...]
        while value.first == " " { value = value.dropFirst() }
        return Field(name, String(value))
    }
}

extension String {
    func replacingPlaceholder(_ placeholder: String, with value: String) -> String {
        guard contains(placeholder) else { return self }
        return components(separatedBy: placeholder).joined(separator: value)
    }
}

/// How much a check of a handshake case weighs: RFC 2119's words, and what a broken check makes of the case.
public enum RequirementLevel: String, Sendable, Equatable, CaseIterable {
    /// The RFC says MUST (or MUST NOT): a broken check makes the case FAILED.
    case must
    /// SHOULD: NON-STRICT.
    case should
    /// The RFC leaves the choice open (MAY, "such as"): the case is INFORMATIONAL when the server chose otherwise.
    case may
}

/// A permessage-deflate expectation of a handshake case.
public enum DeflateExpectation: String, Sendable, Equatable {
    /// No permessage-deflate answer, or one that accepts a valid offer by RFC 7692's rules.
    case valid
    /// A valid answer that accepts an offer.
    case accepted
    /// No permessage-deflate in the answer.
    case declined
}

/// A subprotocol expectation of a handshake case (RFC 6455 §4.2.2 /subprotocol/).
public enum SubprotocolExpectation: Sendable, Equatable {
    /// No Sec-WebSocket-Protocol in the answer.
    case none
    /// None, or one header whose value is one of the offered subprotocols.
    case offered
    /// Exactly one of the offered subprotocols.
    case chosen
}

/// What a handshake case checks about the server's answer and what follows it.
public enum HandshakeCheckKind: Sendable, Equatable {
    /// The status code is one of these (`4xx` written as 400…499).
    case status([ClosedRange<Int>])
    /// A header (by name, case-insensitive) is absent.
    case headerAbsent(String)
    /// A header is present.
    case headerPresent(String)
    /// A header appears once with exactly this value (compared case-insensitively, blanks around it trimmed).
    case headerValue(String, String)
    /// A header's comma-separated values contain this token (case-insensitively).
    case headerHas(String, String)
    /// One Sec-WebSocket-Accept with the value RFC 6455 §4.2.2 derives from the request's key.
    case accept
    case subprotocol(SubprotocolExpectation)
    case deflate(DeflateExpectation)
    /// After the 101, exactly these events arrive (before wsspec closes).
    case events([ExpectedEvent])
    /// After its answer the server closes the TCP connection by itself.
    case closed
    /// HTTP/2: the server's first SETTINGS carried SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 (RFC 8441 §3).
    case connectProtocol
    /// HTTP/2: the server reset the case's stream (RST_STREAM) with this error code (RFC 9113 §7's name); nil: any.
    case reset(String?)
    /// HTTP/2: a stream error of this code (RFC 9113 §5.4.2): RST_STREAM on the stream, or GOAWAY, the connection
    /// error an endpoint may make of any stream error (§5.4.1).
    case streamError(String)
    /// HTTP/2: the server did not open the WebSocket: an answer outside 2xx, RST_STREAM or GOAWAY.
    case refused
}

/// One check of a handshake case, with its weight and the clause it rests on.
public struct HandshakeCheck: Sendable, Equatable {
    public var level: RequirementLevel
    public var kind: HandshakeCheckKind
    /// The clause, when it is not the case's own `rfc`.
    public var rfc: String?
    /// How the check was written in the case file (`status: 426`), for reports.
    public var written: String

    public init(level: RequirementLevel, kind: HandshakeCheckKind, rfc: String? = nil, written: String) {
        self.level = level
        self.kind = kind
        self.rfc = rfc
        self.written = written
    }
}

/// A handshake case: the raw request and the checks on the answer.
public struct HandshakeCase: Sendable, Equatable {
    public var request: RawRequest
    /// The request of an HTTP/2 case (`version: HTTP/2`), which runs only over h2:// and h2s:// (`request` is then
    /// unused).
    public var stream: StreamRequest?
    public var checks: [HandshakeCheck]

    public init(request: RawRequest, stream: StreamRequest? = nil, checks: [HandshakeCheck]) {
        self.request = request
        self.stream = stream
        self.checks = checks
    }

    /// After a refusal, wsspec waits for the server to close (a `closed` check) instead of closing at once; over
    /// HTTP/2 it always waits for the server to end or reset the stream, which the checks read.
    public var waitsForServerClose: Bool { stream != nil || checks.contains { $0.kind == .closed } }

    /// The events a `events` check expects, if it has one.
    public var expectedEvents: [ExpectedEvent]? {
        for check in checks { if case .events(let events) = check.kind { return events } }
        return nil
    }
}
