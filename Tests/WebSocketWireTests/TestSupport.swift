import NIOCore
import WebSocketWire

/// Octets written as hex, blanks allowed: `bytes("81 05 48")`.
func bytes(_ hex: String) -> [UInt8] {
    let digits = hex.filter { !$0.isWhitespace }
    precondition(digits.count % 2 == 0, "odd hex string \(hex)")
    var out: [UInt8] = []
    var index = digits.startIndex
    while index < digits.endIndex {
        let next = digits.index(index, offsetBy: 2)
        out.append(UInt8(digits[index..<next], radix: 16)!)
        index = next
    }
    return out
}

/// A frame as the parser handed it out: header, broken rules and the whole (unmasked) payload.
struct ParsedFrame: Equatable, CustomStringConvertible {
    var header: FrameHeader
    var violations: [FrameViolation]
    var payload: [UInt8]

    var description: String {
        "\(header.opcode) fin=\(header.fin) rsv=\(header.rsv) len=\(header.payloadLength) violations=\(violations)"
    }
}

/// Feeds `chunks` to `parser` one after the other and collects every complete frame.
func parseFrames(_ chunks: [[UInt8]], with parser: inout FrameParser) -> [ParsedFrame] {
    var frames: [ParsedFrame] = []
    var current: ParsedFrame?
    for chunk in chunks {
        parser.append(chunk)
        while let event = parser.next() {
            switch event {
            case .frameBegin(let header, let violations):
                precondition(current == nil, "a frame began before the previous one ended")
                current = ParsedFrame(header: header, violations: violations, payload: [])
            case .payload(let buffer):
                current!.payload.append(contentsOf: buffer.readableBytesView)
            case .frameEnd(let header):
                precondition(header == current?.header, "frameEnd with a different header")
                frames.append(current!)
                current = nil
            }
        }
    }
    return frames
}

/// Parses one buffer with a fresh parser.
func parseFrames(
    _ data: [UInt8], role: FrameParser.Role = .client, compressionNegotiated: Bool = false
) -> [ParsedFrame] {
    var parser = FrameParser(role: role, compressionNegotiated: compressionNegotiated)
    return parseFrames([data], with: &parser)
}

/// `data` cut into pieces of random sizes between 1 and `maxPiece`.
func randomSplit(_ data: [UInt8], maxPiece: Int, using generator: inout SeededRandom) -> [[UInt8]] {
    var pieces: [[UInt8]] = []
    var start = 0
    while start < data.count {
        let size = Int.random(in: 1...maxPiece, using: &generator)
        let end = min(start + size, data.count)
        pieces.append(Array(data[start..<end]))
        start = end
    }
    return pieces
}

/// The frame `FrameEncoder` builds, with the declared length equal to the payload's.
func frame(
    _ opcode: Opcode, _ payload: [UInt8], fin: Bool = true, rsv: UInt8 = 0, mask: MaskKey? = nil,
    encoding: LengthEncoding = .minimal
) -> [UInt8] {
    FrameEncoder.encode(
        FrameHeader(
            fin: fin, rsv: rsv, opcode: opcode, maskKey: mask, payloadLength: UInt64(payload.count),
            lengthEncoding: encoding),
        payload: payload)
}

/// The RFC 6455 §5.7 example masking key.
let rfcMask = MaskKey(0x37, 0xFA, 0x21, 0x3D)

/// Where two octet strings first differ, or nil when they are equal (short enough to print in a failure).
func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> String? {
    if a == b { return nil }
    let index = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
    func at(_ x: [UInt8]) -> String { index < x.count ? String(x[index], radix: 16) : "end" }
    return "lengths \(a.count) and \(b.count), first difference at octet \(index): \(at(a)) vs \(at(b))"
}
