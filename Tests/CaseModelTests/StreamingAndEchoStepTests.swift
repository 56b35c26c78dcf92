import CaseModel
import Testing
import WebSocketWire

/// The steps and keys categories 6 and 9 added: `frame-begin`/`frame-data`, silent `wirelog`, `echo`.
@Suite("Case files: streamed frames, echo checks, silent wire log")
struct StreamingAndEchoStepTests {
    static func file(steps: String, rest: String = "expect: { OK: [] }") -> String {
        """
        category: { id: "6", title: T }
        cases:
          - id: "6.4.3"
            description: d
            expectation: e
            steps:
        \(steps)
            \(rest)
            close: { by: server, codes: [1007], clean: false }
        """
    }

    static func load(_ yaml: String) throws -> CaseDefinition {
        try #require(try CaseLoader.load(yaml: yaml, file: "t.yaml").cases.first)
    }

    @Test("frame-begin writes a header with a declared length; frame-data pieces follow")
    func streamed() throws {
        let c = try Self.load(Self.file(steps: """
                  - frame-begin: { opcode: text, fin: false, length: 5 }
                  - frame-data: "ab"
                  - pause: { seconds: 1, tag: A }
                  - frame-data: { hex: "636465" }
            """))
        #expect(c.steps == [
            .frameBegin(FrameBeginStep(opcode: .text, fin: false, length: 5)), .frameData(.text("ab")),
            .pause(seconds: 1, tag: "A"), .frameData(.bytes(Array("cde".utf8))),
        ])
    }

    @Test("frame-data without a frame-begin, or beyond its length, is an error at the step")
    func streamedErrors() {
        let orphan = Self.file(steps: "          - frame-data: \"ab\"")
        #expect(problems(loading: orphan).map(\.message) == ["frame-data needs a frame-begin before it"])
        #expect(problems(loading: orphan).first?.location.line == 7)

        let tooLong = Self.file(steps: """
                  - frame-begin: { opcode: text, length: 2 }
                  - frame-data: "ab"
                  - frame-data: "c"
            """)
        #expect(problems(loading: tooLong).map(\.message) == ["frame-data writes 1 octets but the frame has only 0 left"])
        #expect(problems(loading: tooLong).first?.location.line == 9)

        let closed = Self.file(steps: """
                  - frame-begin: { opcode: text, length: 2 }
                  - send: { opcode: ping }
                  - frame-data: "ab"
            """)
        #expect(problems(loading: closed).map(\.message) == ["frame-data needs a frame-begin before it"])
    }

    @Test("wirelog: a flag (announced with a WLM entry) or { enabled, silent }")
    func wirelog() throws {
        let c = try Self.load(Self.file(steps: """
                  - wirelog: false
                  - wirelog: { enabled: true, silent: true }
            """))
        #expect(c.steps == [.wirelog(false, silent: false), .wirelog(true, silent: true)])
    }

    @Test("echo replaces expect; rounds default to one")
    func echo() throws {
        let single = try Self.load(Self.file(steps: "          - send: { opcode: text, payload: a }", rest: "echo: { within: 10 }"))
        #expect(single.echo == EchoCheck(within: 10, rounds: 1))
        #expect(single.expected.isEmpty)
        let loop = try Self.load(Self.file(steps: "          - send: { opcode: text, payload: a }", rest: "echo: { within: 60, rounds: 1000 }"))
        #expect(loop.echo == EchoCheck(within: 60, rounds: 1000))
    }

    @Test("a case needs expect or echo, not both and not neither")
    func expectOrEcho() {
        let both = Self.file(steps: "          - send: { opcode: text }", rest: "expect: { OK: [] }\n    echo: { within: 1 }")
        #expect(problems(loading: both).map(\.message) == ["a case has either 'expect' or 'echo', not both"])
        let neither = Self.file(steps: "          - send: { opcode: text }", rest: "")
        #expect(problems(loading: neither).map(\.message)
            == ["a case needs 'expect' (the events that must arrive) or 'echo'"])
        let badRounds = Self.file(steps: "          - send: { opcode: text }", rest: "echo: { within: 1, rounds: 0 }")
        #expect(problems(loading: badRounds).count == 1)
    }
}
