import CaseModel
import Engine
import Fuzzing
import Recording
import Testing
import WebSocketWire

@Suite("wsspec fuzz: permessage-deflate in sequences and in the oracle")
struct FuzzDeflateTests {
    static func deflated(_ text: String) -> [UInt8] {
        MessageDeflater(noContextTakeover: true).compress(Array(text.utf8))
    }

    @Test("the offer and the compressed steps are a pure function of the seed and the index")
    func deterministic() {
        for index in 0..<200 {
            #expect(FuzzGenerator.offersDeflate(seed: 17, index: index) == FuzzGenerator.offersDeflate(seed: 17, index: index))
            #expect(
                FuzzGenerator.sequence(seed: 17, index: index, deflate: true)
                    == FuzzGenerator.sequence(seed: 17, index: index, deflate: true))
        }
        let a = (0..<100).map { FuzzGenerator.offersDeflate(seed: 17, index: $0) }
        let b = (0..<100).map { FuzzGenerator.offersDeflate(seed: 18, index: $0) }
        #expect(a != b)
    }

    @Test("a fixed seed offers permessage-deflate in some sequences, not all; without it the steps are the plain ones")
    func someOffer() {
        let offers = (0..<300).filter { FuzzGenerator.offersDeflate(seed: 17, index: $0) }.count
        #expect(offers > 60 && offers < 160, "\(offers) of 300")
        for index in 0..<50 {
            #expect(FuzzGenerator.sequence(seed: 17, index: index) == FuzzGenerator.sequence(seed: 17, index: index, deflate: false))
        }
        #expect(Fuzzer.deflateUse(seed: 17, index: 0, serverAccepts: true) != .declined)
        let uses = Set((0..<300).map { Fuzzer.deflateUse(seed: 17, index: $0, serverAccepts: false) })
        #expect(uses == [.none, .declined])
    }

    @Test("with deflate negotiated the sequences compress messages and break RFC 7692 in the three ways")
    func compressedSteps() {
        var seen: Set<String> = []
        for index in 0..<600 {
            let steps = FuzzGenerator.sequence(seed: 5, index: index, deflate: true)
            var previous: FrameStep?
            for case .send(let f) in steps {
                if f.rsv == 4 && f.opcode.isControl { seen.insert("control") }
                if f.rsv == 4 && f.opcode == .continuation { seen.insert("continuation") }
                if f.rsv == 4 && !f.opcode.isControl && f.opcode != .continuation {
                    seen.insert(f.payload.bytes().first == 0xFF ? "garbage" : "compressed")
                    if !f.fin { seen.insert("fragmented compressed") }
                }
                if let previous, previous.rsv == 4, !previous.fin, f.opcode == .continuation, f.rsv == 0 {
                    seen.insert("valid continuation")
                }
                previous = f
            }
        }
        let wanted: Set<String> = ["control", "continuation", "garbage", "compressed", "fragmented compressed", "valid continuation"]
        #expect(wanted.isSubset(of: seen), "missing \(wanted.subtracting(seen))")
    }

    @Test("accepted offer: a compressed message (also in fragments) is expected back as its inflated octets")
    func acceptedEcho() {
        let bytes = Self.deflated("Hello, Hello, Hello, wsspec!")
        let oracle = Oracle(
            [
                .send(FrameStep(opcode: .text, rsv: 4, payload: .bytes(bytes))),
                .send(FrameStep(opcode: .binary, fin: false, rsv: 4, payload: .bytes(Array(bytes.prefix(3))))),
                .send(FrameStep(opcode: .continuation, payload: .bytes(Array(bytes.dropFirst(3))))),
            ], deflate: .negotiated)
        #expect(oracle.worlds.count == 1)
        let world = oracle.worlds[0]
        #expect(world.failCodes == nil)
        let hello = Payload.bytes(Array("Hello, Hello, Hello, wsspec!".utf8))
        #expect(Array(world.events.prefix(2)) == [.message(hello, binary: false), .message(hello, binary: true)])
        let definition = FuzzCase.definition(oracle, world: world, wait: 1, id: CaseID("90.1")!)
        #expect(definition.deflateOffers == [DeflateUse.offer])
    }

    @Test("accepted offer: RSV1 on a control frame or a continuation, or data that does not inflate, must fail")
    func acceptedViolations() {
        let ping = Oracle([.send(FrameStep(opcode: .ping, rsv: 4, payload: .text("p")))], deflate: .negotiated).worlds[0]
        #expect(ping.failCodes == [.protocolError])
        #expect(ping.violation?.clause == "7692 §6.1")
        #expect(ping.events.isEmpty)
        let bytes = Self.deflated("abc")
        let continuation = Oracle(
            [
                .send(FrameStep(opcode: .text, fin: false, rsv: 4, payload: .bytes(Array(bytes.prefix(1))))),
                .send(FrameStep(opcode: .continuation, rsv: 4, payload: .bytes(Array(bytes.dropFirst(1))))),
            ], deflate: .negotiated
        ).worlds[0]
        #expect(continuation.failCodes == [.protocolError])
        #expect(continuation.violation?.clause == "7692 §6.1")
        let garbage = Oracle(
            [
                .send(FrameStep(opcode: .text, payload: .text("ok"))),
                .pause(seconds: 0.05, tag: nil),
                .send(FrameStep(opcode: .binary, rsv: 4, payload: .bytes([0xFF, 0x61]))),
            ], deflate: .negotiated
        ).worlds[0]
        #expect(garbage.failCodes == [.invalidPayload, .protocolError])
        #expect(garbage.violation?.clause.hasPrefix("7692") == true)
        #expect(garbage.events == [.message(.text("ok"), binary: false)])
        // Inflated text that is not UTF-8 is still 6455 §8.1.
        let invalid = MessageDeflater(noContextTakeover: true).compress([0x61, 0xFF])
        let utf8 = Oracle([.send(FrameStep(opcode: .text, rsv: 4, payload: .bytes(invalid)))], deflate: .negotiated).worlds[0]
        #expect(utf8.failCodes == [.invalidPayload])
        #expect(utf8.violation?.clause == "6455 §8.1")
        // A protocol error after it may be the one the server names (it may read on before its application sees the
        // message), as websockets 17.4 does; a pause goes between them.
        let after = Oracle(
            [
                .send(FrameStep(opcode: .text, rsv: 4, payload: .bytes(invalid))),
                .send(FrameStep(opcode: .text, fin: false)), .send(FrameStep(opcode: .text)),
            ], deflate: .negotiated)
        #expect(after.worlds.allSatisfy { $0.failCodes == [.invalidPayload] || $0.failCodes == [.invalidPayload, .protocolError] })
        #expect(after.steps.contains(.pause(seconds: 0.05, tag: nil)))
    }

    /// Found by a 60 s run against `wsspec echo`: two empty payloads with RSV1 leave the inflater inside a stored
    /// block, so the second message's trailer came out as octets there (1007), where the oracle had expected two
    /// empty echoes.
    @Test("a compressed payload that stops inside a deflate block is not modelled; the generator makes none")
    func unboundedCompressed() {
        #expect(!Oracle([.send(FrameStep(opcode: .text, rsv: 4)), .send(FrameStep(opcode: .text, rsv: 4))], deflate: .negotiated).modelsCompression)
        let cut = Array(Self.deflated("Hello, Hello, Hello, wsspec!").dropLast(2))
        #expect(!Oracle([.send(FrameStep(opcode: .binary, rsv: 4, payload: .bytes(cut)))], deflate: .negotiated).modelsCompression)
        #expect(Oracle([.send(FrameStep(opcode: .text, rsv: 4, payload: .bytes(Self.deflated(""))))], deflate: .negotiated).modelsCompression)
        #expect(Oracle([.send(FrameStep(opcode: .text, rsv: 4, payload: .bytes([0x00])))], deflate: .negotiated).modelsCompression)
        for index in 0..<400 {
            let oracle = Oracle(FuzzGenerator.sequence(seed: 5, index: index, deflate: true), deflate: .negotiated)
            #expect(oracle.modelsCompression, "sequence \(index): \(oracle.steps)")
        }
    }

    @Test("declined offer or none: nothing is compressed, RSV1 is a reserved bit, and the offer shows only when made")
    func declined() {
        let text = Oracle([.send(FrameStep(opcode: .text, payload: .text("plain")))], deflate: .declined)
        #expect(text.worlds[0].failCodes == nil)
        #expect(text.worlds[0].events.first == .message(.text("plain"), binary: false))
        #expect(FuzzCase.definition(text, world: text.worlds[0], wait: 1, id: CaseID("90.1")!).deflateOffers == [DeflateUse.offer])
        let bytes = Self.deflated("abc")
        for use in [DeflateUse.declined, .none] {
            let world = Oracle([.send(FrameStep(opcode: .text, rsv: 4, payload: .bytes(bytes)))], deflate: use).worlds[0]
            #expect(world.failCodes == [.protocolError])
            #expect(world.violation?.clause == "6455 §5.2")
            #expect(world.events.isEmpty)
        }
        let plain = Oracle([.send(FrameStep(opcode: .text, payload: .text("x")))])
        #expect(FuzzCase.definition(plain, world: plain.worlds[0], wait: 1, id: CaseID("90.1")!).deflateOffers.isEmpty)
    }

    @Test("cases with the offer and compressed frames survive the trip through a YAML case file")
    func roundTrip() throws {
        var offered = 0
        for index in 0..<200 {
            let use = Fuzzer.deflateUse(seed: 99, index: index, serverAccepts: true)
            let oracle = Oracle(FuzzGenerator.sequence(seed: 99, index: index, deflate: use == .negotiated), deflate: use)
            if use.offered { offered += 1 }
            for world in oracle.worlds {
                let definition = FuzzCase.definition(oracle, world: world, wait: 1, id: CaseID("90.\(index + 1)")!, rule: world.violation)
                let text = CaseFileWriter.file([definition], comment: [])
                let suite = try CaseLoader.load(yaml: text, file: "finding.yaml")
                #expect(suite.cases.first == definition, "\(text)")
                #expect(suite.cases.first?.deflateOffers == definition.deflateOffers)
            }
        }
        #expect(offered > 0)
    }

    @Test("shrinking: a compressed frame may be sent as its inflated octets; a reserved opcode may become 3")
    func shrinkCandidates() {
        let bytes = Self.deflated("hello")
        let steps: [Step] = [
            .send(FrameStep(opcode: .text, rsv: 4, payload: .bytes(bytes))), .send(FrameStep(opcode: Opcode(rawValue: 13), payload: .text("x"))),
        ]
        let candidates = Shrinker.candidates(steps)
        #expect(candidates.contains { $0.first == .send(FrameStep(opcode: .text, payload: .text("hello"))) })
        #expect(candidates.contains { $0.last == .send(FrameStep(opcode: Opcode(rawValue: 3), payload: .text("x"))) })
        #expect(!candidates.contains { $0.last == .send(FrameStep(opcode: .text, payload: .text("x"))) })
    }
}
