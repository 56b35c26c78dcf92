import NIOCore

/// Writes that leave one event-loop turn apart: chopped frames and synced pieces, as the reference's reactor
/// sends them (a write while earlier pieces wait joins the queue too, so order is kept). A state machine: each
/// input returns what to write now and whether to come back for the next turn.
struct WriteQueue {
    enum Output: Equatable {
        case write(ByteBuffer, sync: Bool)
        case scheduleTurn
    }

    private var queue: [(bytes: ByteBuffer, sync: Bool)] = []
    private var head = 0
    private var turnPending = false

    /// `bytes` to be sent: in pieces of `chop` octets, each on its own turn; as one synced piece; or at once
    /// when nothing waits.
    mutating func send(_ bytes: ByteBuffer, sync: Bool, chop: Int?) -> [Output] {
        if let chop, chop > 0 {
            var i = 0
            repeat {
                let n = min(chop, bytes.readableBytes - i)
                queue.append((bytes.getSlice(at: bytes.readerIndex + i, length: n)!, true))
                i += chop
            } while i < bytes.readableBytes
            return trigger()
        }
        if sync || head < queue.count {
            queue.append((bytes, sync))
            return trigger()
        }
        return [.write(bytes, sync: false)]
    }

    /// The turn the last output asked for has come.
    mutating func turn() -> [Output] {
        turnPending = false
        return next()
    }

    private mutating func trigger() -> [Output] {
        turnPending ? [] : next()
    }

    private mutating func next() -> [Output] {
        guard head < queue.count else {
            queue.removeAll()
            head = 0
            return []
        }
        let (bytes, sync) = queue[head]
        queue[head].bytes = ByteBuffer()
        head += 1
        turnPending = true
        return [.write(bytes, sync: sync), .scheduleTurn]
    }
}
