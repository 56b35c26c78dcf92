import Foundation
import Testing
@testable import ReportFormat
@testable import Gating
@testable import Rendering
@testable import Recording
@testable import JSONCodec

#if canImport(FoundationXML)
    import FoundationXML
#endif

@Suite("Pass policies")
struct PassPolicyTests {
    @Test("default accepts NON-STRICT and INFORMATIONAL; strict refuses NON-STRICT")
    func builtIn() {
        #expect(PassPolicy.default.passes(caseID: "3.2", behavior: "NON-STRICT", behaviorClose: "OK"))
        #expect(!PassPolicy.strict.passes(caseID: "3.2", behavior: "NON-STRICT", behaviorClose: "OK"))
        #expect(PassPolicy.strict.passes(caseID: "7.13.1", behavior: "INFORMATIONAL", behaviorClose: "INFORMATIONAL"))
        #expect(!PassPolicy.default.passes(caseID: "7.1.5", behavior: "FAILED", behaviorClose: "WRONG CODE"))
        #expect(!PassPolicy.default.passes(caseID: "3.1", behavior: "OK", behaviorClose: "UNCLEAN"))
        #expect(!PassPolicy.default.passes(caseID: "3.1", behavior: "OK", behaviorClose: "FAILED BY CLIENT"))
        #expect(!PassPolicy.default.passes(caseID: "1.1.1", behavior: "ERROR", behaviorClose: "ERROR"))
        #expect(!PassPolicy.default.passes(caseID: "12.1.1", behavior: "UNIMPLEMENTED", behaviorClose: "OK"))
    }

