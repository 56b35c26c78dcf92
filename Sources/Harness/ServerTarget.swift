import Engine
import WebSocketWire

/// A server under test: where it is and how to greet it.
public struct ServerTarget: Sendable, Equatable {
    public var url: String
    public var secure: Bool
    public var host: String
    public var port: Int
    /// Path and query, as sent in the request line.
    public var resource: String
    /// The agent name in reports; nil takes the server's `Server` header.
    public var agent: String?
    public var origin: String?
    public var protocols: [String]
    /// Further handshake headers (`-H`, spec `headers`).
    public var headers: [HeaderField] = []
    /// How to set up TLS for a `wss://` (or `h2s://`) URL.
    public var tls = TLSClientOptions()
    /// The cases run over HTTP/2 streams (RFC 8441): `h2://` (cleartext, prior knowledge) and `h2s://` (TLS, ALPN h2).
    public var http2 = false

    /// What carries each case's WebSocket.
    public var transport: CaseTransport { http2 ? (secure ? .http2Secure : .http2) : .http1 }

    public struct InvalidURL: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Parses a `ws://`, `wss://`, `h2://` or `h2s://` URL.
    public init(url: String, agent: String? = nil, origin: String? = nil, protocols: [String] = []) throws {
        self.url = url
        self.agent = agent
        self.origin = origin
        self.protocols = protocols
        let lower = url.lowercased()
        var rest: Substring
        if lower.hasPrefix("ws://") {
            secure = false
            rest = url.dropFirst(5)
        } else if lower.hasPrefix("wss://") {
            secure = true
            rest = url.dropFirst(6)
        } else if lower.hasPrefix("h2://") {
            secure = false
            http2 = true
            rest = url.dropFirst(5)
        } else if lower.hasPrefix("h2s://") {
            secure = true
            http2 = true
            rest = url.dropFirst(6)
        } else {
            throw InvalidURL(
                description: "'\(url)' is not a WebSocket URL: it must start with ws:// or wss:// (HTTP/1.1), h2:// or h2s:// (HTTP/2, RFC 8441)")
        }
        guard !url.contains("#") else {
            throw InvalidURL(description: "'\(url)': a WebSocket URL must not have a fragment (#…)")
        }
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var path = String(rest[authorityEnd...])
        if path.isEmpty { path = "/" } else if path.hasPrefix("?") { path = "/" + path }
        resource = path
        var hostPart = Substring(authority)
        var portPart: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw InvalidURL(description: "'\(url)': unterminated IPv6 address")
            }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") {
                portPart = after.dropFirst()
            } else if !after.isEmpty {
                throw InvalidURL(description: "'\(url)': '\(after)' after the IPv6 address is neither ':port' nor a path")
            }
        } else if let colon = authority.lastIndex(of: ":") {
            hostPart = authority[..<colon]
            portPart = authority[authority.index(after: colon)...]
        }
        guard !hostPart.isEmpty else { throw InvalidURL(description: "'\(url)' has no host") }
        host = String(hostPart)
        if let portPart {
            guard let p = Int(portPart), (1...65535).contains(p) else {
                throw InvalidURL(description: "'\(url)': '\(portPart)' is not a port number (1–65535)")
            }
            port = p
        } else {
            port = secure ? 443 : 80
        }
    }

    /// Checks the values that go into the handshake as they are: the origin must be a valid header value and each
    /// subprotocol a token. (Headers are checked when they are made.)
    public func checkHandshakeValues() throws {
        if let origin { try HeaderField.checkValue(origin, what: "origin '\(origin)'") }
        for name in protocols { try HeaderField.checkToken(name, what: "subprotocol") }
        if let serverName = tls.serverName { try TLSClientOptions.checkServerName(serverName) }
    }

    /// Whether `host` is an IP address (no SNI is sent for those).
    public static func isIPAddress(_ host: String) -> Bool {
        if host.contains(":") { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { UInt8($0) != nil }
    }
}
