import CaseModel
import Recording
import WebSocketWire

/// The state of a `message-loop` step: which slice of the data set goes next, and what the echo must be.
struct MessageLoopRun {
    let step: MessageLoopStep
    let data: TestDataSet
    let directory: String
    /// Where the next message starts, in units of the data set.
    private(set) var position = 0
    private(set) var sent = 0
    private(set) var echoed = 0
    /// The message in flight.
    private(set) var expected: [UInt8] = []

    init(step: MessageLoopStep, data: TestDataSet, directory: String) {
        self.step = step
        self.data = data
        self.directory = directory
    }

    var isComplete: Bool { echoed >= step.count }

    /// Cuts the next message; returns its octets and where it started.
    mutating func nextMessage() -> (bytes: [UInt8], from: Int) {
        let from = position
        let (bytes, next) = data.message(from: position, count: step.size)
        position = next
        return (bytes, from)
    }

    /// `bytes`, the message cut last, is sent: its echo is the one expected next.
    mutating func inFlight(_ bytes: [UInt8]) {
        expected = bytes
        sent += 1
    }

    /// Checks an echo: nil when it is the message in flight, else what differs.
    mutating func check(_ bytes: [UInt8], binary: Bool) -> CheckFinding? {
        if binary == step.text { return .loopTypeDiffers(gotBinary: binary) }
        let length = step.text ? bytes.reduce(0) { $1 & 0xC0 != 0x80 ? $0 + 1 : $0 } : bytes.count
        if length != step.size { return .loopLengthDiffers(got: length) }
        if bytes != expected { return .loopContentDiffers(gotSHA1: SHA1.hash(bytes), sentSHA1: SHA1.hash(expected)) }
        echoed += 1
        return nil
    }
}
