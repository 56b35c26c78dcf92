import Foundation
import NIOCore
import Testing
import WebSocketWire

/// Seeded random-input runs of the parsers that read what a server sends. The seed and the number of
/// inputs come from `WSSPEC_FUZZ_SEED` and `WSSPEC_FUZZ_ITERATIONS` (`.ci/run` sets a longer run); a
/// failure names the seed and the input, which then belongs in the regression lists below.
enum Fuzz {
    static var seed: UInt64 {
        ProcessInfo.processInfo.environment["WSSPEC_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x5EED_0F_F022
    }
    /// Inputs per target; scaled down for the slower targets.
    static var iterations: Int {
        ProcessInfo.processInfo.environment["WSSPEC_FUZZ_ITERATIONS"].flatMap { Int($0) } ?? 5_000
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
}

/// One parse of a byte stream: the events in order, payload pieces joined per frame.
struct ParseTrace: Equatable {
    enum Step: Equatable {
        case begin(FrameHeader, [FrameViolation])
        case payload([UInt8])
        case end(FrameHeader)
    }
    var steps: [Step] = []
    /// The first broken invariant, if any.
    var problem: String?

    /// Parses `bytes` in the given pieces; checks the event order and that no payload exceeds its header.
    init(_ bytes: [UInt8], cuts: [Int], role: FrameParser.Role, compression: Bool) {
        var parser = FrameParser(role: role, compressionNegotiated: compression)
        var open: FrameHeader?
        var seen: UInt64 = 0
        var start = 0
        for cut in cuts + [bytes.count] where cut >= start {
            parser.append(Array(bytes[start..<cut]))
            start = cut
            while let event = parser.next() {
                switch event {
                case .frameBegin(let header, let violations):
                    if open != nil { problem = problem ?? "a frame began inside another" }
                    open = header
                    seen = 0
                    steps.append(.begin(header, violations))
                case .payload(let chunk):
                    if open == nil || chunk.readableBytes == 0 { problem = problem ?? "an empty or stray payload piece" }
                    seen += UInt64(chunk.readableBytes)
                    if seen > open?.payloadLength ?? 0 { problem = problem ?? "more payload than the header announced" }
                    if case .payload(let previous) = steps.last {
                        steps[steps.count - 1] = .payload(previous + chunk.readableBytesView)
                    } else {
                        steps.append(.payload(Array(chunk.readableBytesView)))
                    }
                case .frameEnd(let header):
                    if open != header || seen != header.payloadLength { problem = problem ?? "a frame ended early or twice" }
                    open = nil
                    steps.append(.end(header))
                }
            }
            // What is held back is never more than one frame header.
            if !(parser.bufferedCount < 14 || open != nil && parser.bufferedCount == 0) {
                problem = problem ?? "\(parser.bufferedCount) octets held back"
            }
        }
    }
}

@Suite("Parser fuzzing (seeded)")
struct ParserFuzzTests {
    /// Inputs that once broke a parser: kept forever.
    static let frameRegressions: [[UInt8]] = [
        // The largest 64-bit length and one beyond it, masked, with a little payload.
        [0x81, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4, 0x61],
        [0x82, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4, 0x61],
        // A control frame announcing 2^63 − 1.
        [0x89, 0x7F, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
        // Headers cut at every length-field boundary.
        [0x81], [0x81, 0x7E, 0x00], [0x81, 0x7F, 0, 0, 0, 0], [0x81, 0xFE, 0x00, 0x7E, 1, 2],
    ]

    /// A valid conversation to mutate: the mutations keep most of the structure, so they reach deep.
    static func conversation(_ g: inout SeededRandom) -> [UInt8] {
        var out: [UInt8] = []
        for _ in 0..<Int.random(in: 1...6, using: &g) {
            let opcode = Opcode(rawValue: UInt8.random(in: 0...15, using: &g))
            let length = [0, 1, 125, 126, 127, 65535, 65536].randomElement(using: &g)! % 2000
            let payload = (0..<length).map { _ in UInt8.random(in: 0...255, using: &g) }
            let mask: MaskKey? = Bool.random(using: &g) ? MaskKey.random(using: &g) : nil
            let header = FrameHeader(
                fin: Bool.random(using: &g), rsv: UInt8.random(in: 0...7, using: &g), opcode: opcode, maskKey: mask,
                payloadLength: UInt64(payload.count),
                lengthEncoding: [LengthEncoding.minimal, .extended16, .extended64].randomElement(using: &g)!)
            out += FrameEncoder.encode(header, payload: payload)
        }
        return out
    }

    static func mutate(_ input: [UInt8], _ g: inout SeededRandom) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 0...4, using: &g) {
            guard !bytes.isEmpty else { break }
            let i = Int.random(in: 0..<bytes.count, using: &g)
            switch Int.random(in: 0..<4, using: &g) {
            case 0: bytes[i] = UInt8.random(in: 0...255, using: &g)
            case 1: bytes[i] ^= 1 << UInt8.random(in: 0...7, using: &g)
            case 2: bytes.remove(at: i)
            default: bytes.insert(contentsOf: [0xFF, 0x7F, 0x7E, 0x80, 0x00].shuffled(using: &g).prefix(2), at: i)
            }
        }
        return bytes
    }

    static func randomCuts(_ count: Int, _ g: inout SeededRandom) -> [Int] {
        guard count > 0 else { return [] }
        return (0..<Int.random(in: 0...8, using: &g)).map { _ in Int.random(in: 0...count, using: &g) }.sorted()
    }

    /// The same events whatever the pieces: parsing one octet at a time, in random pieces and at once agree.
    static func checkFrames(_ bytes: [UInt8], cuts: [Int], role: FrameParser.Role, compression: Bool) -> Bool {
        let whole = ParseTrace(bytes, cuts: [], role: role, compression: compression)
        let pieces = ParseTrace(bytes, cuts: cuts, role: role, compression: compression)
        return whole.problem == nil && whole == pieces
    }

    @Test("frame parser: random and mutated streams, in random pieces, both roles")
    func frameParser() {
        var g = SeededRandom(seed: Fuzz.seed)
        for input in Self.frameRegressions {
            #expect(Self.checkFrames(input, cuts: Array(0...input.count), role: .client, compression: false))
        }
        for n in 0..<Fuzz.iterations {
            let input: [UInt8] = n % 3 == 0
                ? (0..<Int.random(in: 0...64, using: &g)).map { _ in UInt8.random(in: 0...255, using: &g) }
                : Self.mutate(Self.conversation(&g), &g)
            let role: FrameParser.Role = Bool.random(using: &g) ? .client : .server
            let compression = Bool.random(using: &g)
            let cuts = n % 10 == 0 && input.count < 300 ? Array(0...input.count) : Self.randomCuts(input.count, &g)
            guard Self.checkFrames(input, cuts: cuts, role: role, compression: compression) else {
                Issue.record("seed \(Fuzz.seed) input \(n): pieces change the events for \(Fuzz.hex(input)) cut at \(cuts)")
                return
            }
        }
    }

    static let goodResponse = Array(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=\"10\"\r\nSec-WebSocket-Protocol: chat\r\n\r\n".utf8)

    static let handshakeRegressions: [[UInt8]] = [
        [], Array("\r\n\r\n".utf8), Array("HTTP/1.1\r\n\r\n".utf8), Array("HTTP/1.1 abc\r\n\r\n".utf8),
        Array("HTTP/1.1 99999999999999999999999 x\r\n\r\n".utf8), Array(":\r\n:\r\n\r\n".utf8),
        Array("HTTP/1.1 101 x\r\nSec-WebSocket-Extensions: ;;,=,\"\r\n\r\n".utf8), [0x0D, 0x0D, 0x0A, 0x0D, 0x0A, 0xFF],
    ]

    @Test("handshake response: random and mutated header blocks never trap; the end is found the same in pieces")
    func handshakeResponse() {
        var g = SeededRandom(seed: Fuzz.seed &+ 1)
        let specials = Array(":;,=\" \t\r\n".utf8) + [0x00, 0xFF, 0xC3]
        func check(_ input: [UInt8]) -> Bool {
            let end = HandshakeResponse.endOfHeaderBlock(in: input)
            var searched = 0
            var found: Int?
            // Fed in pieces, searching on from where the last search stopped.
            for cut in Self.randomCuts(input.count, &g) + [input.count] where cut >= searched && found == nil {
                found = HandshakeResponse.endOfHeaderBlock(in: Array(input[..<cut]), from: searched)
                searched = cut
            }
            guard found == end else { return false }
            let response = HandshakeResponse(headerBlock: Array(input[..<(end ?? input.count)]))
            _ = response.validate(key: "dGhlIHNhbXBsZSBub25jZQ==", offeredProtocols: ["chat"])
            _ = response.validate(key: "dGhlIHNhbXBsZSBub25jZQ==", offeredProtocols: [], acceptExtension: { _ in nil })
            _ = ExtensionResponse.parseHeader(response["sec-websocket-extensions"] ?? "")
            return true
        }
        for input in Self.handshakeRegressions { #expect(check(input), "\(Fuzz.hex(input))") }
        for n in 0..<Fuzz.iterations / 4 {
            var input = Self.goodResponse
            if n % 4 == 0 {
                input = (0..<Int.random(in: 0...200, using: &g)).map { _ in specials.randomElement(using: &g)! }
            } else {
                for _ in 0..<Int.random(in: 1...6, using: &g) {
                    let i = Int.random(in: 0..<input.count, using: &g)
                    switch Int.random(in: 0..<3, using: &g) {
                    case 0: input[i] = specials.randomElement(using: &g)!
                    case 1: input.remove(at: i)
                    default: input.insert(UInt8.random(in: 0...255, using: &g), at: i)
                    }
                }
            }
            guard check(input) else {
                Issue.record("seed \(Fuzz.seed) input \(n): the end of \(Fuzz.hex(input)) is found differently in pieces")
                return
            }
        }
    }
}
