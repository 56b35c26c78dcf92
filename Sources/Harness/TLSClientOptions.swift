import Engine
import WebSocketWire

/// How wsspec sets up TLS towards a `wss://` server.
public struct TLSClientOptions: Sendable, Hashable {
    /// The name sent in SNI and checked against the certificate; nil takes the URL's host (no SNI for an address).
    public var serverName: String?
    /// A PEM file (or a folder of them) with the certificate authorities to trust instead of the system's.
    public var caFile: String?
    /// Skip certificate and host name verification.
    public var insecure = false
    /// A client certificate chain (PEM) and its private key (PEM), for servers that ask for one.
    public var certificateFile: String?
    public var keyFile: String?
    /// The protocols offered by ALPN (`h2` for an `h2s://` server); none for `wss://`.
    public var applicationProtocols: [String] = []

    public init() {}

    /// Refuses a name that cannot go into SNI: empty, a trailing dot, or characters outside a host name.
    public static func checkServerName(_ name: String) throws {
        guard !name.isEmpty else { throw HeaderField.Problem("TLS server name (SNI) is empty") }
        for (offset, scalar) in name.unicodeScalars.enumerated() {
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "-", ".", "_": continue
            default:
                throw HeaderField.Problem(
                    "TLS server name (SNI) '\(name)' has \(HeaderField.describe(scalar)) at position \(offset + 1); a host name is letters, digits, '-' and '.'"
                )
            }
        }
    }
}
