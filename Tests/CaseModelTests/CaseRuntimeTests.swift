import CaseModel
import Foundation
import Testing
import WebSocketWire

@Suite("What a case needs at run time")
struct CaseRuntimeTests {
    static func file(category: String) -> String {
        CaseLoaderTests.valid.replacingOccurrences(of: #"category: { id: "2", title: Pings/Pongs }"#, with: category)
    }

    @Test("runs-alone and reports-time are read from the category header; both default to false")
    func categoryFields() throws {
        let plain = try CaseLoader.load(yaml: CaseLoaderTests.valid, file: "pings.yaml")
        #expect(plain.cases[0].runtime.runsAlone == false && plain.cases[0].reportsTime == false)
        let marked = try CaseLoader.load(
            yaml: Self.file(category: #"category: { id: "2", title: Pings/Pongs, runs-alone: true, reports-time: true }"#),
            file: "pings.yaml")
        #expect(marked.cases[0].runtime.runsAlone && marked.cases[0].reportsTime)
        #expect(marked.groups["2"] == CaseGroup(id: "2", title: "Pings/Pongs", runsAlone: true, reportsTime: true))
    }

    @Test("a wrong value, or the fields on a subcategory, are errors at their place")
    func categoryFieldErrors() {
        let yaml = Self.file(category: #"category: { id: "2", title: Pings/Pongs, runs-alone: sometimes }"#)
        CaseLoaderTests.expectProblem(in: yaml, at: "sometimes", message: ["expected true or false", "sometimes"])
        let unknown = Self.file(category: #"category: { id: "2", title: Pings/Pongs, runs-alon: true }"#)
        CaseLoaderTests.expectProblem(in: unknown, at: "runs-alon:", message: ["unknown key 'runs-alon'", "runs-alone", "reports-time"])
        let sub = Self.file(
            category: "category: { id: \"2\", title: Pings/Pongs }\nsubcategories:\n  - { id: \"2.1\", title: S, reports-time: true }")
        CaseLoaderTests.expectProblem(in: sub, at: "reports-time", message: ["belongs to the category"])
    }

    @Test("the built-in suite: 9.x, 12.x and 13.x run alone and report their time, no other category does")
    func builtIn() throws {
        let suite = try CaseLoader.loadDirectory(builtInCaseDirectory)
        for c in suite.cases {
            let measured = ["9", "12", "13"].contains(c.id.category)
            #expect(c.runtime.runsAlone == measured && c.reportsTime == measured, "\(c.id)")
        }
        // @chopped: the chopped or synced cases the server must fail (3.4, 4.1.5, 4.2.5), not those it echoes.
        let chopped = Set(suite.cases.filter(\.runtime.isChopped).map(\.id.description))
        #expect(chopped.isSuperset(of: ["3.4", "4.1.5", "4.2.5"]))
        #expect(chopped.isDisjoint(with: ["1.1.8", "5.19", "9.5.1"]))
    }

    @Test("the deadline: the protocol's timeouts and margin, then each timer of the case scaled, in step order")
    func deadline() {
        var c = stubCase("5.19")
        c.steps = [
            .pause(seconds: 1, tag: nil), .closeAfter(seconds: 0.1), .killAfter(seconds: 2),
            .messageLoop(MessageLoopStep(data: "d", text: true, size: 1, count: 1, timeout: 100, compressed: false)),
        ]
        let d = c.runtime.deadline(openHandshake: 5, closeHandshake: 1, serverDrop: 1, margin: 10, timerScale: 3)
        var expected: Double = 5 + 1 + 1 + 10
        for nominal in [1, 0.1, 2, 100] { expected += nominal * 3 }
        #expect(d == expected)
    }

    @Test("the runtime follows the fields it is derived from")
    func followsChanges() {
        var c = stubCase("1.1")
        #expect(c.runtime.expectedSeconds() == 0.002)
        c.steps = [.pause(seconds: 2, tag: nil)]
        #expect(abs(c.runtime.expectedSeconds() - 2.002) < 1e-9)
        c.steps = [.send(FrameStep(opcode: .text, payload: .text("x"), sync: true))]
        #expect(c.runtime.writesInPieces && !c.runtime.isChopped)
        c.close = CloseExpectation(closedByClient: false, codes: [1002], requireClean: false)
        #expect(c.runtime.isChopped)
        c.category.runsAlone = true
        #expect(c.runtime.runsAlone)
    }
}
