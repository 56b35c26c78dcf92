import Foundation
import Gating
import JSONCodec
import Recording
import Rendering
import ReportFormat
import Testing

/// The explanation and the replay line travel from the record through the JSON to every report.
@Suite("Explanations in the reports")
struct ExplanationReportTests {
    static let explanation = Explanation(
        rfc: "6455 §5.5.1", requirement: "A Close MUST be answered with a Close.",
        sent: ["text frame 'fragment1' (9 octets), FIN=0", "Close 1000"],
        expected: [.init(verdict: .ok, events: []), .init(verdict: .nonStrict, events: ["pong empty"])],
        expectedClose: "wsspec closes; code 1000, or none; a clean close", observed: ["text message '<b>x</b>' (8 octets)"],
        observedClose: "wsspec sent Close 1000 first; the server sent Close 1002 '</pre><script>'; clean",
        divergence: "the close: expected code 1000 or none, the server sent 1002")

    static func failingRecord() -> CaseRecord {
        var record = ReportFixtures.record("7.1.5", "FAILED", "WRONG CODE", code: 1002)
        record.explanation = explanation
        record.replay = "wsspec run ws://127.0.0.1:9001 --cases 7.1.5 --seed 42 --outdir reports/replay"
        return record
    }

    @Test("the JSON carries wsspecExplanation and wsspecReplay beside the reference's keys, and reads them back")
    func jsonRoundTrip() throws {
        let record = Self.failingRecord()
        let json = record.json()
        #expect(json["wsspecExplanation"]?["divergence"]?.stringValue == Self.explanation.divergence)
        #expect(json["wsspecReplay"]?.stringValue == record.replay)
        let back = try ReportedCase(json: ReferenceJSON.parse(record.serialized()))
        #expect(back.explanation == Self.explanation)
        #expect(back.replay == record.replay)
        // A passing case has neither.
        let passing = ReportFixtures.record("1.1.1", "OK", "OK").json()
        #expect(passing["wsspecExplanation"] == nil && passing["wsspecReplay"] == nil)
    }

    @Test("the console summary explains a failing case under its line, with the replay command")
    func console() {
        let text = Console.summary(
            [ReportedCase(Self.failingRecord())], policy: .default, titles: [:], comparison: nil, seconds: 1,
            reports: "reports", htmlIndex: nil)
        #expect(text.contains("""
              7.1.5: FAILED / WRONG CODE — result of 7.1.5
                  rfc:      RFC 6455 §5.5.1 — A Close MUST be answered with a Close.
                  sent:     text frame 'fragment1' (9 octets), FIN=0; Close 1000
                  expected: OK: no events | NON-STRICT: pong empty | close: wsspec closes; code 1000, or none; a clean close
                  observed: text message '<b>x</b>' (8 octets) | close: wsspec sent Close 1000 first; the server sent Close 1002 '</pre><script>'; clean
                  parts at: the close: expected code 1000 or none, the server sent 1002
                  replay:   wsspec run ws://127.0.0.1:9001 --cases 7.1.5 --seed 42 --outdir reports/replay
            """), "\(text)")
        let json = Console.summaryJSON(
            [ReportedCase(Self.failingRecord())], policy: .default, comparison: nil, seconds: 1, reports: "reports",
            htmlIndex: nil, exitCode: 1, version: "test")
        let parsed = try? ReferenceJSON.parse(json)
        #expect(parsed?["failures"]?.arrayValue?.first?["explanation"]?["divergence"]?.stringValue == Self.explanation.divergence)
        #expect(parsed?["failures"]?.arrayValue?.first?["replay"]?.stringValue == Self.failingRecord().replay)
    }

    @Test("JUnit's failure text holds the explanation and the replay line, escaped")
    func junit() {
        let xml = JUnitReport.xml(cases: [ReportedCase(Self.failingRecord())], categoryTitle: { _ in nil }, policy: .default)
        #expect(xml.contains("parts at: the close: expected code 1000 or none, the server sent 1002"))
        #expect(xml.contains("replay:   wsspec run ws://127.0.0.1:9001 --cases 7.1.5 --seed 42"))
        #expect(xml.contains("&apos;&lt;/pre&gt;&lt;script&gt;&apos;"))
        #expect(!xml.contains("<script>"))
    }

    @Test("the case page shows the explanation as a table, the server's text escaped")
    func casePage() {
        let page = HTMLReport(cases: [ReportedCase(Self.failingRecord())], generator: "test")
            .renderPage(ReportedCase(Self.failingRecord()))
        #expect(page.contains("<table class=\"explanation\" id=\"explanation\">"))
        #expect(page.contains("<td data-key=\"parts at\">the close: expected code 1000 or none, the server sent 1002</td>"))
        #expect(page.contains("<code>wsspec run ws://127.0.0.1:9001 --cases 7.1.5 --seed 42 --outdir reports/replay</code>"))
        #expect(page.contains("&lt;/pre&gt;&lt;script&gt;"))
        #expect(!page.contains("</pre><script>"))
    }
}

@Suite("Wire trace text")
struct TraceTextTests {
    @Test("frames show opcode, FIN, RSV, mask, length and a preview; a Close its code and reason; times first")
    func lines() {
        let close = TimedTraceEvent(
            nanoseconds: 9_125_000,
            event: .wire(.rxFrame(payload: BytePreview([0x03, 0xEA] + Array("bad\u{1b}".utf8)), opcode: 8, fin: true, rsv: 0, mask: nil)))
        #expect(TraceText.line(close) == "      9.125 ms  RX frame close fin=1 rsv=0 unmasked len=6 code=1002 reason='bad\\x1b'")
        let text = TraceEvent.wire(
            .txFrame(payload: BytePreview(Array("fragment1".utf8)), opcode: 1, fin: false, rsv: 4, mask: [0xCE, 0x54, 0x6F, 0xAD],
                     repeatLength: 100, chopSize: 1, sync: true))
        #expect(TraceText.describe(text) == "TX frame text fin=0 rsv=4 mask=ce546fad len=9 'fragment1' repeated-to=100 chop=1 sync")
        #expect(TraceText.describe(.wire(.rxFrame(payload: BytePreview([]), opcode: 3, fin: true, rsv: 0, mask: nil)))
            == "RX frame opcode-3 fin=1 rsv=0 unmasked len=0")
        #expect(TraceText.describe(.wire(.txOctets(BytePreview([0x81, 0x00]), sync: true))) == "TX 2 octets (synced) 0x8100")
        #expect(TraceText.describe(.timerArmed("close-handshake", seconds: 1)) == "timer close-handshake armed: 1.0 s")
        #expect(TraceText.describe(.timerFired("kill-after#1")) == "timer kill-after#1 fired")
        #expect(TraceText.describe(.tcpError("reset\n")) == "TCP error: reset\\n")
    }

    @Test("a trace document names the case and the agent, escaped")
    func document() {
        let doc = TraceText.document(caseID: "2.1", agent: "evil\u{1b}[2J", events: [TimedTraceEvent(nanoseconds: 0, event: .tcpClosed)])
        #expect(doc == "# wsspec wire trace: case 2.1, evil\\x1b[2J\n      0.000 ms  TCP gone\n")
    }
}
