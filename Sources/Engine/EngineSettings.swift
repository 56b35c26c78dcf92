import CaseModel
import WebSocketWire

/// Protocol timers of a run; the defaults are the reference's.
public struct ProtocolTimeouts: Sendable, Equatable {
    public var openHandshake: Double = 5
    public var closeHandshake: Double = 1
    public var serverDrop: Double = 1
    /// Extra time the per-case watchdog allows beyond everything the case itself waits for.
    public var watchdogMargin: Double = 10
    /// Multiplies the cases' own timers (pauses, close-after, kill-after), for slow machines.
    public var timerScale: Double = 1

    public init() {}
}

/// How the client presents itself in the opening handshake.
public struct HandshakeOptions: Sendable, Equatable {
    public var resource = "/"
    public var host = "127.0.0.1"
    public var port = 9001
    public var userAgent: String? = "wsspec/\(WSSpecVersion.current)"
    public var origin: String?
    public var protocols: [String] = []
    /// Further headers (`-H`), after the standard ones.
    public var headers: [HeaderField] = []

    public init() {}
}

/// What carries a client case's WebSocket: an HTTP/1.1 Upgrade on its own TCP (or TLS) connection, or an extended
/// CONNECT on an HTTP/2 stream (RFC 8441), in cleartext (`h2://`, prior knowledge) or over TLS (`h2s://`, ALPN h2).
public enum CaseTransport: Sendable, Equatable {
    case http1, http2, http2Secure

    public var isHTTP2: Bool { self != .http1 }
}

public enum WSSpecVersion {
    public static let current = "0.1.0"
}

extension CaseRuntime {
    /// The watchdog's deadline under `timeouts`: what `CaseDriver.watchdogDeadline` schedules.
    public func deadline(_ timeouts: ProtocolTimeouts) -> Double {
        deadline(
            openHandshake: timeouts.openHandshake, closeHandshake: timeouts.closeHandshake,
            serverDrop: timeouts.serverDrop, margin: timeouts.watchdogMargin, timerScale: timeouts.timerScale)
    }
}
