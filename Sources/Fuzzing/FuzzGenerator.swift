import CaseModel
import WebSocketWire

/// Sequences of case steps, generated as a pure function of a seed and the sequence's index: the vocabulary of
/// the case files (`send`, `raw`, `close`, `close-frame`, `pause`), weighted toward the edges where servers break —
/// reserved opcodes, FIN and RSV bits, the length boundaries 125/126/127 and 65535/65536, non-minimal length
/// encodings, UTF-8 valid and invalid and cut at any octet, fragments with control frames between them, pings of
/// every size, closes with any code and reason, chopped and synced writes, pauses.
public enum FuzzGenerator {
    /// Whether sequence `index` of a run with `seed` offers permessage-deflate (about a third of them), drawn from a
    /// generator of its own so that the steps of sequences without compression do not depend on it.
    public static func offersDeflate(seed: UInt64, index: Int) -> Bool {
        var random = FuzzRandom(seed: seed ^ deflateSalt, index: index)
        return random.chance(35)
    }

    static let deflateSalt: UInt64 = 0x504D_4344_4546_4C54  // "PMCDEFLT"

    /// The steps of sequence `index` of a run with `seed`; with `deflate` (the sequence offers permessage-deflate
    /// and the server accepts it) some data messages are sent compressed, and some steps break RFC 7692.
    public static func sequence(seed: UInt64, index: Int, deflate: Bool = false) -> [Step] {
        let steps = plainSequence(seed: seed, index: index)
        guard deflate else { return steps }
        var random = FuzzRandom(seed: seed ^ deflateSalt ^ 0xFFFF, index: index)
        return compressing(steps, &random)
    }

    static func plainSequence(seed: UInt64, index: Int) -> [Step] {
        var random = FuzzRandom(seed: seed, index: index)
        var steps: [Step] = []
        let counts: [(Int, Int)] = [(3, 1), (4, 2), (3, 3), (2, 4), (2, 6), (1, 9)]
        let count = random.weighted(counts)
        for _ in 0..<count {
            let kind = random.weighted(Self.kinds)
            switch kind {
            case .dataFrame:
                let text = random.chance(60)
                steps.append(decorate(.send(FrameStep(opcode: text ? .text : .binary, payload: payload(text: text, &random))), &random))
            case .fragmented:
                steps += fragmented(&random)
            case .ping:
                var frame = FrameStep(opcode: .ping, payload: controlPayload(&random))
                if random.chance(8) { frame.fin = false }
                steps.append(decorate(.send(frame), &random))
            case .pong:
                steps.append(decorate(.send(FrameStep(opcode: .pong, payload: controlPayload(&random))), &random))
            case .reservedOpcode:
                let reserved: [UInt8] = [3, 4, 5, 6, 7, 11, 12, 13, 14, 15]
                let opcode = Opcode(rawValue: random.pick(reserved))
                steps.append(decorate(.send(FrameStep(opcode: opcode, payload: shortText(&random))), &random))
            case .continuation:
                steps.append(decorate(.send(FrameStep(opcode: .continuation, fin: random.chance(70), payload: shortText(&random))), &random))
            case .reservedBits:
                let opcodes: [Opcode] = [.text, .binary, .ping]
                let opcode = random.pick(opcodes)
                steps.append(decorate(.send(FrameStep(opcode: opcode, rsv: UInt8(random.inRange(1...7)), payload: shortText(&random))), &random))
            case .nonMinimalLength:
                steps.append(nonMinimal(&random))
            case .close:
                steps.append(close(&random))
                return steps
            case .pause:
                let seconds: [Double] = [0.01, 0.02, 0.05]
                steps.append(.pause(seconds: random.pick(seconds), tag: nil))
            }
        }
        return steps
    }

    enum Kind { case dataFrame, fragmented, ping, pong, reservedOpcode, continuation, reservedBits, nonMinimalLength, close, pause }

    static let kinds: [(Int, Kind)] = [
        (22, Kind.dataFrame), (12, Kind.fragmented), (14, Kind.ping), (4, Kind.pong), (4, Kind.reservedOpcode),
        (3, Kind.continuation), (4, Kind.reservedBits), (4, Kind.nonMinimalLength), (4, Kind.close), (4, Kind.pause),
    ]

