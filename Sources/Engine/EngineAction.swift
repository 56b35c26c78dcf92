import NIOCore

/// The timers a case arms; the edge runs them and reports when one fires.
public enum TimerID: Hashable, Sendable, CustomStringConvertible {
    case openHandshake, closeHandshake, serverDrop, watchdog
    case kill(Int), closeAfter(Int), pause(Int)

    /// The timer's name in the wire trace.
    public var description: String {
        switch self {
        case .openHandshake: return "open-handshake"
        case .closeHandshake: return "close-handshake"
        case .serverDrop: return "server-drop"
        case .watchdog: return "watchdog"
        case .kill(let n): return "kill-after#\(n)"
        case .closeAfter(let n): return "close-after#\(n)"
        case .pause(let n): return "pause#\(n)"
        }
    }
}

/// What the case driver asks the edge (the NIO handler) to do.
public enum EngineAction: Equatable, Sendable {
    case write(ByteBuffer)
    /// Call `writeTurn()` again shortly (the reference re-enters its reactor between queued writes).
    case scheduleWriteTurn
    /// Call `prepare()` once the writes asked for so far have been flushed, on a later event-loop turn: work that
    /// is done ahead of time (compressing a message loop's next message) and must not hold back those writes.
    /// An edge that never calls it loses only the head start.
    case prepareWhenFlushed
    case schedule(TimerID, seconds: Double)
    case cancel(TimerID)
    /// Close the TCP connection; `flushFirst` lets written octets go out first.
    case close(flushFirst: Bool)
    /// The handshake is done and the case is held before its first step (`--pause-before`): wait (for the user),
    /// then call `resume(at:)`.
    case hold
}
