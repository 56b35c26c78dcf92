/// A problem of wsspec itself — the peer could not be reached, TLS could not be set up, a test-data file is
/// missing, the run was interrupted — that kept a case from being judged. Never the peer's failure.
public struct HarnessError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// No connection: refused, unreachable, timed out.
        case unreachable
        /// The TLS handshake or the certificate failed.
        case tls
        /// wsspec was interrupted (SIGINT, SIGTERM) before the case finished.
        case interrupted
        /// Something the case needs is missing (a test-data file).
        case configuration
        /// wsspec's own connection code failed.
        case internalFailure
    }

    public var kind: Kind
    /// What went wrong, in one sentence.
    public var reason: String

    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    public static let interrupted = HarnessError(.interrupted, "wsspec was interrupted before the case finished")

    public var description: String { reason }
}