    /// Chops (written a few octets at a time) and synced writes, sometimes.
    static func decorate(_ step: Step, _ random: inout FuzzRandom) -> Step {
        guard case .send(var frame) = step else { return step }
        let chops: [Int] = [1, 2, 3, 7, 13]
        let chop = random.pick(chops)
        // Each piece is a write of its own (a reactor turn): a long frame in small pieces would outlast the timers.
        if random.chance(12) && frame.payload.count / chop <= 400 { frame.chop = chop }
        if random.chance(8) { frame.sync = true }
        return .send(frame)
    }

    /// Valid UTF-8 patterns: ASCII, two-, three- and four-octet sequences, the highest code point.
    static let textPatterns: [String] = [
        "Hello, wsspec! ", "\u{3BA}\u{1F79}\u{3C3}\u{3BC}\u{3B5}", "\u{20AC}\u{1D11E}ab", "\u{10FFFF}\u{FEFF}z",
        "\u{7F}\u{80}\u{7FF}\u{800}\u{FFFF}\u{10000}",
    ]

    /// Octet sequences that are never UTF-8: a lone continuation octet, 0xFF, an overlong NUL, a surrogate, a code
    /// point above U+10FFFF, a five-octet form, a three-octet sequence missing its last octet.
    static let invalidUTF8: [[UInt8]] = [
        [0x80], [0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80],
        [0xE2, 0x82], [0xFE],
    ]

    /// A data payload: its length at an edge most of the time; text from a valid pattern cut at that length (so
    /// sometimes in the middle of a code point), sometimes with invalid octets put in.
    static func payload(text: Bool, _ random: inout FuzzRandom) -> Payload {
        let small = random.inRange(1...16)
        let medium = random.inRange(17...300)
        let lengths: [(Int, Int)] = [
            (8, small), (3, 0), (2, 125), (3, 126), (2, 127), (1, 128), (1, 65535), (1, 65536), (2, medium),
        ]
        let length = random.weighted(lengths)
        let pattern: [UInt8] =
            text
            ? Array(random.pick(textPatterns).utf8)
            : (0..<random.inRange(1...8)).map { _ in UInt8(random.below(256)) }
        if length > 300 { return .repeated(.bytes(pattern), length: length) }
        var bytes = FrameEncoder.repeated(pattern, toLength: length)
        if text && length > 0 && random.chance(25) {
            let bad = random.pick(invalidUTF8)
            let at = random.below(bytes.count + 1)
            bytes.replaceSubrange(at..<min(bytes.count, at + bad.count), with: bad)
        }
        return .bytes(bytes)
    }

    static func shortText(_ random: inout FuzzRandom) -> Payload {
        random.chance(30) ? .empty : .bytes(FrameEncoder.repeated(Array(random.pick(textPatterns).utf8), toLength: random.inRange(1...20)))
    }

    /// A ping or pong payload: mostly short, sometimes the largest allowed (125), sometimes one too many (126).
    static func controlPayload(_ random: inout FuzzRandom) -> Payload {
        let short = random.inRange(0...12)
        let lengths: [(Int, Int)] = [(6, short), (2, 125), (1, 126)]
        let length = random.weighted(lengths)
        return length == 0 ? .empty : .bytes(FrameEncoder.repeated(Array("ping \(random.below(1000)) ".utf8), toLength: length))
    }

