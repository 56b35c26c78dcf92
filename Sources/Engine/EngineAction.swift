import NIOCore

/// The timers a case arms; the edge runs them and reports when one fires.
public enum TimerID: Hashable, Sendable {
    case openHandshake, closeHandshake, serverDrop, watchdog
    case kill(Int), closeAfter(Int), pause(Int)
}

/// What the case driver asks the edge (the NIO handler) to do.
public enum EngineAction: Equatable, Sendable {
    case write(ByteBuffer)
    /// Call `writeTurn()` again shortly (the reference re-enters its reactor between queued writes).
    case scheduleWriteTurn
    case schedule(TimerID, seconds: Double)
    case cancel(TimerID)
    /// Close the TCP connection; `flushFirst` lets written octets go out first.
    case close(flushFirst: Bool)
}
