import Foundation

/// Everything that happened in one case, as plain values: what the engine hands over once, when the connection
/// is gone. The judge reads it; the reports write it. Payloads are previews (their first 64 octets and length).
public struct CaseRecording: Sendable {
    /// The events the case observed, in arrival order, with their whole payloads (the judge compares them).
    public var received: [ObservedEvent] = []
    /// What the case's own check (echo check, message loop) found, when it has one.
    public var finding: CheckFinding?
    /// A problem of wsspec found while the case ran (a missing test-data file): the case cannot be judged.
    public var harnessError: HarnessError?
    /// How the connection ended.
    public var closing = ClosingBehavior()
    /// The opening handshake completed and the case ran.
    public var connectionWasOpen = false
    /// The opening handshake as sent and as answered; nil when no answer was received.
    public var handshakeRequest = ""
    public var handshakeResponse: String?
    /// "2" when the case ran over an HTTP/2 stream (RFC 8441): the handshake texts are then header lists
    /// (`name: value` lines, pseudo-header fields first). nil: HTTP/1.1.
    public var httpVersion: String?
    /// Over HTTP/2: which side ended the case's stream first, and how ("END_STREAM from the server", "RST_STREAM
    /// from wsspec (CANCEL)", …): the facts behind `droppedByMe`.
    public var streamEnd: String?
    /// Over HTTP/2: the error code (RFC 9113 §7's name, `PROTOCOL_ERROR`) of the server's RST_STREAM on the case's
    /// stream, if it sent one.
    public var streamReset: String?
    /// Over HTTP/2: the error code of the server's GOAWAY, if it sent one while the case ran.
    public var goAway: String?
    /// Over HTTP/2: the value of SETTINGS_ENABLE_CONNECT_PROTOCOL in the server's first SETTINGS (nil: absent).
    public var connectProtocolSetting: Int?
    /// The peer's `Server` (or `User-Agent`) header.
    public var peerSoftware: String?
    /// Wall-clock time of the TCP connect (the report's `started`).
    public var started = Date()
    /// From the handshake's completion (or the connect, when it never completed) to the connection's end.
    public var durationMilliseconds = 0
    /// The wire-log flag at the end of the case.
    public var wirelogEnabled = true
    public var wirelog: [WireLogEntry] = []
    public var statistics = WireStatistics()
    /// The traffic counters of a message loop that completed (12.x, 13.x).
    public var traffic: TrafficStats?
    /// The TLS session of a `wss://` case.
    public var tls: TLSSessionInfo?
    /// The wire trace, when the run keeps one (`--trace-file`).
    public var trace: [TimedTraceEvent] = []
    /// Frames the case sent, by opcode (10.1.1 judges its own count).
    public var txFrames: [Int: Int] { statistics.txFrames }

    public init() {}
}