    @Test("a policy file sets accepted outcomes, per-case rules in order, and ignored cases")
    func file() throws {
        let policy = try PassPolicy.parse(
            """
            behavior: [OK, INFORMATIONAL]
            cases:
              - match: "6.4.*"
                behavior: [OK, NON-STRICT]
              - match: ["12.*", "13.*"]
                ignore: true
              - match: "7.1.5"
                behaviorClose: [OK, WRONG CODE]
            """, file: "policy.yaml")
        #expect(!policy.passes(caseID: "3.2", behavior: "NON-STRICT", behaviorClose: "OK"))
        #expect(policy.passes(caseID: "6.4.1", behavior: "NON-STRICT", behaviorClose: "OK"))
        #expect(policy.passes(caseID: "12.1.1", behavior: "UNIMPLEMENTED", behaviorClose: "OK"))
        #expect(policy.passes(caseID: "13.1.1", behavior: "ERROR", behaviorClose: "ERROR"))
        #expect(policy.passes(caseID: "7.1.5", behavior: "OK", behaviorClose: "WRONG CODE"))
        #expect(!policy.passes(caseID: "7.1.5", behavior: "FAILED", behaviorClose: "WRONG CODE"))
        #expect(!policy.passes(caseID: "6.4.1", behavior: "ERROR", behaviorClose: "ERROR"))
        #expect(policy.name == "policy.yaml")
        // JSON is YAML too.
        let json = try PassPolicy.parse(#"{"behaviorClose": ["OK", "INFORMATIONAL", "UNCLEAN"]}"#, file: "p.json")
        #expect(json.passes(caseID: "3.1", behavior: "NON-STRICT", behaviorClose: "UNCLEAN"))
    }

    @Test("a flaky case fails every policy unless the file says 'flaky: pass'; a case that failed every run fails always")
    func flaky() throws {
        var record = ReportFixtures.record("2.2", "FAILED", "OK")
        record.stability = .flaky
        record.attempts = [
            Attempt(outcome: record.outcome, durationMilliseconds: 3),
            Attempt(outcome: .judged(Judgement(behavior: .ok, behaviorClose: .ok, result: "", resultClose: "")), durationMilliseconds: 2),
        ]
        let flaky = ReportedCase(record)
        #expect(flaky.isFlaky && flaky.attempts.map(\.behavior) == ["FAILED", "OK"])
        #expect(!PassPolicy.default.passes(flaky) && !PassPolicy.strict.passes(flaky))
        let lenient = try PassPolicy.parse("flaky: pass\n", file: "p.yaml")
        #expect(lenient.passes(flaky))
        record.stability = .failed
        #expect(!lenient.passes(ReportedCase(record)))
        #expect(try !PassPolicy.parse("flaky: fail\n", file: "p.yaml").passes(flaky))
        #expect(throws: PolicyFileError.self) { try PassPolicy.parse("flaky: maybe\n", file: "p.yaml") }
    }

    @Test("policy file mistakes name the file, the line and the problem")
    func errors() {
        func problem(_ text: String) -> String {
            do {
                _ = try PassPolicy.parse(text, file: "p.yaml")
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        #expect(problem("behavior: [OK, PASS]") == "p.yaml:1: 'PASS' is not a behavior verdict (one of: ERROR, FAILED, INFORMATIONAL, NON-STRICT, OK, UNIMPLEMENTED)")
        #expect(problem("behaviour: [OK]").hasPrefix("p.yaml:1: unknown key 'behaviour'"))
        #expect(problem("cases:\n  - behavior: [OK]\n") == "p.yaml:2: a rule needs 'match' with at least one case pattern")
        #expect(problem("cases:\n  - match: '1.*'\n    ignore: maybe\n") == "p.yaml:3: 'ignore' must be true or false")
        #expect(problem("").contains("empty"))
        #expect(problem("behavior: [OK").hasPrefix("p.yaml: not valid YAML or JSON"))
        #expect(throws: PolicyFileError.self) { try PassPolicy.named("/nonexistent/policy.yaml") }
    }
}

@Suite("Baselines")
struct BaselineTests {
    static func run(_ outcomes: [(String, String, String)], agent: String = "srv") -> [ReportedCase] {
        outcomes.map { ReportedCase(ReportFixtures.record(agent: agent, $0.0, $0.1, $0.2)) }
    }

    @Test("reads the reference's index.json shape and its own compact shape")
    func shapes() throws {
        let index = try Baseline.parse(
            #"{"websockets": {"7.1.5": {"behavior": "FAILED", "behaviorClose": "WRONG CODE", "duration": 1, "remoteCloseCode": 1002, "reportfile": "x.json"}}}"#)
        #expect(index.agents["websockets"]?["7.1.5"] == Baseline.Outcome(behavior: "FAILED", behaviorClose: "WRONG CODE"))
        let compact = try Baseline.parse(#"{"websockets": {"7.1.5": ["FAILED", "WRONG CODE"]}}"#)
        #expect(compact == index)
        #expect(throws: BaselineError.self) { try Baseline.parse(#"{"a": {"1.1.1": "OK"}}"#) }
        #expect(throws: BaselineError.self) { try Baseline.parse(#"[1]"#) }
    }

    @Test("the compact file is one case a line, in numeric order, and reads back the same")
    func compactRoundTrip() throws {
        let baseline = Baseline(Self.run([("2.10", "OK", "OK"), ("2.9", "NON-STRICT", "OK"), ("10.1.1", "FAILED", "UNCLEAN")]))
        let text = baseline.serialized()
        #expect(text == """
            {
               "srv": {
                  "2.9": ["NON-STRICT", "OK"],
                  "2.10": ["OK", "OK"],
                  "10.1.1": ["FAILED", "UNCLEAN"]
               }
            }

            """)
        #expect(try Baseline.parse(text) == baseline)
    }

    @Test("only failures the baseline does not expect are regressions")
    func comparison() {
        let baseline = Baseline(agents: ["reference-name": [
            "1.1.1": .init(behavior: "OK", behaviorClose: "OK"),
            "2.1": .init(behavior: "FAILED", behaviorClose: "OK"),
            "3.1": .init(behavior: "FAILED", behaviorClose: "UNCLEAN"),
            "4.1.1": .init(behavior: "OK", behaviorClose: "OK"),
            "5.1": .init(behavior: "FAILED", behaviorClose: "OK"),
        ]])
        let cases = Self.run([
            ("1.1.1", "OK", "OK"),            // unchanged pass
            ("2.1", "FAILED", "OK"),          // known failure
            ("3.1", "OK", "OK"),              // improvement
            ("4.1.1", "FAILED", "OK"),        // regression
            ("5.1", "FAILED", "UNCLEAN"),     // a different failure: regression
            ("6.1.1", "FAILED", "OK"),        // not in the baseline and failing: regression
            ("6.1.2", "OK", "OK"),            // not in the baseline, passing: fine
        ])
        // One agent in the baseline applies to a run under another name.
        let result = BaselineComparison(cases: cases, baseline: baseline, policy: .default)
        #expect(result.regressions.map(\.caseID) == ["4.1.1", "5.1", "6.1.1"])
        #expect(result.improvements.map(\.caseID) == ["3.1"])
        #expect(result.knownFailures.map(\.caseID) == ["2.1"])
        #expect(result.regressions[2].expected == nil)
        #expect(!result.passed)
        let fixed = BaselineComparison(cases: Self.run([("2.1", "FAILED", "OK"), ("3.1", "OK", "OK")]), baseline: baseline, policy: .default)
        #expect(fixed.passed)
    }

    @Test("the reference run of Python websockets is a baseline that its own reports pass")
    func referenceIndex() throws {
        guard let directory = ReferenceFiles.directory else { return }
        let baseline = try Baseline.load(directory.appendingPathComponent("index.json"))
        #expect(baseline.agents["websockets"]?.count == 517)
        let cases = try ReportDirectory.load(directory)
        let comparison = BaselineComparison(cases: cases, baseline: baseline, policy: .strict)
        #expect(comparison.passed)
        #expect(comparison.knownFailures.count == 7 + 11)
    }
}

@Suite("JUnit XML")
struct JUnitTests {
    @Test("one suite per category, failures and errors kept apart, everything escaped")
    func document() throws {
        let xml = JUnitReport.xml(
            cases: ReportFixtures.mixedRun.filter { $0.agent == "websockets" },
            categoryTitle: { HTMLReport.referenceCategoryTitles[$0] }, policy: .default)
        #expect(xml.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"wsspec\" tests=\"7\" failures=\"2\" errors=\"1\" skipped=\"0\""))
        #expect(xml.contains("<testsuite name=\"2 Pings/Pongs\" tests=\"1\" failures=\"1\" errors=\"0\""))
        #expect(xml.contains("<testsuite name=\"7 Close Handling\" tests=\"2\" failures=\"0\" errors=\"1\""))
        #expect(xml.contains("<error message=\"cannot connect to 127.0.0.1:1: connection refused\" type=\"ERROR / ERROR\">"))
        #expect(xml.contains("<failure message=\"FAILED / WRONG CODE: result of 2.1\" type=\"FAILED / WRONG CODE\">"))
        #expect(!xml.contains("<b>"))
        #if canImport(FoundationXML) || canImport(Darwin)
            let document = try XMLDocument(data: Data(xml.utf8))
            #expect(try document.nodes(forXPath: "/testsuites/testsuite").count == 5)
            #expect(try document.nodes(forXPath: "//testcase").count == 7)
            #expect(try document.nodes(forXPath: "//testcase/failure").count == 2)
            #expect(try document.nodes(forXPath: "//testcase/error").count == 1)
        #endif
    }

    @Test("characters XML cannot hold are written visibly; markup is escaped")
    func escaping() throws {
        #expect(JUnitReport.escape("a<b>&\"'\u{0}\u{1F}\n") == "a&lt;b&gt;&amp;&quot;&apos;\\x00\\x1f&#10;")
        var record = ReportFixtures.record("1.1.1", "FAILED", "OK")
        record.outcome = .judged(Judgement(behavior: .failed, behaviorClose: .ok, result: "bad \u{0} byte ]]> <![CDATA[ x", resultClose: "close result of 1.1.1"))
        record.agent = ReportFixtures.hostileAgent
        let xml = JUnitReport.xml(cases: [ReportedCase(record)], categoryTitle: { _ in nil }, policy: .default)
        #if canImport(FoundationXML) || canImport(Darwin)
            let document = try XMLDocument(data: Data(xml.utf8))
            let failure = try document.nodes(forXPath: "//failure").first as? XMLElement
            #expect(failure?.attribute(forName: "message")?.stringValue == "FAILED / OK: bad \\x00 byte ]]> <![CDATA[ x")
        #endif
        #expect(!xml.contains("\u{0}"))
    }

    @Test("failures the baseline expects are skipped, not failed")
    func baselineSkips() {
        let cases = [ReportedCase(ReportFixtures.record("2.1", "FAILED", "OK")), ReportedCase(ReportFixtures.record("2.2", "FAILED", "OK"))]
        let baseline = Baseline(agents: ["websockets": ["2.1": .init(behavior: "FAILED", behaviorClose: "OK")]])
        let xml = JUnitReport.xml(cases: cases, categoryTitle: { _ in nil }, policy: .default, baseline: baseline)
        #expect(xml.contains("tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"1\""))
        #expect(xml.contains("<skipped message=\"known failure (baseline): FAILED / OK\"/>"))
    }
}

@Suite("Python reprs of events")
struct PythonReprTests {
    @Test("expected and observed print as the reference's page prints them")
    func reprs() {
        let expected: JSONValue = .object([
            "OK": .array([.array([.string("pong"), .string("pongme 1!")]), .array([.string("message"), .string("fragment1"), .bool(false)])]),
        ])
        #expect(PythonRepr.expected(expected) == "{'OK': [('pong', u'pongme 1!'), ('message', u'fragment1', False)]}")
        #expect(PythonRepr.expected(.object(["NON-STRICT": .array([.array([.string("timeout"), .string("A")])]), "OK": .array([])]))
            == "{'NON-STRICT': [('timeout', 'A')], 'OK': []}")
        #expect(PythonRepr.received(.array([.array([.string("message"), .string("0xfffe ..."), .bool(true)])]))
            == "[('message', '0xfffe ...', True)]")
        #expect(PythonRepr.received(.array([.array([.string("message"), .string("Hello-µ@κ'\n"), .bool(false)])]))
            == "[('message', u\"Hello-\\xb5@\\u03ba'\\n\", False)]")
        #expect(PythonRepr.received(.array([.array([.string("pong"), .utf16(units: [0xD800, 0x41])])])) == "[('pong', u'\\ud800A')]")
        #expect(PythonRepr.received(.array([])) == "[]")
        #expect(PythonRepr.expected(nil) == "{}")
        let long = PythonRepr.received(.array(Array(repeating: .array([.string("pong"), .string("0123456789")]), count: 100)))
        #expect(long.count == 1004 && long.hasSuffix(" ..."))
    }
}
