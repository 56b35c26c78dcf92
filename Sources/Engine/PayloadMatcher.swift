import CaseModel
import Foundation
import WebSocketWire

/// Compares a message as it arrives, chunk by chunk, with the payload wsspec sent, without keeping
/// either whole: the echo check of the 16 MiB cases costs a 64 KiB block, not 32 MiB.
struct PayloadMatcher {
    /// The first octet where the message differs from what was sent.
    struct Mismatch: Equatable {
        var offset: Int
        var sent: UInt8
        var received: UInt8
    }

    let expectedLength: Int
    /// The octets received so far.
    private(set) var count = 0
    private(set) var mismatch: Mismatch?
    /// The expected octets, or, for a repeated pattern, a whole number of repeats of it.
    private let block: [UInt8]
    private let cycles: Bool

    static let blockSize = 64 * 1024

    init(expecting payload: Payload) {
        expectedLength = payload.count
        if case .repeated(let pattern, let length) = payload, length > Self.blockSize {
            let unit = pattern.bytes()
            let repeats = max(1, Self.blockSize / unit.count)
            block = FrameEncoder.repeated(unit, toLength: repeats * unit.count)
            cycles = true
        } else {
            block = payload.bytes()
            cycles = false
        }
    }

    mutating func consume(_ chunk: UnsafeRawBufferPointer) {
        var index = 0
        while mismatch == nil, index < chunk.count, count < expectedLength {
            let at = cycles ? count % block.count : count
            let n = min(chunk.count - index, block.count - at, expectedLength - count)
            block.withUnsafeBytes { expected in
                guard memcmp(chunk.baseAddress! + index, expected.baseAddress! + at, n) != 0 else { return }
                for k in 0..<n where chunk[index + k] != expected[at + k] {
                    mismatch = Mismatch(offset: count + k, sent: expected[at + k], received: chunk[index + k])
                    break
                }
            }
            index += n
            count += n
        }
        count += chunk.count - index
    }
}
