import Engine
import CaseModel

/// What a case is expected to cost in wall time, from its definition alone: used to balance shards and to start
/// long cases first when several run at once. Only pauses are certain waits; close-after and kill-after timers are
/// upper bounds that a well-behaved server ends early (the reference's 2.x cases take milliseconds, not a second).
public enum CaseCost {
    /// Connect, handshake and closing handshake on loopback.
    static let perCase = 0.002
    /// Octets sent and echoed back, at about 150 MB/s each way (the reference's 9.1.6, 16 MiB, takes 230 ms).
    static let perOctet = 2.0 / 150e6
    /// A queued (chopped or synced) write: one reactor turn, about 25 µs (the reference's 9.5.1).
    static let perQueuedWrite = 25e-6

    /// Estimated seconds for `definition`, with the cases' own timers scaled by `timerScale`.
    public static func estimate(_ definition: CaseDefinition, timerScale: Double = 1) -> Double {
        var seconds = perCase
        var octets = 0
        var queuedWrites = 0
        for step in definition.steps {
            switch step {
            case .send(let frame):
                let length = frame.repeatLength ?? frame.payload.count
                octets += length
                if let chop = frame.chop, chop > 0 { queuedWrites += (length + 14) / chop + 1 }
                if frame.sync { queuedWrites += 1 }
            case .message(let message):
                let length = message.payload.count
                octets += length
                if let size = message.fragmentSize, size > 0, message.sync { queuedWrites += length / size + 1 }
            case .raw(let payload, let chop, let sync):
                octets += payload.count
                if let chop, chop > 0 { queuedWrites += payload.count / chop + 1 }
                if sync { queuedWrites += 1 }
            case .frameData(let payload):
                octets += payload.count
            case .messageLoop(let loop):
                // Compressing and inflating each message costs about as much as sending it again.
                octets += loop.size * loop.count * (loop.compressed ? 2 : 1)
            case .pause(let pause, _):
                seconds += pause * timerScale
            case .close, .closeFrame, .closeAfter, .killAfter, .wirelog, .frameBegin:
                break
            }
        }
        // Round trips send the message again after each echo.
        if let echo = definition.echo { octets *= echo.rounds }
        return seconds + Double(octets) * perOctet + Double(queuedWrites) * perQueuedWrite
    }
}
