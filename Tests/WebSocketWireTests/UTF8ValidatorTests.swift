import Testing
import WebSocketWire

@Suite("UTF8Validator")
struct UTF8ValidatorTests {
    enum Verdict: Sendable, Equatable {
        case valid
        /// Valid so far, but ends inside a code point.
        case truncated
        /// Invalid at this octet index.
        case invalid(at: Int)
    }

    struct Sample: Sendable, CustomTestStringConvertible {
        var id: String
        var payload: [UInt8]
        var verdict: Verdict
        var testDescription: String { id }
    }

    static func s(_ id: String, _ hex: String, _ verdict: Verdict) -> Sample {
        Sample(id: id, payload: bytes(hex), verdict: verdict)
    }

    static let kosme = "cebae1bdb9cf83cebcceb5"

    /// Catalogue §2.6: the payloads of cases 6.2–6.23 with the octet where a fail-fast validator stops.
    static let catalogue: [Sample] = [
        s("6.2.1 U", "48656c6c6f2dc2b540c39fc3b6c3a4c3bcc3a0c3a12d5554462d382121", .valid),
        s("6.3.1 X", kosme + "eda080" + "656469746564", .invalid(at: 12)),
        s("6.4.2 Y", kosme + "f4908080" + "656469746564", .invalid(at: 12)),
        s("6.5.1", "68656c6c6f24776f726c64", .valid),
        s("6.5.2", "68656c6c6fc2a2776f726c64", .valid),
        s("6.5.3", "68656c6c6fe282ac776f726c64", .valid),
        s("6.5.4", "68656c6c6ff0a4ada2776f726c64", .valid),
        s("6.5.5", kosme, .valid),
        s("6.6.1", "ce", .truncated),
        s("6.6.2", "ceba", .valid),
        s("6.6.3", "cebae1", .truncated),
        s("6.6.4", "cebae1bd", .truncated),
        s("6.6.5", "cebae1bdb9", .valid),
        s("6.6.6", "cebae1bdb9cf", .truncated),
        s("6.6.7", "cebae1bdb9cf83", .valid),
        s("6.6.8", "cebae1bdb9cf83ce", .truncated),
        s("6.6.9", "cebae1bdb9cf83cebc", .valid),
        s("6.6.10", "cebae1bdb9cf83cebcce", .truncated),
        s("6.6.11", kosme, .valid),
        s("6.7.1", "00", .valid),
        s("6.7.2", "c280", .valid),
        s("6.7.3", "e0a080", .valid),
        s("6.7.4", "f0908080", .valid),
        s("6.8.1", "f888808080", .invalid(at: 0)),
        s("6.8.2", "fc8480808080", .invalid(at: 0)),
        s("6.9.1", "7f", .valid),
        s("6.9.2", "dfbf", .valid),
        s("6.9.3", "efbfbf", .valid),
        s("6.9.4", "f48fbfbf", .valid),
        s("6.10.1", "f7bfbfbf", .invalid(at: 0)),
        s("6.10.2", "fbbfbfbfbf", .invalid(at: 0)),
        s("6.10.3", "fdbfbfbfbfbf", .invalid(at: 0)),
        s("6.11.1", "ed9fbf", .valid),
        s("6.11.2", "ee8080", .valid),
        s("6.11.3", "efbfbd", .valid),
        s("6.11.4", "f48fbfbf", .valid),
        s("6.11.5", "f4908080", .invalid(at: 1)),
        s("6.12.1", "80", .invalid(at: 0)),
        s("6.12.2", "bf", .invalid(at: 0)),
        s("6.12.3", "80bf", .invalid(at: 0)),
        s("6.12.4", "80bf80", .invalid(at: 0)),
        s("6.12.5", "80bf80bf", .invalid(at: 0)),
        s("6.12.6", "80bf80bf80", .invalid(at: 0)),
        s("6.12.7", "80bf80bf80bf", .invalid(at: 0)),
        Sample(id: "6.12.8", payload: Array(0x80...0xBE), verdict: .invalid(at: 0)),
        Sample(id: "6.13.1", payload: (0xC0...0xDE).flatMap { [UInt8($0), 0x20] }, verdict: .invalid(at: 0)),
        s("6.13.2", "e020e120e220e320e420e520e620e720e820e920ea20eb20ec20ed20ee20", .invalid(at: 1)),
        s("6.13.3", "f020f120f220f320f420f520f620", .invalid(at: 1)),
        s("6.13.4", "f820f920fa20", .invalid(at: 0)),
        s("6.13.5", "fc20", .invalid(at: 0)),
        s("6.14.1", "c0", .invalid(at: 0)),
        s("6.14.2", "e080", .invalid(at: 1)),
        s("6.14.3", "f08080", .invalid(at: 1)),
        s("6.14.4", "f8808080", .invalid(at: 0)),
        s("6.14.5", "fc80808080", .invalid(at: 0)),
        s("6.14.6", "df", .truncated),
        s("6.14.7", "efbf", .truncated),
        s("6.14.8", "f7bfbf", .invalid(at: 0)),
        s("6.14.9", "fbbfbfbf", .invalid(at: 0)),
        s("6.14.10", "fdbfbfbfbf", .invalid(at: 0)),
        s("6.15.1", "c0e080f08080f8808080fc80808080dfefbff7bfbffbbfbfbffdbfbfbfbf", .invalid(at: 0)),
        s("6.16.1", "fe", .invalid(at: 0)),
        s("6.16.2", "ff", .invalid(at: 0)),
        s("6.16.3", "fefeffff", .invalid(at: 0)),
        s("6.17.1", "c0af", .invalid(at: 0)),
        s("6.17.2", "e080af", .invalid(at: 1)),
        s("6.17.3", "f08080af", .invalid(at: 1)),
        s("6.17.4", "f8808080af", .invalid(at: 0)),
        s("6.17.5", "fc80808080af", .invalid(at: 0)),
        s("6.18.1", "c1bf", .invalid(at: 0)),
        s("6.18.2", "e09fbf", .invalid(at: 1)),
        s("6.18.3", "f08fbfbf", .invalid(at: 1)),
        s("6.18.4", "f887bfbfbf", .invalid(at: 0)),
        s("6.18.5", "fc83bfbfbfbf", .invalid(at: 0)),
        s("6.19.1", "c080", .invalid(at: 0)),
        s("6.19.2", "e08080", .invalid(at: 1)),
        s("6.19.3", "f0808080", .invalid(at: 1)),
        s("6.19.4", "f880808080", .invalid(at: 0)),
        s("6.19.5", "fc8080808080", .invalid(at: 0)),
        s("6.20.1", "eda080", .invalid(at: 1)),
        s("6.20.2", "edadbf", .invalid(at: 1)),
        s("6.20.3", "edae80", .invalid(at: 1)),
        s("6.20.4", "edafbf", .invalid(at: 1)),
        s("6.20.5", "edb080", .invalid(at: 1)),
        s("6.20.6", "edbe80", .invalid(at: 1)),
        s("6.20.7", "edbfbf", .invalid(at: 1)),
        s("6.21.1", "eda080edb080", .invalid(at: 1)),
        s("6.21.2", "eda080edbfbf", .invalid(at: 1)),
        s("6.21.3", "edadbfedb080", .invalid(at: 1)),
        s("6.21.4", "edadbfedbfbf", .invalid(at: 1)),
        s("6.21.5", "edae80edb080", .invalid(at: 1)),
        s("6.21.6", "edae80edbfbf", .invalid(at: 1)),
        s("6.21.7", "edafbfedb080", .invalid(at: 1)),
        s("6.21.8", "edafbfedbfbf", .invalid(at: 1)),
    ]
        + [
            "efbfbe", "efbfbf", "f09fbfbe", "f09fbfbf", "f0afbfbe", "f0afbfbf", "f0bfbfbe", "f0bfbfbf", "f18fbfbe",
            "f18fbfbf", "f19fbfbe", "f19fbfbf", "f1afbfbe", "f1afbfbf", "f1bfbfbe", "f1bfbfbf", "f28fbfbe", "f28fbfbf",
            "f29fbfbe", "f29fbfbf", "f2afbfbe", "f2afbfbf", "f2bfbfbe", "f2bfbfbf", "f38fbfbe", "f38fbfbf", "f39fbfbe",
            "f39fbfbf", "f3afbfbe", "f3afbfbf", "f3bfbfbe", "f3bfbfbf", "f48fbfbe", "f48fbfbf",
        ].enumerated().map { s("6.22.\($0 + 1)", $1, .valid) }
        + ["efbfb9", "efbfba", "efbfbb", "efbfbc", "efbfbd", "efbfbe", "efbfbf"]
        .enumerated().map { s("6.23.\($0 + 1)", $1, .valid) }

