import CaseModel
import Foundation
import Testing
import WebSocketWire

@Suite("CaseLoader")
struct CaseLoaderTests {
    /// A valid file with one case; tests break one thing in it.
    static let valid = """
        category: { id: "2", title: Pings/Pongs }
        cases:
          - id: "2.2"
            description: A ping with a text payload.
            expectation: A pong with the same payload.
            steps:
              - send: { opcode: ping, payload: "Hello, world!" }
              - close-after: 1
            expect:
              OK: [ pong: "Hello, world!" ]
            close: { by: client, codes: [1000], clean: true }

        """

    static func breaking(_ original: String, _ replacement: String) -> String {
        precondition(valid.contains(original))
        return valid.replacingOccurrences(of: original, with: replacement)
    }

    /// Expects exactly one problem, at the place where `marker` is written, with a message containing `words`.
    static func expectProblem(
        in yaml: String, at marker: String, message words: [String], sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) {
        let found = problems(loading: yaml, file: "pings.yaml")
        #expect(found.count == 1, "\(found)", sourceLocation: sourceLocation)
        guard let problem = found.first else { return }
        let (line, column) = position(of: marker, in: yaml)
        #expect(problem.location == CaseModel.SourceLocation(file: "pings.yaml", line: line, column: column),
                "\(problem)", sourceLocation: sourceLocation)
        for word in words {
            #expect(problem.message.contains(word), "'\(problem.message)' should mention \(word)", sourceLocation: sourceLocation)
        }
        #expect(problem.description == "pings.yaml:\(line):\(column): error: \(problem.message)", sourceLocation: sourceLocation)
    }

    @Test("the valid file loads into one case with its steps and expectations")
    func loadsValid() throws {
        let suite = try CaseLoader.load(yaml: Self.valid, file: "pings.yaml")
        #expect(suite.cases.count == 1)
        let c = try #require(suite.cases.first)
        #expect(c.id == CaseID("2.2"))
        #expect(c.steps == [.send(FrameStep(opcode: .ping, payload: .text("Hello, world!"))), .closeAfter(seconds: 1)])
        #expect(c.expected.first?.events == [.pong(.text("Hello, world!"))])
        #expect(c.source == CaseModel.SourceLocation(file: "pings.yaml", line: 3, column: 5))
        #expect(suite.groups["2"] == CaseGroup(id: "2", title: "Pings/Pongs"))
    }

    @Test("a YAML syntax error points at the place libyaml stopped")
    func yamlSyntax() throws {
        let yaml = Self.breaking("close: { by: client, codes: [1000], clean: true }", "close: { by: client, codes: [1000, clean: true }")
        let found = problems(loading: yaml, file: "pings.yaml")
        let problem = try #require(found.first)
        #expect(found.count == 1)
        #expect(problem.message.hasPrefix("YAML syntax"), "\(problem)")
        #expect(problem.location.file == "pings.yaml")
        #expect(problem.location.line == position(of: "close:", in: yaml).line, "\(problem)")
        #expect(problem.location.column > 1)
    }

    @Test("an unknown step is named, with the steps there are")
    func unknownStep() {
        Self.expectProblem(
            in: Self.breaking("- close-after: 1", "- close-later: 1"), at: "close-later",
            message: ["unknown step 'close-later'", "close-after", "kill-after"])
    }

    @Test("rfc and requirement load; a requirement must be one line")
    func requirement() throws {
        let yaml = Self.breaking(
            "    steps:", "    rfc: \"6455 §5.5.2\"\n    requirement: A Ping MUST be answered with a Pong.\n    steps:")
        let c = try #require(try CaseLoader.load(yaml: yaml, file: "pings.yaml").cases.first)
        #expect(c.rfc == "6455 §5.5.2")
        #expect(c.requirement == "A Ping MUST be answered with a Pong.")
        Self.expectProblem(
            in: Self.breaking("    steps:", "    requirement: \"two\\nlines\"\n    steps:"), at: "\"two",
            message: ["'requirement' must be one line"])
    }

    @Test("every case of the built-in suite names its clause and what it requires")
    func builtInRequirements() throws {
        let suite = try CaseSuite.load(directory: builtInCaseDirectory)
        for c in suite.cases {
            #expect(c.rfc != nil && c.requirement != nil, "\(c.id) lacks rfc or requirement")
        }
    }

    @Test("an unknown key of a case is named, with the keys there are")
    func unknownKey() {
        Self.expectProblem(
            in: Self.breaking("    expectation:", "    expectations:"), at: "expectations:",
            message: ["unknown key 'expectations'", "expectation"])
    }

    @Test("an unknown key inside a step is named")
    func unknownStepKey() {
        Self.expectProblem(
            in: Self.breaking("{ opcode: ping, payload:", "{ opcode: ping, paylod:"), at: "paylod",
            message: ["unknown key 'paylod'", "payload"])
    }

    @Test("text where a number is expected")
    func wrongType() {
        Self.expectProblem(
            in: Self.breaking("- close-after: 1", "- close-after: soon"), at: "soon",
            message: ["number of seconds", "'soon'"])
        Self.expectProblem(
            in: Self.breaking("{ opcode: ping, payload:", "{ opcode: ping, rsv: four, payload:"), at: "four",
            message: ["whole number", "'four'"])
        Self.expectProblem(
            in: Self.breaking("codes: [1000]", "codes: [normal]"), at: "normal", message: ["whole number", "'normal'"])
    }

    @Test("a value out of its range")
    func outOfRange() {
        Self.expectProblem(
            in: Self.breaking("{ opcode: ping, payload:", "{ opcode: ping, rsv: 8, payload:"), at: "8,",
            message: ["8 is out of range 0…7"])
        Self.expectProblem(
            in: Self.breaking("{ opcode: ping, payload:", "{ opcode: 16, payload:"), at: "16",
            message: ["opcode", "'16'"])
    }

    @Test("a missing required key")
    func missingKey() {
        let yaml = Self.breaking("    close: { by: client, codes: [1000], clean: true }\n", "")
        Self.expectProblem(in: yaml, at: "id: \"2.2\"", message: ["missing key 'close'"])
    }

    @Test("hex with an odd number of digits")
    func hexOddLength() {
        Self.expectProblem(
            in: Self.breaking("payload: \"Hello, world!\" }", "payload: { hex: \"00 ff f\" } }"), at: "\"00 ff f\"",
            message: ["even number of digits"])
    }

    @Test("hex with a digit that is not hex")
    func hexBadDigit() {
        Self.expectProblem(
            in: Self.breaking("payload: \"Hello, world!\" }", "payload: { hex: \"00 fg\" } }"), at: "\"00 fg\"",
            message: ["'fg' is not a hex byte"])
    }

    @Test("a case ID outside the file's category")
    func wrongCategory() {
        Self.expectProblem(
            in: Self.breaking("id: \"2.2\"", "id: \"3.2\""), at: "\"3.2\"", message: ["case 3.2", "category 2"])
    }

    @Test("a normal close with a code the RFC reserves is refused (close-frame is for that)")
    func normalCloseCode() {
        Self.expectProblem(
            in: Self.breaking("- close-after: 1", "- close: { code: 1005 }"), at: "1005", message: ["close-frame", "1005"])
    }

    // MARK: Tables

    static let table = """
        category: { id: "2", title: Pings/Pongs }
        cases:
          - id: "2.{n}"
            table:
              columns: [n, size, chop]
              rows:
                - [1, 3, ~]
                - [2, 125, 1]
            description: A ping of {size} octets.
            expectation: A pong of {size} octets.
            steps:
              - send: { opcode: ping, payload: { repeat: "x", length: "{size}" }, chop: "{chop}" }
              - close-after: 1
            expect:
              OK: [ pong: { repeat: "x", length: "{size}" } ]
            close: { by: client, codes: [1000], clean: true }

        """

    @Test("a table gives one case per row; `~` means absent; values keep their type")
    func tableExpansion() throws {
        let suite = try CaseLoader.load(yaml: Self.table, file: "t.yaml")
        #expect(suite.cases.map(\.id.description) == ["2.1", "2.2"])
        #expect(suite.cases.map(\.description) == ["A ping of 3 octets.", "A ping of 125 octets."])
        #expect(suite.cases[0].steps.first == .send(FrameStep(opcode: .ping, payload: .repeated(.text("x"), length: 3))))
        #expect(suite.cases[1].steps.first == .send(FrameStep(opcode: .ping, payload: .repeated(.text("x"), length: 125), chop: 1)))
        #expect(suite.cases[1].expected.first?.events == [.pong(.repeated(.text("x"), length: 125))])
    }

    @Test("a {parameter} that is not a column of the table")
    func unknownParameter() {
        let yaml = Self.table.replacingOccurrences(of: "A pong of {size} octets.", with: "A pong of {length} octets.")
        let found = problems(loading: yaml)
        // Reported once per row.
        #expect(found.count == 2)
        let (line, column) = position(of: "A pong of {length}", in: yaml)
        for problem in found {
            #expect(problem.message.contains("'{length}'") && problem.message.contains("not a column"), "\(problem)")
            #expect(problem.location.line == line && problem.location.column == column, "\(problem)")
        }
    }

    @Test("a row with the wrong number of values")
    func wrongRowLength() {
        let yaml = Self.table.replacingOccurrences(of: "- [2, 125, 1]", with: "- [2, 125]")
        let found = problems(loading: yaml)
        #expect(found.count == 1)
        let (line, column) = position(of: "[2, 125]", in: yaml)
        #expect(found.first?.location.line == line && found.first?.location.column == column, "\(found)")
        #expect(found.first?.message.contains("2 values but the table has 3 columns") == true, "\(found)")
    }

    // MARK: Many problems, many files

    @Test("every problem of a file is reported at once")
    func manyProblems() {
        let yaml = """
            category: { id: "2", title: Pings/Pongs }
            cases:
              - id: "2.1"
                description: d
                expectation: e
                steps: [ sned: { opcode: ping } ]
                expect: { OK: [] }
                close: { by: client, codes: [1000], clean: true }
              - id: "2.2"
                description: d
                expectation: e
                steps: [ send: { opcode: ping, payload: { hex: "zz" } } ]
                expect: { OK: [] }
                close: { by: client, codes: [1000], clean: true }
              - id: "2.3"
                description: d
                expectation: e
                steps: []
                expect: { OK: [] }
                close: { by: nobody, codes: [1000], clean: true }
              - id: "2.4"
                description: a good one
                expectation: e
                steps: []
                expect: { OK: [] }
                close: { by: server, codes: [1002], clean: false }

            """
        let found = problems(loading: yaml)
        #expect(found.map(\.location.line) == [6, 12, 20])
        #expect(found.count == 3)
        #expect(found.count == 3 && found[0].message.contains("sned") && found[1].message.contains("'zz'")
            && found[2].message.contains("'by'"), "\(found)")
    }

    @Test("a directory: problems of every file together, with file names relative to the folder")
    func directoryProblems() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.write("a.yaml", Self.breaking("- close-after: 1", "- close-after: soon"))
        try folder.write("b.yml", Self.breaking("id: \"2.2\"", "id: \"3.2\""))
        try folder.write("notes.txt", "not a case file")
        do {
            _ = try CaseLoader.loadDirectory(folder.url)
            Issue.record("loading should fail")
        } catch let error as CaseLoadError {
            let name = folder.url.lastPathComponent
            #expect(error.problems.map(\.location.file) == ["\(name)/a.yaml", "\(name)/b.yml"])
            #expect(error.description.split(separator: "\n").count == 2)
            #expect(error.description.contains("\(name)/a.yaml:8:"))
        }
    }

    @Test("the same case ID in two files is an error that names both places")
    func duplicateAcrossFiles() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.write("a.yaml", Self.valid)
        try folder.write("b.yaml", Self.valid)
        let name = folder.url.lastPathComponent
        do {
            _ = try CaseLoader.loadDirectory(folder.url)
            Issue.record("loading should fail")
        } catch let error as CaseLoadError {
            #expect(error.problems.count == 1)
            let problem = try #require(error.problems.first)
            #expect(problem.location == CaseModel.SourceLocation(file: "\(name)/b.yaml", line: 3, column: 5))
            #expect(problem.message.contains("duplicate case ID 2.2"), "\(problem)")
            #expect(problem.message.contains("\(name)/a.yaml:3:5"), "\(problem)")
        }
    }

    @Test("a folder that does not exist")
    func missingFolder() {
        #expect(throws: CaseLoadError.self) {
            try CaseLoader.loadDirectory(URL(fileURLWithPath: "/nonexistent/wsspec-cases"))
        }
    }

    @Test("merging suites refuses a clashing ID and keeps the rest in order")
    func merging() throws {
        let base = stubSuite(["1.1.1", "2.1"])
        let merged = try base.merging(stubSuite(["1.10", "1.9"]))
        #expect(merged.cases.map(\.id.description) == ["1.1.1", "1.9", "1.10", "2.1"])
        #expect(throws: CaseLoadError.self) { try base.merging(stubSuite(["2.1"])) }
    }

    @Test("payload forms: text, hex, repeat, concat")
    func payloadForms() {
        let p = Payload.concat([.text("ab"), .bytes([0xFF]), .repeated(.bytes([1, 2]), length: 5), .empty])
        #expect(p.bytes() == [0x61, 0x62, 0xFF, 1, 2, 1, 2, 1])
        #expect(p.count == 8)
        #expect(Payload.repeated(.empty, length: 10).count == 0)
        #expect(Payload.repeated(.text("*"), length: 65536).count == 65536)
    }
}
