/// What a case needs at run time, derived once from its steps, its expected close and its category's header:
/// whether it must have the server to itself, what it is expected to cost in wall time, how long it may take at
/// most, and whether its report shows its duration. The scheduler, the shards and the engine's watchdog read
/// this value; none of them walks the steps again, and none of them knows a category by its ID.
public struct CaseRuntime: Sendable, Equatable {
    /// The category says its cases need the server to themselves (`runs-alone: true`).
    public var runsAlone: Bool
    /// The report shows the case's duration (`reports-time: true`; the reference's `reportTime`).
    public var reportsTime: Bool
    /// A step writes in chops or as synced pieces (queued writes, timed by wsspec).
    public var writesInPieces: Bool
    /// The case writes in pieces and expects the server to fail the connection (`--serial @chopped`): its verdict
    /// depends on how the server's reads split the octets.
    public var isChopped: Bool

    /// Octets sent and echoed back, round trips included.
    var octets = 0
    /// Chopped and synced writes, each one reactor turn.
    var queuedWrites = 0
    /// The nominal seconds of the pauses, in step order: the only certain waits.
    var pauses: [Double] = []
    /// The nominal seconds of everything the case may wait for (pauses, close-after and kill-after timers, the
    /// message loop's timeout), in step order.
    var waits: [Double] = []

    /// Connect, handshake and closing handshake on loopback.
    static let perCase = 0.002
    /// Octets sent and echoed back, at about 150 MB/s each way (the reference's 9.1.6, 16 MiB, takes 230 ms).
    static let perOctet = 2.0 / 150e6
    /// A queued (chopped or synced) write: one reactor turn, about 25 µs (the reference's 9.5.1).
    static let perQueuedWrite = 25e-6

    /// One walk over `steps`.
    public init(steps: [Step], echo: EchoCheck?, close: CloseExpectation, category: CaseGroup) {
        runsAlone = category.runsAlone
        reportsTime = category.reportsTime
        var pieces = false
        for step in steps {
            switch step {
            case .send(let frame):
                let length = frame.repeatLength ?? frame.payload.count
                octets += length
                if let chop = frame.chop, chop > 0 { queuedWrites += (length + 14) / chop + 1 }
                if frame.sync { queuedWrites += 1 }
                pieces = pieces || frame.chop != nil || frame.sync
            case .message(let message):
                let length = message.payload.count
                octets += length
                if let size = message.fragmentSize, size > 0, message.sync { queuedWrites += length / size + 1 }
                pieces = pieces || message.sync
            case .raw(let payload, let chop, let sync):
                octets += payload.count
                if let chop, chop > 0 { queuedWrites += payload.count / chop + 1 }
                if sync { queuedWrites += 1 }
                pieces = pieces || chop != nil || sync
            case .frameData(let payload):
                octets += payload.count
            case .messageLoop(let loop):
                // Compressing and inflating each message costs about as much as sending it again.
                octets += loop.size * loop.count * (loop.compressed ? 2 : 1)
                waits.append(loop.timeout)
            case .pause(let seconds, _):
                pauses.append(seconds)
                waits.append(seconds)
            case .closeAfter(let seconds), .killAfter(let seconds):
                waits.append(seconds)
            case .close, .closeFrame, .wirelog, .frameBegin:
                break
            }
        }
        // Round trips send the message again after each echo.
        if let echo { octets *= echo.rounds }
        writesInPieces = pieces
        isChopped = pieces && !close.closedByClient
    }

    /// Expected seconds, with the case's own timers scaled by `timerScale`: used to balance shards and to start
    /// long cases first when several run at once. Only pauses count: close-after and kill-after timers are upper
    /// bounds that a well-behaved server ends early (the reference's 2.x cases take milliseconds, not a second).
    public func expectedSeconds(timerScale: Double = 1) -> Double {
        var seconds = Self.perCase
        for pause in pauses { seconds += pause * timerScale }
        return seconds + Double(octets) * Self.perOctet + Double(queuedWrites) * Self.perQueuedWrite
    }

    /// The watchdog's deadline in seconds after connecting: the protocol's timeouts, the margin, and everything
    /// the case itself may wait for, scaled by `timerScale`. No case can run longer than this.
    public func deadline(
        openHandshake: Double, closeHandshake: Double, serverDrop: Double, margin: Double, timerScale: Double
    ) -> Double {
        var total = openHandshake + closeHandshake + serverDrop + margin
        for wait in waits { total += wait * timerScale }
        return total
    }
}