    /// A text or binary message in two to four fragments cut at any octet, with control frames between them
    /// (and sometimes a data frame, which breaks the message), sometimes left unfinished.
    static func fragmented(_ random: inout FuzzRandom) -> [Step] {
        let text = random.chance(70)
        let whole = payload(text: text, &random).bytes()
        let pieces = random.inRange(2...4)
        var cuts = (0..<(pieces - 1)).map { _ in random.below(whole.count + 1) }.sorted()
        cuts.append(whole.count)
        var steps: [Step] = []
        var start = 0
        for (i, end) in cuts.enumerated() {
            let last = i == cuts.count - 1
            let piece = Array(whole[start..<end])
            start = end
            let opcode: Opcode = i == 0 ? (text ? .text : .binary) : .continuation
            let finished = !last || random.chance(92)
            steps.append(decorate(.send(FrameStep(opcode: opcode, fin: last && finished, payload: compact(piece))), &random))
            if !last && random.chance(35) {
                let kinds: [(Int, Int)] = [(6, 0), (2, 1), (1, 2), (1, 3)]
                let between = random.weighted(kinds)
                switch between {
                case 0: steps.append(decorate(.send(FrameStep(opcode: .ping, payload: controlPayload(&random))), &random))
                case 1: steps.append(.send(FrameStep(opcode: .pong, payload: shortText(&random))))
                case 2: steps.append(.send(FrameStep(opcode: .ping, fin: false, payload: shortText(&random))))
                default: steps.append(.send(FrameStep(opcode: .text, payload: shortText(&random))))
                }
            }
        }
        return steps
    }

    /// A frame whose length is written in a longer form than needed (RFC 6455 §5.2 asks senders for the shortest),
    /// written as raw octets with its masking key.
    static func nonMinimal(_ random: inout FuzzRandom) -> Step {
        let text = random.chance(60)
        let short = random.inRange(0...20)
        let lengths: [(Int, Int)] = [(4, short), (1, 125), (1, 126), (1, 65535)]
        let length = random.weighted(lengths)
        let payload = FrameEncoder.repeated(Array(textPatterns[0].utf8), toLength: length)
        let encoding: LengthEncoding = length < 126 && random.chance(50) ? .extended16 : .extended64
        let key = MaskKey(
            UInt8(random.below(256)), UInt8(random.below(256)), UInt8(random.below(256)), UInt8(random.below(256)))
        let header = FrameHeader(
            opcode: text ? .text : .binary, maskKey: key, payloadLength: UInt64(length), lengthEncoding: encoding)
        return .raw(compact(FrameEncoder.encode(header, payload: payload)), chop: nil, sync: false)
    }

