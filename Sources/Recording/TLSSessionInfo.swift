/// The TLS session a `wss://` case ran over: the negotiated protocol version and cipher suite (IANA names).
/// Reported as the wsspec extension `wsspecTLS`.
public struct TLSSessionInfo: Sendable, Equatable {
    /// e.g. `TLSv1.3`.
    public var version: String
    /// e.g. `TLS_AES_128_GCM_SHA256`.
    public var cipher: String

    public init(version: String, cipher: String) {
        self.version = version
        self.cipher = cipher
    }
}