    static func verdict(of result: UTF8Validator.Result) -> Verdict {
        switch result {
        case .valid(atBoundary: true): return .valid
        case .valid(atBoundary: false): return .truncated
        case .invalid(let index): return .invalid(at: index)
        }
    }

    @Test("catalogue payloads, validated in one piece", arguments: catalogue)
    func onePiece(_ sample: Sample) {
        var validator = UTF8Validator()
        #expect(Self.verdict(of: validator.validate(sample.payload)) == sample.verdict)
        #expect(UTF8Validator.isValid(sample.payload) == (sample.verdict == .valid))
        #expect(validator.isComplete == (sample.verdict == .valid))
        if case .invalid(let index) = sample.verdict {
            #expect(validator.failureIndex == index)
        } else {
            #expect(validator.failureIndex == nil)
            #expect(validator.count == sample.payload.count)
        }
    }

    @Test("catalogue payloads, fed one octet at a time: same verdict, same index", arguments: catalogue)
    func byteByByte(_ sample: Sample) {
        var validator = UTF8Validator()
        var last = UTF8Validator.Result.valid(atBoundary: true)
        for octet in sample.payload { last = validator.validate([octet]) }
        #expect(Self.verdict(of: last) == sample.verdict)
        #expect(validator.isComplete == (sample.verdict == .valid))
    }

