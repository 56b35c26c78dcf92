import CaseModel
import Engine
import Fuzzing
import Recording
import Testing
import WebSocketWire

@Suite("wsspec fuzz: generation, oracle, case files")
struct FuzzGenerationTests {
    @Test("the generator is SplitMix64: the published first outputs for seed 0")
    func splitMix() {
        var random = FuzzRandom(seed: 0)
        #expect(random.next() == 0xE220_A839_7B1D_CDAF)
        #expect(random.next() == 0x6E78_9E6A_A1B9_65F4)
    }

    @Test("a sequence is a pure function of the seed and its index")
    func deterministic() {
        for index in 0..<300 {
            #expect(FuzzGenerator.sequence(seed: 17, index: index) == FuzzGenerator.sequence(seed: 17, index: index))
        }
        let a = (0..<50).map { FuzzGenerator.sequence(seed: 17, index: $0) }
        let b = (0..<50).map { FuzzGenerator.sequence(seed: 18, index: $0) }
        #expect(a != b)
        #expect(Set((0..<50).map { "\(a[$0])" }).count > 40)
    }

    @Test("the sequences reach the edges: reserved opcodes, length boundaries, non-minimal lengths, FIN/RSV, UTF-8, chops")
    func edges() {
        var seen: Set<String> = []
        for index in 0..<600 {
            for step in FuzzGenerator.sequence(seed: 5, index: index) {
                switch step {
                case .send(let f):
                    if f.opcode.isReserved { seen.insert("reserved opcode") }
                    if f.rsv != 0 { seen.insert("rsv") }
                    if f.opcode.isControl && !f.fin { seen.insert("fragmented control") }
                    if f.opcode == .ping && f.payload.count == 126 { seen.insert("ping 126") }
                    if [125, 126, 127, 65535, 65536].contains(f.payload.count) && !f.opcode.isControl {
                        seen.insert("length \(f.payload.count)")
                    }
                    if f.opcode == .continuation { seen.insert("continuation") }
                    if f.opcode == .text && !UTF8Validator.isValid(f.payload.bytes()) { seen.insert("invalid utf-8") }
                    if f.chop != nil { seen.insert("chop") }
                    if f.sync { seen.insert("sync") }
                case .raw(let payload, _, _):
                    var parser = FrameParser(role: .server)
                    parser.append(payload.bytes())
                    if case .frameBegin(_, let violations)? = parser.next(), violations.contains(.nonMinimalLength) {
                        seen.insert("non-minimal")
                    }
                case .closeFrame(let code, _):
                    if let code, !CloseCode.isValidOnWire(code) { seen.insert("invalid close code") }
                case .close: seen.insert("close")
                case .pause: seen.insert("pause")
                default: break
                }
            }
        }
        let wanted: Set<String> = [
            "reserved opcode", "rsv", "fragmented control", "ping 126", "length 125", "length 126", "length 127",
            "length 65535", "length 65536", "continuation", "invalid utf-8", "chop", "sync", "non-minimal",
            "invalid close code", "close", "pause",
        ]
        #expect(wanted.subtracting(seen).isEmpty, "never generated: \(wanted.subtracting(seen).sorted())")
    }

    @Test("the oracle: pings are ponged, a final ping ends an open sequence")
    func oraclePing() {
        let oracle = Oracle([.send(FrameStep(opcode: .ping, payload: .text("a"))), .send(FrameStep(opcode: .text, payload: .text("hi")))])
        #expect(oracle.worlds.count == 1)
        #expect(oracle.worlds[0].events == [.pong(.text("a")), .message(.text("hi"), binary: false), .pong(.bytes(Oracle.finalPing))])
        #expect(oracle.worlds[0].failCodes == nil)
    }

    @Test("the oracle: a reserved opcode fails with 1002; echoes that came with it may be lost (non-strict)")
    func oracleViolation() {
        let oracle = Oracle([
            .send(FrameStep(opcode: .text, payload: .text("a"))), .send(FrameStep(opcode: Opcode(rawValue: 5))),
            .send(FrameStep(opcode: .ping)),
        ])
        let world = oracle.worlds[0]
        #expect(world.failCodes == [.protocolError])
        #expect(world.violation?.clause == "6455 §5.2")
        #expect(world.events == [.message(.text("a"), binary: false)])
        #expect(world.lenient == [])
    }

