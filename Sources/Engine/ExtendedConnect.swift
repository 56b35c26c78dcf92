import Foundation
import WebSocketWire

/// One field of an HTTP/2 header list, pseudo-header fields (`:method`, `:status`…) included. Names are lowercase
/// (RFC 9113 §8.2.1); HPACK coding is the edge's business, not the engine's.
public struct HTTP2HeaderField: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// The WebSocket opening handshake over an HTTP/2 stream (RFC 8441): an extended CONNECT instead of the HTTP/1.1
/// Upgrade. Plain functions on header lists; the edge sends and receives them as HEADERS frames.
public enum ExtendedConnect {
    /// Header names that are connection-specific in HTTP/2 (RFC 9113 §8.2.2: a message carrying them is
    /// malformed) or replaced by a pseudo-header (`host` by `:authority`, RFC 9113 §8.3.1).
    public static let forbiddenNames: Set<String> = [
        "connection", "upgrade", "keep-alive", "proxy-connection", "transfer-encoding", "host",
    ]

    /// The request of RFC 8441 §4–5: `:method CONNECT`, `:protocol websocket`, `:scheme`, `:path` and `:authority`
    /// (the pseudo-header fields first, RFC 9113 §8.3), then the headers the HTTP/1.1 request carries except the
    /// connection-specific ones: no `Sec-WebSocket-Key` (§5: `:protocol` replaces the key and its accept value), no
    /// `Upgrade`/`Connection`. `sec-websocket-version: 13` is required (§5). An extra `Host` header (`-H`) becomes
    /// the `:authority`.
    public static func request(
        options: HandshakeOptions, secure: Bool, extensions: [String]
    ) -> [HTTP2HeaderField] {
        let host = options.host.contains(":") && !options.host.hasPrefix("[") ? "[\(options.host)]" : options.host
        let hostOverride = options.headers.first { $0.name.lowercased() == "host" }?.value
        var fields = [
            HTTP2HeaderField(":method", "CONNECT"),
            HTTP2HeaderField(":protocol", "websocket"),
            HTTP2HeaderField(":scheme", secure ? "https" : "http"),
            HTTP2HeaderField(":path", options.resource),
            HTTP2HeaderField(":authority", hostOverride ?? "\(host):\(options.port)"),
        ]
        if let userAgent = options.userAgent { fields.append(HTTP2HeaderField("user-agent", userAgent)) }
        if let origin = options.origin { fields.append(HTTP2HeaderField("origin", origin)) }
        if !options.protocols.isEmpty {
            fields.append(HTTP2HeaderField("sec-websocket-protocol", options.protocols.joined(separator: ",")))
        }
        if !extensions.isEmpty {
            fields.append(HTTP2HeaderField("sec-websocket-extensions", extensions.joined(separator: ", ")))
        }
        for header in options.headers where !forbiddenNames.contains(header.name.lowercased()) {
            fields.append(HTTP2HeaderField(header.name.lowercased(), header.value))
        }
        fields.append(HTTP2HeaderField("sec-websocket-version", "13"))
        return fields
    }

    /// A header list as the report's text (`httpRequest`, `httpResponse`): one `name: value` line each, in order,
    /// pseudo-header fields included, ending with an empty line like an HTTP/1.1 header block.
    public static func text(_ fields: [HTTP2HeaderField]) -> String {
        fields.map { "\($0.name): \($0.value)\r\n" }.joined() + "\r\n"
    }

    /// Checks the server's answer to the extended CONNECT. RFC 8441 §5: a 2xx `:status` opens the WebSocket (wsspec
    /// takes 200, the status RFC 8441's examples and implementations use); no `Sec-WebSocket-Accept` is checked (§5:
    /// the key and accept are superseded by `:protocol`). The subprotocol and extension checks are RFC 6455 §4.1's,
    /// with the messages of the HTTP/1.1 client.
    static func validate(
        _ response: [HTTP2HeaderField], offeredProtocols: [String],
        acceptExtension: (ExtensionResponse) -> HandshakeFailure?
    ) -> HandshakeFailure? {
        let statuses = response.filter { $0.name == ":status" }
        guard statuses.count == 1, let status = Int(statuses[0].value) else {
            return HandshakeFailure(
                "HTTP/2 response without a single valid :status (\(statuses.map(\.value).joined(separator: ", ")))")
        }
        guard status == 200 else {
            return HandshakeFailure("WebSocket extended CONNECT failed (:status \(status))")
        }
        let extensions = response.filter { $0.name == "sec-websocket-extensions" }
        if let first = extensions.first {
            guard extensions.count == 1 else {
                return HandshakeFailure("HTTP Sec-WebSocket-Extensions header appears more than once in opening handshake reply")
            }
            for element in ExtensionResponse.parseHeader(first.value) {
                if let failure = acceptExtension(element) { return failure }
            }
        }
        let protocols = response.filter { $0.name == "sec-websocket-protocol" }
        if let first = protocols.first {
            guard protocols.count == 1 else {
                return HandshakeFailure("HTTP Sec-WebSocket-Protocol header appears more than once in opening handshake reply")
            }
            let selected = first.value.trimmingCharacters(in: [" ", "\t"])
            if !selected.isEmpty && !offeredProtocols.contains(selected) {
                return HandshakeFailure(
                    "subprotocol selected by server (\(selected)) not in subprotocol list requested by client (\(offeredProtocols))")
            }
        }
        return nil
    }
}