    /// Close codes at the edges: valid ones, reserved and unassigned ones, the ones never sent on the wire.
    /// 1012–1014 are left out: IANA assigned them after RFC 6455, so a server may accept or refuse them.
    static let closeCodes: [Int] = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999, 0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535]

    static func close(_ random: inout FuzzRandom) -> Step {
        let bad: [UInt8] = [0x61] + random.pick(invalidUTF8)
        let reasons: [(Int, Payload?)] = [
            (5, nil), (3, Payload.text("bye")), (1, Payload.bytes(bad)), (1, Payload.repeated(.text("r"), length: 123)),
            (1, Payload.repeated(.text("r"), length: 124)),
        ]
        let reason = random.weighted(reasons)
        if random.chance(35) {
            let codes: [Int] = [1000, 3000, 4321, 4999]
            let code = random.pick(codes)
            var text: String?
            if let reason, reason.count <= 123, UTF8Validator.isValid(reason.bytes()) {
                text = String(decoding: reason.bytes(), as: UTF8.self)
            }
            return .close(code: code, reason: text)
        }
        if random.chance(10) {
            let header = FrameHeader(opcode: .close, maskKey: MaskKey(1, 2, 3, 4), payloadLength: 1)
            let oneOctet: [UInt8] = FrameEncoder.encode(header, payload: [UInt8(0x03)])
            return .raw(.bytes(oneOctet), chop: nil, sync: false)
        }
        let code: Int? = random.chance(15) ? nil : random.pick(closeCodes)
        return .closeFrame(code: code, reason: code == nil ? nil : reason)
    }

    /// A sequence of a negotiated permessage-deflate: whole data frames sent compressed (RSV1, the payload deflated
    /// on its own as RFC 7692 §7.2.1 says), now and then a compressed message in fragments, and sometimes one of the
    /// violations a server must fail the connection on: RSV1 on a control frame or a continuation (§6.1), a
    /// compressed payload that does not inflate (§7.2.2).
    static func compressing(_ input: [Step], _ random: inout FuzzRandom) -> [Step] {
        var steps: [Step] = []
        var insideMessage = false
        for step in input {
            if case .send(var frame) = step, frame.rsv == 4, frame.repeatLength == nil, !frame.opcode.isControl {
                // RSV1 alone on a data frame: with the extension negotiated, its payload goes compressed (raw
                // octets would stop inside a deflate block, which RFC 7692 leaves open).
                frame.payload = compact(deflated(frame.payload.bytes()))
                steps.append(.send(frame))
                continue
            }
            guard case .send(let frame) = step, frame.repeatLength == nil, frame.rsv == 0 else {
                steps.append(step)
                continue
            }
            let starts = (frame.opcode == .text || frame.opcode == .binary) && !insideMessage
            if frame.opcode == .text || frame.opcode == .binary || frame.opcode == .continuation { insideMessage = !frame.fin }
            guard starts && frame.fin && random.chance(45) else {
                steps.append(step)
                continue
            }
            let compressed = compact(deflated(frame.payload.bytes()))
            if random.chance(20) && compressed.count >= 2 {
                // In two frames, RSV1 on the first only.
                let bytes = compressed.bytes()
                let cut = random.inRange(1...(bytes.count - 1))
                steps.append(.send(FrameStep(opcode: frame.opcode, fin: false, rsv: 4, payload: compact(Array(bytes[..<cut])))))
                steps.append(.send(FrameStep(opcode: .continuation, payload: compact(Array(bytes[cut...])))))
            } else {
                var copy = frame
                copy.rsv = 4
                copy.payload = compressed
                steps.append(.send(copy))
            }
        }
        if random.chance(25) {
            let at = random.below(steps.count + 1)
            let kinds: [(Int, Int)] = [(3, 0), (3, 1), (3, 2)]
            switch random.weighted(kinds) {
            case 0:
                let opcodes: [Opcode] = [.ping, .pong]
                steps.insert(.send(FrameStep(opcode: random.pick(opcodes), rsv: 4, payload: shortText(&random))), at: at)
            case 1:
                let bytes = deflated(shortText(&random).bytes())
                let cut = random.below(bytes.count + 1)
                steps.insert(contentsOf: [
                    .send(FrameStep(opcode: .text, fin: false, rsv: 4, payload: compact(Array(bytes[..<cut])))),
                    .send(FrameStep(opcode: .continuation, rsv: 4, payload: compact(Array(bytes[cut...])))),
                ], at: at)
            default:
                // BFINAL set, BTYPE 11: a block type RFC 1951 §3.2.3 reserves, which no inflater reads.
                let garbage: [UInt8] = [0xFF] + shortText(&random).bytes()
                steps.insert(.send(FrameStep(opcode: random.chance(50) ? .text : .binary, rsv: 4, payload: compact(garbage))), at: at)
            }
        }
        return steps
    }

    /// A message compressed on its own (a fresh window: valid whatever context takeover the server chose).
    static func deflated(_ message: [UInt8]) -> [UInt8] {
        MessageDeflater(noContextTakeover: true).compress(message)
    }

    /// A payload written as runs of repeated patterns where that is shorter (what a case file shows).
    public static func compact(_ bytes: [UInt8]) -> Payload {
        var parts: [Payload] = []
        var literal: [UInt8] = []
        var i = 0
        while i < bytes.count {
            var best: (period: Int, length: Int)?
            for period in 1...min(32, max(1, (bytes.count - i) / 4)) where i + period < bytes.count {
                var j = i + period
                while j < bytes.count && bytes[j] == bytes[j - period] { j += 1 }
                let run = j - i
                if run >= 4 * period && run >= 40 && run > (best?.length ?? 0) { best = (period, run) }
            }
            if let best {
                if !literal.isEmpty { parts.append(.bytes(literal)); literal = [] }
                parts.append(.repeated(.bytes(Array(bytes[i..<(i + best.period)])), length: best.length))
                i += best.length
            } else {
                literal.append(bytes[i])
                i += 1
            }
        }
        if !literal.isEmpty || parts.isEmpty { parts.append(.bytes(literal)) }
        return parts.count == 1 ? parts[0] : .concat(parts)
    }
}