    @Test("the oracle: invalid UTF-8 in a first fragment fails fast (OK) or at the message's end (non-strict)")
    func oracleUTF8() {
        let oracle = Oracle([
            .send(FrameStep(opcode: .text, fin: false, payload: .bytes([0x61, 0xFF]))), .send(FrameStep(opcode: .ping, payload: .text("p"))),
            .send(FrameStep(opcode: .continuation, payload: .text("b"))),
        ])
        let world = oracle.worlds[0]
        #expect(world.failCodes == [.invalidPayload])
        #expect(world.events == [])
        #expect(world.lenient == [.pong(.text("p"))])
        // A text message cut inside a code point across fragments is valid.
        let cut = Oracle([
            .send(FrameStep(opcode: .text, fin: false, payload: .bytes([0xCE]))), .send(FrameStep(opcode: .continuation, payload: .bytes([0xBA]))),
        ])
        #expect(cut.worlds[0].events.first == .message(.bytes([0xCE, 0xBA]), binary: false))
        // Left unfinished, an invalid message is finished so that both ways of failing are possible.
        let open = Oracle([.send(FrameStep(opcode: .text, fin: false, payload: .bytes([0xFF])))])
        #expect(open.steps.count == 2)
        #expect(open.worlds[0].failCodes == [.invalidPayload])
    }

    @Test("the oracle: a non-minimal length has two worlds; close codes are checked; a Close is answered")
    func oracleWorlds() {
        let frame = FrameEncoder.encode(
            FrameHeader(opcode: .text, maskKey: MaskKey(1, 2, 3, 4), payloadLength: 2, lengthEncoding: .extended16), payload: Array("hi".utf8))
        let oracle = Oracle([.raw(.bytes(frame), chop: nil, sync: false)])
        #expect(oracle.worlds.count == 2)
        #expect(oracle.worlds[0].failCodes == [.protocolError])
        #expect(oracle.worlds[1].events.first == .message(.text("hi"), binary: false))
        #expect(Oracle([.closeFrame(code: 1005, reason: nil)]).worlds[0].failCodes == [.protocolError])
        #expect(Oracle([.closeFrame(code: 1000, reason: .bytes([0xFF]))]).worlds[0].failCodes == [.invalidPayload, .protocolError])
        let close = Oracle([.send(FrameStep(opcode: .text, payload: .text("x"))), .close(code: 3000, reason: nil)])
        #expect(close.worlds[0].clientClose.present && close.worlds[0].clientClose.code == 3000)
        // Echoes still pending when wsspec's Close goes out: a pause first (the suite's 7.1.6).
        #expect(close.steps.count == 3)
    }

    @Test("every generated case survives the trip through a YAML case file")
    func roundTrip() throws {
        for index in 0..<300 {
            let oracle = Oracle(FuzzGenerator.sequence(seed: 99, index: index))
            for world in oracle.worlds {
                let definition = FuzzCase.definition(
                    oracle, world: world, wait: 1, id: CaseID("90.\(index + 1)")!, description: "A \"quoted\" description.",
                    rule: world.violation)
                let text = CaseFileWriter.file([definition], comment: ["a comment"])
                let suite = try CaseLoader.load(yaml: text, file: "finding.yaml")
                #expect(suite.cases.count == 1)
                #expect(suite.cases.first == definition, "\(text)")
                #expect(suite.cases.first?.rfc == definition.rfc)
                #expect(suite.cases.first?.category.suiteName == "fuzz")
            }
        }
    }

    @Test("shrinking candidates are smaller")
    func shrinkCandidates() {
        let steps = FuzzGenerator.sequence(seed: 3, index: 11) + [.send(FrameStep(opcode: .text, payload: .text("hello"), chop: 2))]
        let size = Shrinker.size(steps)
        for candidate in Shrinker.candidates(steps) {
            let smaller = Shrinker.size(candidate)
            #expect(candidate != steps)
            #expect(smaller.steps <= size.steps && smaller.octets <= size.octets && smaller.chops <= size.chops)
        }
    }

    @Test("interleave: pongs may come before or after echoes, each kind in order")
    func interleave() {
        let expected: [ExpectedEvent] = [.message(.text("a"), binary: false), .pong(.text("p"))]
        let swapped: [ObservedEvent] = [.pong(Array("p".utf8)), .message(Array("a".utf8), binary: false)]
        #expect(Judge.matches(swapped, expected, interleave: true))
        #expect(!Judge.matches(swapped, expected, interleave: false))
        #expect(!Judge.matches([.pong(Array("p".utf8))], expected, interleave: true))
    }
}
