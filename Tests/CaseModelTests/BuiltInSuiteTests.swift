import CaseModel
import Foundation
import Testing
import WebSocketWire

@Suite("The built-in suite")
struct BuiltInSuiteTests {
    static func load() throws -> CaseSuite {
        try CaseLoader.loadDirectory(builtInCaseDirectory)
    }

    /// Categories 1, 2, 3, 4, 5, 7 and 10 of the reference, in the reference's order (catalogue §0, §2).
    static let expectedIDs: [String] = {
        func run(_ prefix: String, _ range: ClosedRange<Int>) -> [String] { range.map { "\(prefix)\($0)" } }
        return run("1.1.", 1...8) + run("1.2.", 1...8) + run("2.", 1...11) + run("3.", 1...7)
            + run("4.1.", 1...5) + run("4.2.", 1...5) + run("5.", 1...20)
            + run("7.1.", 1...6) + run("7.3.", 1...6) + ["7.5.1"] + run("7.7.", 1...13) + run("7.9.", 1...9)
            + run("7.13.", 1...2) + ["10.1.1"]
            + (1...5).flatMap { run("12.\($0).", 1...18) } + (1...7).flatMap { run("13.\($0).", 1...18) }
    }()

    @Test("loads exactly the 318 cases of categories 1, 2, 3, 4, 5, 7, 10, 12 and 13, in numeric order")
    func caseIDs() throws {
        let suite = try Self.load()
        #expect(Self.expectedIDs.count == 318)
        #expect(suite.cases.map(\.id.description) == Self.expectedIDs)
    }

    @Test("numeric order: 2.9 < 2.10 < 2.11, 7.9.x < 7.13.x, 9.x < 10.x")
    func numericOrder() throws {
        let suite = try Self.load()
        let ids = suite.cases.map(\.id.description)
        let i = { (id: String) in ids.firstIndex(of: id)! }
        #expect(i("2.9") < i("2.10") && i("2.10") < i("2.11"))
        #expect(i("7.9.9") < i("7.13.1"))
        #expect(ids.last == "13.7.18")
        #expect(suite.ordinal(of: CaseID("1.1.1")!) == 1)
        #expect(suite.ordinal(of: CaseID("2.1")!) == 17)
        #expect(suite[CaseID("5.19")!]?.id.description == "5.19")
        #expect(suite[CaseID("6.1.1")!] == nil)
    }

    @Test("categories and subcategories carry the reference's titles")
    func groups() throws {
        let suite = try Self.load()
        #expect(suite.groups["1"]?.title == "Framing")
        #expect(suite.groups["1.1"]?.title == "Text Messages")
        #expect(suite.groups["2"]?.title == "Pings/Pongs")
        #expect(suite.groups["7"]?.title == "Close Handling")
        #expect(suite.groups["10"]?.title == "Misc")
        let c = try #require(suite[CaseID("1.2.3")!])
        #expect(c.category.id == "1" && c.subcategory?.id == "1.2" && c.subcategory?.title == "Binary Messages")
    }

    @Test(
        "the 1.1 table expands into one case per row with its length, chop size and kill timer",
        arguments: [
            (1, 0, nil, 1.0), (2, 125, nil, 1), (3, 126, nil, 1), (4, 127, nil, 1), (5, 128, nil, 1),
            (6, 65535, nil, 10), (7, 65536, nil, 10), (8, 65536, 997, 10),
        ] as [(Int, Int, Int?, Double)])
    func table1_1(n: Int, length: Int, chop: Int?, kill: Double) throws {
        let suite = try Self.load()
        let c = try #require(suite[CaseID("1.1.\(n)")!])
        let payload = Payload.repeated(.text("*"), length: length)
        #expect(c.steps == [.send(FrameStep(opcode: .text, payload: payload, chop: chop)), .killAfter(seconds: kill)])
        #expect(c.steps.first.map { if case .send(let f) = $0 { f.payload.bytes().count } else { -1 } } == length)
        #expect(c.expected.map(\.outcome) == ["OK"])
        #expect(c.expected.first?.events == [.message(payload, binary: false)])
        #expect(c.close == CloseExpectation(closedByClient: true, codes: [1000], requireClean: true))
        #expect(c.autoClose)
        #expect(!c.description.contains("{") && !c.expectation.contains("{"), "parameters are substituted")
        #expect(c.expectation.contains("(\(length) bytes)"))
    }

