/// The client's opening handshake request (RFC 6455 §4.1), with the reference's header order.
public struct HandshakeRequest: Sendable, Equatable {
    public var resource: String
    public var host: String
    public var port: Int
    public var key: String
    public var userAgent: String?
    public var origin: String?
    public var protocols: [String]
    public var extensions: [String]
    /// Further headers, written after the standard ones (before Sec-WebSocket-Version).
    public var extraHeaders: [(name: String, value: String)]

    public init(
        resource: String, host: String, port: Int, key: String, userAgent: String? = nil, origin: String? = nil,
        protocols: [String] = [], extensions: [String] = [], extraHeaders: [(name: String, value: String)] = []
    ) {
        self.resource = resource
        self.host = host
        self.port = port
        self.key = key
        self.userAgent = userAgent
        self.origin = origin
        self.protocols = protocols
        self.extensions = extensions
        self.extraHeaders = extraHeaders
    }

    public static func == (lhs: HandshakeRequest, rhs: HandshakeRequest) -> Bool {
        lhs.encoded() == rhs.encoded()
    }

    /// A fresh Sec-WebSocket-Key: 16 random bytes in base64.
    public static func randomKey(using generator: inout some RandomNumberGenerator) -> String {
        Base64.encode((0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// The request's header block, ending with the empty line.
    public func encoded() -> String {
        let hostValue = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]:\(port)" : "\(host):\(port)"
        // An extra `Host` header replaces the one taken from the URL (virtual hosts behind an address).
        let hostOverride = extraHeaders.first { $0.name.lowercased() == "host" }
        var lines = ["GET \(resource) HTTP/1.1"]
        if let userAgent { lines.append("User-Agent: \(userAgent)") }
        lines.append("Host: \(hostOverride?.value ?? hostValue)")
        lines.append("Upgrade: WebSocket")
        lines.append("Connection: Upgrade")
        lines.append("Pragma: no-cache")
        lines.append("Cache-Control: no-cache")
        lines.append("Sec-WebSocket-Key: \(key)")
        if let origin { lines.append("Origin: \(origin)") }
        if !protocols.isEmpty { lines.append("Sec-WebSocket-Protocol: \(protocols.joined(separator: ","))") }
        if !extensions.isEmpty { lines.append("Sec-WebSocket-Extensions: \(extensions.joined(separator: ", "))") }
        for header in extraHeaders where header.name.lowercased() != "host" { lines.append("\(header.name): \(header.value)") }
        lines.append("Sec-WebSocket-Version: 13")
        return lines.joined(separator: "\r\n") + "\r\n\r\n"
    }

    /// The Sec-WebSocket-Accept value a server must answer `key` with.
    public static func acceptValue(forKey key: String) -> String {
        Base64.encode(SHA1.hash(Array((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8)))
    }
}

/// A server's answer to the opening handshake, parsed.
public struct HandshakeResponse: Sendable, Equatable {
    public var statusLine: String
    /// Header values by lower-cased name; repeated headers are joined with ", ".
    public var headers: [String: String]
    /// How often each lower-cased header name appeared.
    public var headerCounts: [String: Int]

    public subscript(name: String) -> String? { headers[name.lowercased()] }

    /// The offset just past the empty line that ends the header block in `bytes`, if it is there.
    public static func endOfHeaderBlock(in bytes: some Collection<UInt8>) -> Int? {
        HeaderBlock.end(in: bytes)
    }

    /// Like `endOfHeaderBlock(in:)`, but looks only at an empty line that ends after `start`, the octets searched
    /// already (`HeaderBlock.end(in:from:)`).
    public static func endOfHeaderBlock(in bytes: [UInt8], from start: Int) -> Int? {
        HeaderBlock.end(in: bytes, from: start)
    }

    /// Parses a header block (status line, header lines, empty line).
    public init(headerBlock: [UInt8]) {
        // Latin-1, so any octet maps to one character and nothing is lost.
        let text = String(headerBlock.map { Character(Unicode.Scalar($0)) })
        let lines = text.components(separatedByCRLF: ())
        statusLine = lines.first ?? ""
        headers = [:]
        headerCounts = [:]
        for line in lines.dropFirst() where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingBlanks().lowercased()
            let value = String(line[line.index(after: colon)...]).trimmingBlanks()
            if let existing = headers[name] {
                headers[name] = existing + ", " + value
            } else {
                headers[name] = value
            }
            headerCounts[name, default: 0] += 1
        }
    }
}

/// Why the client refused a server's handshake answer. `reason` is the reference's wording.
public struct HandshakeFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// The permessage-deflate parameters a server answered with.
public struct ExtensionResponse: Sendable, Equatable {
    public var name: String
    public var parameters: [(name: String, value: String?)]

    public static func == (lhs: ExtensionResponse, rhs: ExtensionResponse) -> Bool {
        lhs.name == rhs.name && lhs.parameters.map(\.name) == rhs.parameters.map(\.name)
            && lhs.parameters.map(\.value) == rhs.parameters.map(\.value)
    }

    /// Splits a Sec-WebSocket-Extensions value into extensions and their parameters (names lower-cased,
    /// surrounding double quotes removed from values).
    public static func parseHeader(_ value: String) -> [ExtensionResponse] {
        value.split(separator: ",").compactMap { element in
            let parts = element.split(separator: ";", omittingEmptySubsequences: false).map { $0.trimmingBlanks() }
            guard let name = parts.first, !name.isEmpty else { return nil }
            let params: [(name: String, value: String?)] = parts.dropFirst().filter { !$0.isEmpty }.map { param in
                if let eq = param.firstIndex(of: "=") {
                    var v = String(param[param.index(after: eq)...]).trimmingBlanks()
                    if v.count >= 2 && v.hasPrefix("\"") && v.hasSuffix("\"") { v = String(v.dropFirst().dropLast()) }
                    return (String(param[..<eq]).trimmingBlanks().lowercased(), v)
                }
                return (param.lowercased(), nil)
            }
            return ExtensionResponse(name: name.lowercased(), parameters: params)
        }
    }
}

extension HandshakeResponse {
    /// Checks the answer as the reference client does (catalogue §1.2). `acceptExtension` decides about each
    /// extension the server chose; by default every extension is refused, as outside the compression cases.
    public func validate(
        key: String, offeredProtocols: [String],
        acceptExtension: (ExtensionResponse) -> HandshakeFailure? = { ext in
            HandshakeFailure(
                "server wants to use extension '\(ext.name)' we did not request, haven't implemented or did not enable")
        }
    ) -> HandshakeFailure? {
        let status = statusLine.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard status.count >= 2 else { return HandshakeFailure("Bad HTTP response status line '\(statusLine)'") }
        guard status[0] == "HTTP/1.1" else { return HandshakeFailure("Unsupported HTTP version ('\(status[0])')") }
        guard let code = Int(status[1]) else { return HandshakeFailure("Bad HTTP status code ('\(status[1])')") }
        guard code == 101 else {
            let phrase = status.count > 2 ? " - " + status[2...].joined() : ""
            return HandshakeFailure("WebSocket connection upgrade failed (\(code)\(phrase))")
        }
        guard let upgrade = self["upgrade"] else { return HandshakeFailure("HTTP Upgrade header missing") }
        guard upgrade.trimmingBlanks().lowercased() == "websocket" else {
            return HandshakeFailure("HTTP Upgrade header different from 'websocket' (case-insensitive) : \(upgrade)")
        }
        guard let connection = self["connection"] else { return HandshakeFailure("HTTP Connection header missing") }
        guard connection.split(separator: ",").contains(where: { $0.trimmingBlanks().lowercased() == "upgrade" }) else {
            return HandshakeFailure(
                "HTTP Connection header does not include 'upgrade' value (case-insensitive) : \(connection)")
        }
        guard let accept = self["sec-websocket-accept"] else {
            return HandshakeFailure("HTTP Sec-WebSocket-Accept header missing in opening handshake reply")
        }
        guard headerCounts["sec-websocket-accept", default: 0] == 1 else {
            return HandshakeFailure("HTTP Sec-WebSocket-Accept header appears more than once in opening handshake reply")
        }
        let expected = HandshakeRequest.acceptValue(forKey: key)
        guard accept.trimmingBlanks() == expected else {
            return HandshakeFailure(
                "HTTP Sec-WebSocket-Accept bogus value : expected \(expected) / got \(accept.trimmingBlanks())")
        }
        if let extensions = self["sec-websocket-extensions"] {
            guard headerCounts["sec-websocket-extensions", default: 0] == 1 else {
                return HandshakeFailure(
                    "HTTP Sec-WebSocket-Extensions header appears more than once in opening handshake reply")
            }
            for ext in ExtensionResponse.parseHeader(extensions) {
                if let failure = acceptExtension(ext) { return failure }
            }
        }
        if let proto = self["sec-websocket-protocol"] {
            guard headerCounts["sec-websocket-protocol", default: 0] == 1 else {
                return HandshakeFailure(
                    "HTTP Sec-WebSocket-Protocol header appears more than once in opening handshake reply")
            }
            let selected = proto.trimmingBlanks()
            if !selected.isEmpty && !offeredProtocols.contains(selected) {
                return HandshakeFailure(
                    "subprotocol selected by server (\(selected)) not in subprotocol list requested by client (\(offeredProtocols))"
                )
            }
        }
        return nil
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

extension String {
    func components(separatedByCRLF: ()) -> [String] {
        var result: [String] = []
        var current = ""
        var iterator = self.unicodeScalars.makeIterator()
        var pendingCR = false
        while let scalar = iterator.next() {
            if pendingCR {
                pendingCR = false
                if scalar == "\n" {
                    result.append(current)
                    current = ""
                    continue
                }
                current.unicodeScalars.append("\r")
            }
            if scalar == "\r" {
                pendingCR = true
            } else {
                current.unicodeScalars.append(scalar)
            }
        }
        if pendingCR { current.unicodeScalars.append("\r") }
        result.append(current)
        return result
    }
}
