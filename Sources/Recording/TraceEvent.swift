/// One thing that happened on a case's connection, for the live wire trace (`--trace`, `--trace-file`): the
/// wire log's frames and octets (whether or not the case's wire log is on), the timers, and the TCP connection.
public enum TraceEvent: Sendable, Equatable {
    /// A frame or a write/read of octets, or the wire log switched.
    case wire(WireLogEntry)
    /// TCP is up, to this address.
    case tcpConnected(String)
    /// A timer was armed: its name and seconds.
    case timerArmed(String, seconds: Double)
    case timerFired(String)
    /// wsspec closes the TCP connection itself.
    case tcpClosing
    /// The TCP connection is gone.
    case tcpClosed
    /// The connection reported an error (a reset, a broken pipe).
    case tcpError(String)
    /// The case is held after the handshake (`--pause-before`), and goes on.
    case held
    case resumed
    /// The case's trace reached its limit of events; nothing more of it is traced.
    case truncated(Int)
}

/// A trace event with its time, in nanoseconds since the case's connection was started.
public struct TimedTraceEvent: Sendable, Equatable {
    public var nanoseconds: UInt64
    public var event: TraceEvent

    public init(nanoseconds: UInt64, event: TraceEvent) {
        self.nanoseconds = nanoseconds
        self.event = event
    }
}
