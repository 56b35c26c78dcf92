/// A client's opening-handshake request as a fuzzing server reads it (RFC 6455 §4.2.1): the request line split
/// into path and query, the header fields, and the checks a server makes before it answers 101.
public struct UpgradeRequest: Sendable {
    /// Why a request is refused: the status and the text of the answer (`HTTP/1.1 <status> <text>`).
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var status: Int
        public var text: String
        public init(_ status: Int, _ text: String) {
            self.status = status
            self.text = text
        }
        public var description: String { "\(status) \(text)" }
        /// The answer as the reference writes it: the status line, an empty line, no header.
        public var response: String { "HTTP/1.1 \(status) \(text)\r\n\r\n" }
    }

    public let method: String
    public let target: String
    /// The target's path (before `?`).
    public let path: String
    /// The query's parameters in order, `+` and `%XX` decoded; pairs with an empty value are left out.
    public let query: [(name: String, value: String)]
    public let fields: HandshakeResponse

    public subscript(name: String) -> String? { fields[name] }

    /// Splits the request line; nil when it is not three tokens.
    public init?(headerBlock: [UInt8]) {
        fields = HandshakeResponse(headerBlock: headerBlock)
        let tokens = fields.statusLine.split(separator: " ", omittingEmptySubsequences: false)
        guard tokens.count == 3 else { return nil }
        method = String(tokens[0])
        target = String(tokens[1])
        version = String(tokens[2])
        let withoutFragment = target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
        hasFragment = withoutFragment.count > 1
        let parts = withoutFragment[0].split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        path = String(parts[0])
        query = parts.count > 1 ? Self.parseQuery(String(parts[1])) : []
    }

    private let version: String
    private let hasFragment: Bool

    /// All values of a query parameter.
    public func values(_ name: String) -> [String] {
        query.filter { $0.name == name }.map(\.value)
    }

    /// The checks of RFC 6455 §4.2.1 in the order the reference makes them (method, version, target, Host,
    /// Upgrade, Connection, version 13, subprotocols, Origin, key, extensions); nil when the request may be
    /// answered with 101. `statusPageWithoutUpgrade`: a request without `Upgrade` is not refused here (the
    /// caller answers it as plain HTTP).
    public func problem() -> Problem? {
        guard method == "GET" else { return Problem(405, "HTTP method '\(method)' not allowed") }
        guard version == "HTTP/1.1" else { return Problem(505, "HTTP version '\(version)' not supported") }
        guard !hasFragment, path.hasPrefix("/") || target.contains("://") else {
            return Problem(400, "bad request target '\(target)'")
        }
        guard fields.headerCounts["host"] == 1 else {
            return Problem(400, "HTTP Host header must appear exactly once (got \(fields.headerCounts["host"] ?? 0))")
        }
        guard let upgrade = fields["upgrade"] else { return Problem(426, "HTTP Upgrade header missing") }
        guard Self.tokens(upgrade).contains("websocket") else {
            return Problem(400, "HTTP Upgrade header does not name 'websocket' (got '\(upgrade)')")
        }
        guard let connection = fields["connection"], Self.tokens(connection).contains("upgrade") else {
            return Problem(400, "HTTP Connection header missing or without 'upgrade'")
        }
        guard fields.headerCounts["sec-websocket-version"] == 1, fields["sec-websocket-version"] == "13" else {
            return Problem(400, "Sec-WebSocket-Version missing, repeated or not 13 (got '\(fields["sec-websocket-version"] ?? "")')")
        }
        if let protocols = fields["sec-websocket-protocol"] {
            let names = Self.tokens(protocols)
            if Set(names).count != names.count { return Problem(400, "Sec-WebSocket-Protocol names a subprotocol twice") }
        }
        guard (fields.headerCounts["origin"] ?? 0) <= 1 else { return Problem(400, "HTTP Origin header appears more than once") }
        guard fields.headerCounts["sec-websocket-key"] == 1, Self.isValidKey(fields["sec-websocket-key"]) else {
            return Problem(400, "Sec-WebSocket-Key missing, repeated or not 16 octets in base64")
        }
        guard (fields.headerCounts["sec-websocket-extensions"] ?? 0) <= 1 else {
            return Problem(400, "Sec-WebSocket-Extensions appears more than once")
        }
        return nil
    }

    /// The 101 answer (RFC 6455 §4.2.2) in the reference's header order, with `extensions` when one was agreed.
    public func switchingProtocols(server: String, extensions: String?) -> String {
        "HTTP/1.1 101 Switching Protocols\r\nServer: \(server)\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: \(HandshakeRequest.acceptValue(forKey: fields["sec-websocket-key"] ?? ""))\r\n"
            + (extensions.map { "Sec-WebSocket-Extensions: \($0)\r\n" } ?? "") + "\r\n"
    }

    static func tokens(_ value: String) -> [String] {
        value.split(separator: ",").map { $0.trimmingBlanks().lowercased() }
    }

    static func isValidKey(_ key: String?) -> Bool {
        guard let key, key.utf8.count == 24, key.hasSuffix("==") else { return false }
        let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        return key.utf8.dropLast(2).allSatisfy(alphabet.contains)
    }

    /// `a=1&b=2;c=3`: `+` is a blank, `%XX` an octet (UTF-8 decoded leniently); pairs without a value are dropped.
    public static func parseQuery(_ text: String) -> [(name: String, value: String)] {
        var out: [(String, String)] = []
        for pair in text.split(whereSeparator: { $0 == "&" || $0 == ";" }) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { continue }
            let value = decode(parts[1])
            guard !value.isEmpty else { continue }
            out.append((decode(parts[0]), value))
        }
        return out
    }

    private static func decode(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "+") {
                bytes.append(0x20)
            } else if byte == UInt8(ascii: "%"), utf8.count >= 2,
                let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