    @Test("the surrogate payload X stops exactly at octet 12, whatever the pieces")
    func failFastAcrossPieces() {
        let x = bytes("ce ba e1 bd b9 cf 83 ce bc ce b5 ed a0 80 65 64 69 74 65 64")
        var generator = SeededRandom(seed: 6)
        for _ in 0..<50 {
            var validator = UTF8Validator()
            var results: [UTF8Validator.Result] = []
            for piece in randomSplit(x, maxPiece: 5, using: &generator) { results.append(validator.validate(piece)) }
            #expect(results.last == .invalid(index: 12))
            #expect(validator.failureIndex == 12)
            // Every piece before the one holding octet 12 was fine.
            #expect(results.dropLast().allSatisfy { if case .valid = $0 { true } else { $0 == .invalid(index: 12) } })
        }
    }

    @Test("once invalid, it stays invalid at the same index; reset starts over")
    func staysInvalid() {
        var validator = UTF8Validator()
        #expect(validator.validate(Array("ab".utf8) + [0xFF]) == .invalid(index: 2))
        #expect(validator.validate(Array("more valid text".utf8)) == .invalid(index: 2))
        #expect(validator.failureIndex == 2)
        #expect(!validator.isComplete)
        validator.reset()
        #expect(validator.validate(Array("ok".utf8)) == .valid(atBoundary: true))
        #expect(validator.count == 2)
    }

    @Test("a sequence cut inside a code point is not complete until the rest arrives")
    func truncatedThenCompleted() {
        var validator = UTF8Validator()
        #expect(validator.validate(bytes("48 e2 82")) == .valid(atBoundary: false))
        #expect(!validator.isComplete)
        #expect(validator.failureIndex == nil)
        #expect(validator.validate(bytes("ac")) == .valid(atBoundary: true))
        #expect(validator.isComplete)
        #expect(validator.count == 4)
    }

    @Test("empty input is valid and complete")
    func empty() {
        var validator = UTF8Validator()
        #expect(validator.validate([UInt8]()) == .valid(atBoundary: true))
        #expect(validator.isComplete)
        #expect(UTF8Validator.isValid([UInt8]()))
    }

    @Test(
        "long ASCII runs: the bad octet is found at its exact index",
        arguments: [0, 1, 7, 8, 9, 15, 16, 63, 64, 65, 1000, 4095, 65_537])
    func asciiRunWithBadOctet(position: Int) {
        var data = [UInt8](repeating: UInt8(ascii: "a"), count: 70_000)
        data[position] = 0x80
        var validator = UTF8Validator()
        #expect(validator.validate(data) == .invalid(index: position))
        // The same when the run arrives in pieces of 1000.
        var pieced = UTF8Validator()
        var last = UTF8Validator.Result.valid(atBoundary: true)
        for start in stride(from: 0, to: data.count, by: 1000) {
            last = pieced.validate(data[start..<min(start + 1000, data.count)])
        }
        #expect(last == .invalid(index: position))
    }

    @Test("multi-octet code points between ASCII runs, at every alignment")
    func mixedAlignment() {
        for lead in 0..<16 {
            let text = String(repeating: "x", count: lead) + "€κ😀" + String(repeating: "y", count: 20) + "é"
            var validator = UTF8Validator()
            #expect(validator.validate(Array(text.utf8)) == .valid(atBoundary: true), "lead \(lead)")
            var broken = Array(text.utf8)
            broken[lead + 1] = 0x41  // the second octet of "€"
            var v2 = UTF8Validator()
            #expect(v2.validate(broken) == .invalid(index: lead + 1), "lead \(lead)")
        }
        #expect(UTF8Validator.isValid([UInt8](repeating: 0x7F, count: 1 << 20)))
    }

    @Test("agrees with the standard library's UTF-8 decoding on random octet strings")
    func agreesWithStandardLibrary() {
        var generator = SeededRandom(seed: 2024)
        let interesting: [UInt8] = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF,
                                    0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xF8, 0xFE, 0xFF]
        var disagreements: [[UInt8]] = []
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...6, using: &generator)
            let data = (0..<length).map { _ in interesting.randomElement(using: &generator)! }
            let expected = String(validating: data, as: UTF8.self) != nil
            if UTF8Validator.isValid(data) != expected { disagreements.append(data) }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(5))")
    }
}
