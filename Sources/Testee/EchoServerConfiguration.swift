/// Settings of the built-in echo server.
public struct EchoServerConfiguration: Sendable, Equatable {
    /// The address to listen on.
    public var host: String
    /// The TCP port to listen on; 0 picks any free port (`EchoServer.port` tells which).
    public var port: Int
    /// The largest message, in octets, the server takes; a longer one is answered with Close 1009.
    public var maxMessageSize: Int
    /// The value of the `Server` header in handshake answers.
    public var serverName: String
    /// The largest opening-handshake request header block, in octets; a longer one is answered with 400.
    public var maxHandshakeSize: Int
    /// How long a client may take to send its opening handshake before the connection is dropped.
    public var handshakeTimeout: Duration
    /// A PEM certificate chain and private key: when both are set, the server speaks TLS (`wss://`).
    public var tlsCertificateFile: String?
    public var tlsKeyFile: String?
    /// zlib's level for the echoes' permessage-deflate (1 fastest … 9 smallest). The default, 1, compresses at two
    /// to three times the speed of zlib's default (6) for slightly larger payloads: the echo server stands in for
    /// a fast server, so that a run against it measures wsspec rather than the server's compression.
    public var compressionLevel: Int32 = 1
    /// Serve WebSocket over HTTP/2 as well (RFC 8441, extended CONNECT): in cleartext the port speaks HTTP/2 only
    /// (prior knowledge, `h2://`); over TLS, ALPN picks HTTP/2 (`h2s://`) or HTTP/1.1 (`wss://`) on the same port.
    public var http2 = false
    /// For tests of the HTTP/2 handshake cases only (no command-line option): a server built to fail them, which
    /// answers every request on a stream with 200 and an echo, malformed or not (NIO's header validation off).
    public var laxHTTP2 = false
    /// Whether the HTTP/2 SETTINGS carry SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 (off only in tests, RFC 8441 §3).
    public var announceConnectProtocol = true

    public init(
        host: String = "127.0.0.1", port: Int = 9001, maxMessageSize: Int = 64 << 20,
        serverName: String = "wsspec-echo", maxHandshakeSize: Int = 16 << 10, handshakeTimeout: Duration = .seconds(10)
    ) {
        self.host = host
        self.port = port
        self.maxMessageSize = maxMessageSize
        self.serverName = serverName
        self.maxHandshakeSize = maxHandshakeSize
        self.handshakeTimeout = handshakeTimeout
    }
}