    @Test("spot checks against the catalogue tables")
    func spotChecks() throws {
        let suite = try Self.load()
        func c(_ id: String) throws -> CaseDefinition { try #require(suite[CaseID(id)!]) }

        // 2.3: a ping with binary payload; pong expected; close timer 1.
        #expect(try c("2.3").steps == [
            .send(FrameStep(opcode: .ping, payload: .bytes([0x00, 0xFF, 0xFE, 0xFD, 0xFC, 0xFB, 0x00, 0xFF]))),
            .closeAfter(seconds: 1),
        ])
        // 2.11: ten pings, each chopped into 1-octet writes, ten pongs in order.
        let c211 = try c("2.11")
        #expect(c211.steps.count == 11)
        #expect(c211.steps.prefix(10) == ArraySlice((0..<10).map {
            Step.send(FrameStep(opcode: .ping, payload: .text("payload-\($0)"), chop: 1))
        }))
        #expect(c211.expected.first?.events == (0..<10).map { ExpectedEvent.pong(.text("payload-\($0)")) })
        // 3.2: two outcomes, server must fail with 1002.
        let c32 = try c("3.2")
        #expect(c32.expected.map(\.outcome).sorted() == ["NON-STRICT", "OK"])
        #expect(c32.close == CloseExpectation(closedByClient: false, codes: [1002], requireClean: false))
        // 4.2.1: reserved control opcode 11.
        #expect(try c("4.2.1").steps.first == .send(FrameStep(opcode: Opcode(rawValue: 11))))
        // 5.19: two phases around a one-second pause.
        let c519 = try c("5.19")
        #expect(c519.steps[3] == .pause(seconds: 1, tag: nil))
        #expect(c519.steps.last == .closeAfter(seconds: 1))
        #expect(try c("5.20").steps.allSatisfy { if case .send(let f) = $0 { f.sync } else { true } })
        // 7.1.6: informational, result per outcome.
        let c716 = try c("7.1.6")
        #expect(c716.verdict.informational)
        #expect(c716.verdict.results["NON-STRICT"] == "Close was processed before text message could be returned.")
        #expect(c716.steps.first == .send(FrameStep(opcode: .text, payload: .text("BAsd7&jh23"), repeatLength: 262_144)))
        // 7.5.1: a close reason that is not UTF-8 is sent with close-frame.
        let c751 = try c("7.5.1")
        #expect(c751.close.codes == [1002, 1007])
        guard case .closeFrame(1000, let reason?) = c751.steps.first else {
            Issue.record("7.5.1 starts with a close-frame with code 1000 and a reason")
            return
        }
        #expect(reason.bytes() == bytes("ce ba e1 bd b9 cf 83 ce bc ce b5 ed a0 80 65 64 69 74 65 64"))
        // 7.13.x: informational, fixed result text.
        #expect(try c("7.13.1").verdict.result == "Actual events are undefined by the spec.")
        #expect(try c("7.13.1").close.codes == [1000, 5000, 1002])
        // Category 7 makes a wrong close code fail the case.
        #expect(try c("7.1.1").verdict.wrongCodeFails)
        // 10.1.1: wsspec checks its own frames.
        let c1011 = try c("10.1.1")
        #expect(c1011.verdict.txFrames == [0: 50, 1: 1])
        #expect(c1011.steps.first == .message(MessageStep(binary: false, payload: .repeated(.text("*"), length: 65536), fragmentSize: 1300)))
    }

    // MARK: Against the reference run

    static let referenceDirectory: URL? = {
        let repository = builtInCaseDirectory.deletingLastPathComponent()
        return [
            repository.deletingLastPathComponent().appendingPathComponent("shared/reference/wstest-websockets"),
            URL(fileURLWithPath: "/work/shared/reference/wstest-websockets"),
        ].first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("index.json").path) }
    }()

    /// The reference's text preview of a payload (catalogue §1.7).
    static func preview(_ data: [UInt8]) -> String {
        let shown = data.count > 60 ? Array(data.prefix(64)) : data
        let suffix = data.count > 60 ? " ..." : ""
        if let text = String(validating: shown, as: UTF8.self) { return text + suffix }
        return "0x" + shown.map { String(format: "%02x", $0) }.joined() + suffix
    }

    /// An event as one line: `message|<preview>|<binary>`, `pong|<preview>`, `timeout|<tag>`.
    static func line(_ event: ExpectedEvent) -> String {
        switch event {
        case .message(let p, let binary): return "message|\(preview(p.bytes()))|\(binary)"
        case .pong(let p): return "pong|\(preview(p.bytes()))"
        case .timeout(let tag): return "timeout|\(tag)"
        }
    }

    /// A reference event (`["message", preview, isBinary]`, …) as one line.
    static func line(reference event: [Any]) -> String {
        event.map { item in
            if let s = item as? String { return s }
            if let n = item as? NSNumber { return n.boolValue ? "true" : "false" }
            return "\(item)"
        }.joined(separator: "|")
    }

    @Test(
        "expected events, expected close and timers equal the reference run's, case by case",
        .enabled(if: referenceDirectory != nil, "the reference run is not on this machine"))
    func matchesReferenceRun() throws {
        let suite = try Self.load()
        let directory = try #require(Self.referenceDirectory)
        for c in suite.cases {
            let name = "websockets_case_\(c.id.description.replacingOccurrences(of: ".", with: "_")).json"
            // The reference run keeps only four per-case files of categories 12 and 13.
            if ["12", "13"].contains(c.id.category),
                !FileManager.default.fileExists(atPath: directory.appendingPathComponent(name).path)
            {
                continue
            }
            let data = try Data(contentsOf: directory.appendingPathComponent(name))
            let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])

            let expectedClose = try #require(json["expectedClose"] as? [String: Any])
            #expect(expectedClose["closedByMe"] as? Bool == c.close.closedByClient, "\(c.id) closedByMe")
            #expect(expectedClose["closeCode"] as? [Int] == c.close.codes, "\(c.id) closeCode")
            #expect(expectedClose["requireClean"] as? Bool == c.close.requireClean, "\(c.id) requireClean")
            #expect((expectedClose["closedByWrongEndpointIsFatal"] as? Bool ?? false) == c.close.wrongEndpointIsFatal,
                    "\(c.id) closedByWrongEndpointIsFatal")

            let expected = try #require(json["expected"] as? [String: [[Any]]])
            #expect(Set(expected.keys) == Set(c.expected.map(\.outcome)), "\(c.id) outcomes")
            for (outcome, events) in c.expected {
                let reference = (expected[outcome] ?? []).map { Self.line(reference: $0) }
                #expect(reference == events.map { Self.line($0) }, "\(c.id) \(outcome)")
            }

            let timers = (json["wirelog"] as? [[Any]] ?? []).compactMap { entry -> String? in
                guard let kind = entry.first as? String, ["KL", "TI", "CT"].contains(kind) else { return nil }
                let seconds = (entry[1] as? NSNumber)?.doubleValue ?? -1
                return kind == "CT" ? "CT \(seconds) \(entry[2] as? String ?? "None")" : "\(kind) \(seconds)"
            }
            let steps = c.steps.compactMap { step -> String? in
                switch step {
                case .killAfter(let s): return "KL \(s)"
                case .closeAfter(let s): return "TI \(s)"
                case .pause(let s, let tag): return "CT \(s) \(tag ?? "None")"
                case .messageLoop(let loop): return "TI \(loop.timeout)"
                default: return nil
                }
            }
            #expect(timers == steps, "\(c.id) timers")
        }
    }
}

@Suite("CaseID")
struct CaseIDTests {
    @Test("IDs compare component by component as numbers")
    func ordering() {
        let sorted = ["10.1.1", "2.10", "9.8.6", "2.9", "2.11", "1.1.1", "6.4.4", "6.5.1", "12.1.1"]
            .map { CaseID($0)! }.sorted().map(\.description)
        #expect(sorted == ["1.1.1", "2.9", "2.10", "2.11", "6.4.4", "6.5.1", "9.8.6", "10.1.1", "12.1.1"])
        #expect(CaseID("2")! < CaseID("2.1")!)
    }

    @Test("category and subcategory", arguments: [("6.4.3", "6", "6.4"), ("5.19", "5", nil), ("10.1.1", "10", "10.1")])
    func parts(id: String, category: String, subcategory: String?) {
        #expect(CaseID(id)?.category == category)
        #expect(CaseID(id)?.subcategory == subcategory)
    }

    @Test("text that is not a dotted number is no ID", arguments: ["", "1.", ".1", "1..2", "a", "1.a", "-1", "1. 2", "１.2"])
    func invalid(text: String) {
        #expect(CaseID(text) == nil)
    }
}
