import CaseModel
import Testing

@Suite("CaseSelection")
struct CaseSelectionTests {
    static let suite = stubSuite([
        "1.1.1", "1.1.2", "1.2.1", "2.1", "2.10", "9.1.1", "9.2.3", "10.1.1", "12.1.1", "19.1",
    ])

    static func select(_ include: [String], exclude: [String] = []) throws -> [String] {
        try CaseSelection(include: include, exclude: exclude).select(from: suite).map(\.id.description)
    }

    @Test("'*' selects everything, in numeric order")
    func everything() throws {
        #expect(try Self.select(["*"]) == Self.suite.cases.map(\.id.description))
        #expect(try Self.select(["*"]) == ["1.1.1", "1.1.2", "1.2.1", "2.1", "2.10", "9.1.1", "9.2.3", "10.1.1", "12.1.1", "19.1"])
    }

    @Test("a pattern matches from the start of the ID only: '1*' also selects 10.x, 12.x and 19.x")
    func prefixMatch() throws {
        #expect(try Self.select(["1*"]) == ["1.1.1", "1.1.2", "1.2.1", "10.1.1", "12.1.1", "19.1"])
        #expect(try Self.select(["1.*"]) == ["1.1.1", "1.1.2", "1.2.1"])
        // Not anchored at the end: '*.1' selects every ID with ".1" anywhere after its start.
        #expect(try Self.select(["*.1"]) == ["1.1.1", "1.1.2", "1.2.1", "2.1", "2.10", "9.1.1", "10.1.1", "12.1.1", "19.1"])
    }

    @Test("'9.*' selects category 9 only: the dot is literal")
    func dotIsLiteral() throws {
        #expect(try Self.select(["9.*"]) == ["9.1.1", "9.2.3"])
        #expect(CaseSelection.matches(pattern: "1.1*", id: "1.1.1"))
        #expect(!CaseSelection.matches(pattern: "1.1*", id: "1x1.1"))
        #expect(!CaseSelection.matches(pattern: "1.*", id: "10.1.1"))
    }

    @Test("an ID without '*' selects exactly that case")
    func literal() throws {
        #expect(try Self.select(["2.1"]) == ["2.1"])
        #expect(try Self.select(["2.10", "1.1.2"]) == ["1.1.2", "2.10"])
        #expect(!CaseSelection.matches(pattern: "1.1", id: "1.1.1"))
        #expect(!CaseSelection.matches(pattern: "2.1", id: "2.10"))
    }

    @Test("patterns overlap without duplicates; excludes are subtracted")
    func excludes() throws {
        #expect(try Self.select(["1.*", "1.1.*"]) == ["1.1.1", "1.1.2", "1.2.1"])
        #expect(try Self.select(["*"], exclude: ["1*", "2.10"]) == ["2.1", "9.1.1", "9.2.3"])
        #expect(try Self.select(["1*"], exclude: ["1.1.1"]) == ["1.1.2", "1.2.1", "10.1.1", "12.1.1", "19.1"])
    }

    @Test("an unknown literal ID is an error that names it")
    func unknownLiteral() {
        #expect {
            try Self.select(["2.1", "2.12"])
        } throws: { error in
            "\(error)".contains("'2.12'")
        }
        #expect(throws: CaseSelection.Problem.self) { try Self.select(["1.1"]) }
    }

    @Test("a pattern that selects nothing is an error that names it; so is an exclude")
    func emptyPattern() throws {
        do {
            _ = try Self.select(["3.*", "1.*"], exclude: ["7*"])
            Issue.record("expected an error")
        } catch let problem as CaseSelection.Problem {
            #expect(problem.description.contains("'3.*'"))
            #expect(problem.description.contains("'7*'"))
            #expect(!problem.description.contains("'1.*'"))
        }
    }

    @Test("on the built-in suite: '1*' gives categories 1, 10, 12 and 13; '9.*' only category 9; '11.*' is an error")
    func builtIn() throws {
        let suite = try CaseLoader.loadDirectory(builtInCaseDirectory)
        let ids = try CaseSelection(include: ["1*"]).select(from: suite).map(\.id.description)
        #expect(ids.count == 17 + 216)
        #expect(ids.contains("10.1.1") && ids.last == "13.7.18")
        #expect(try CaseSelection(include: ["*"], exclude: ["7.*"]).select(from: suite).count == 301 - 37 + 216)
        #expect(try CaseSelection(include: ["9.*"]).select(from: suite).count == 54)
        #expect(throws: CaseSelection.Problem.self) { try CaseSelection(include: ["11.*"]).select(from: suite) }
    }

    @Test("matchesWhole is anchored at both ends, as exclude-agent-cases matches")
    func matchesWhole() {
        #expect(CaseSelection.matchesWhole(pattern: "1.*", text: "1.1.1"))
        #expect(!CaseSelection.matchesWhole(pattern: "1.1", text: "1.1.1"))
        #expect(CaseSelection.matchesWhole(pattern: "1.1", text: "1.1"))
        #expect(!CaseSelection.matchesWhole(pattern: "1.1", text: "1x1"))
        #expect(CaseSelection.matchesWhole(pattern: "websockets*", text: "websockets/17.4"))
        #expect(!CaseSelection.matchesWhole(pattern: "websockets", text: "websockets/17.4"))
        #expect(CaseSelection.matchesWhole(pattern: "*sockets", text: "websockets"))
        #expect(!CaseSelection.matchesWhole(pattern: "*socket", text: "websockets"))
        #expect(CaseSelection.matchesWhole(pattern: "*", text: ""))
        #expect(CaseSelection.matchesWhole(pattern: "a*b*c", text: "aXXbYYc"))
        #expect(!CaseSelection.matchesWhole(pattern: "a*b*c", text: "aXXbYYcd"))
    }

    @Test("command-line lists are split at commas and trimmed")
    func patternsFromArguments() {
        #expect(CaseSelection.patterns(["1.*, 2.*", "3.1", " ,", "4.*,"]) == ["1.*", "2.*", "3.1", "4.*"])
    }
}
