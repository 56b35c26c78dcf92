import Foundation
import Testing
@testable import ReportFormat
@testable import Gating
@testable import Rendering
@testable import Recording
@testable import JSONCodec

@Suite("HTML report")
struct HTMLReportTests {
    @Test("escaping leaves no markup of the input")
    func escaping() {
        #expect(HTMLText.escape("<script>a & 'b' \"c\"</script>") == "&lt;script&gt;a &amp; &#39;b&#39; &quot;c&quot;&lt;/script&gt;")
        #expect(HTMLText.escape("a\u{0}b\u{1B}c\u{7F}") == "a\u{2400}b\u{241B}c\u{2421}")
        #expect(HTMLText.escape("line\nnext\ttab") == "line\nnext\ttab")
        #expect(HTMLText.escape("κόσμε µ") == "κόσμε µ")
    }

    @Test("case texts keep <b> and <br> but nothing with attributes")
    func caseTextTags() {
        #expect(HTMLText.caseText("a <b>bold</b><br>next") == "a <b>bold</b><br>next")
        #expect(HTMLText.caseText("<b onclick=x>") == "&lt;b onclick=x&gt;")
        #expect(HTMLText.caseText("<script>x</script>") == "&lt;script&gt;x&lt;/script&gt;")
        #expect(HTMLText.plainWords("a <b>bold</b><br>next  word") == "a bold next word")
    }

    @Test("no server-sent text reaches a page as markup")
    func pagesEscapeServerText() {
        let report = HTMLReport(cases: ReportFixtures.mixedRun, generator: "wsspec test")
        let pages = report.cases.map(report.renderPage) + [report.renderIndex()]
        for page in pages {
            #expect(!page.contains("<script>window"))
            #expect(!page.contains("<script>alert"))
            #expect(!page.contains("<img"))
            #expect(!page.contains("<b>evil"))
            #expect(!page.contains("<script>x"))
        }
        let hostile = report.cases.first { $0.id == "5.1" && $0.agent == "websockets" }!
        let page = report.renderPage(hostile)
        #expect(page.contains(HTMLText.escape(ReportFixtures.hostileReason)))
        // Exactly one script element in the index (the filters), none in case pages.
        #expect(report.renderIndex().components(separatedBy: "<script>").count == 2)
        #expect(!page.contains("<script>"))
    }

    @Test("the Content-Security-Policy hash matches the index's script")
    func cspHash() {
        let index = HTMLReport(cases: ReportFixtures.mixedRun, generator: "t").renderIndex()
        let hash = SHA256.base64(SHA256.hash(Array(IndexPage.script.utf8)))
        #expect(index.contains("script-src 'sha256-\(hash)'"))
        #expect(index.contains("<script>\(IndexPage.script)</script>"))
        // FIPS 180-4 test vector.
        #expect(SHA256.hash(Array("abc".utf8)).map { String(format: "%02x", $0) }.joined()
            == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.base64(SHA256.hash([])) == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
    }

    @Test("the matrix has a row per case, coloured cells, Missing cells and links to the pages")
    func matrix() {
        let report = HTMLReport(cases: ReportFixtures.mixedRun, generator: "t")
        let index = report.renderIndex()
        #expect(index.components(separatedBy: "<tr class=\"case\"").count - 1 == 7)
        #expect(index.contains("<tr class=\"group\" data-group=\"1\"><th>1 Framing</th>"))
        #expect(index.contains("<tr class=\"subgroup\" data-group=\"1.1\">"))
        #expect(index.contains("data-behavior=\"MISSING\">Missing</td>"))
        #expect(index.contains("href=\"websockets_case_2_1.html\">Fail</a>"))
        #expect(index.contains("style=\"background:#9a0\" data-behavior-close=\"WRONG CODE\""))
        #expect(index.contains(">Unclean</td>"))
        #expect(index.contains("id=\"row_2_1\" data-case=\"2.1\" data-category=\"2\" data-status=\"fail\""))
        #expect(index.contains("id=\"row_1_1_2\" data-case=\"1.1.2\" data-category=\"1\" data-subcategory=\"1.1\" data-status=\"pass\""))
        // Row order is numeric.
        let order = ["row_1_1_1", "row_1_1_2", "row_2_1", "row_3_1", "row_5_1", "row_7_1_1", "row_7_1_2"]
        let positions = order.map { index.range(of: "id=\"\($0)\"")!.lowerBound }
        #expect(positions == positions.sorted())
    }

    @Test("a case page has the reference's sections, the 13 closing fields and a numbered wire log")
    func casePage() {
        let report = HTMLReport(cases: ReportFixtures.mixedRun, generator: "t")
        let page = report.renderPage(report.cases[0])
        #expect(page.contains("websockets - Case 1.1.1 : Pass - 3 ms @ 2026-11-25T17:36:46.500Z"))
        for section in ["Case Description", "Case Expectation", "Case Outcome", "Case Closing Behavior", "Opening Handshake",
                        "Closing Behavior", "Wire Statistics", "Wire Log"] {
            #expect(page.contains("<h2>\(section)</h2>"))
        }
        #expect(page.components(separatedBy: "<td class=\"value\" data-key=").count - 1 == 13)
        #expect(page.contains("{&#39;NON-STRICT&#39;: [], &#39;OK&#39;: [(&#39;message&#39;, u&#39;Hello&#39;, False)]}"))
        #expect(page.contains("[(&#39;pong&#39;, u&#39;\\x00&lt;b&gt;&#39;)]"))
        #expect(page.contains("000 TX FRAME : OPCODE=1, FIN=True, RSV=0, PAYLOAD-LEN=5, MASK=01020304, PAYLOAD-REPEAT-LEN=None, CHOPSIZE=None, SYNC=False\n               Hello"))
        #expect(page.contains("001 TX OCTETS: 818501020304"))
        #expect(page.contains("003 FAIL CONNECTION AFTER 1.000000 sec"))
        #expect(page.contains("004 TCP DROPPED BY PEER"))
        #expect(page.contains("<tr class=\"total\"><td>Total</td><td>2</td><td>20</td></tr>"))
    }

    @Test("long previews wrap at 100 characters under the data column")
    func wrapping() {
        let hex = String(repeating: "ab", count: 64) + " ..."
        let wrapped = CasePage.wrap(hex)
        let lines = wrapped.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].count == 100)
        #expect(lines[1].hasPrefix(String(repeating: " ", count: 15)))
        #expect(CasePage.wrap("a\nb") == "a\u{240A}b")
    }

    @Test("agent names become safe, distinct file names")
    func safeFileNames() {
        #expect(ReportFileName.agentSlug("../../etc/passwd") == "etc_passwd")
        #expect(ReportFileName.agentSlug("<script>") == "script")
        #expect(ReportFileName.agentSlug("///") == "unknown")
        #expect(ReportFileName.agentSlug("Ünïcode Server/1.0") == "n_code_server_1_0")
        let cases = [
            ReportedCase(ReportFixtures.record(agent: "My Server", "1.1.1", "OK", "OK")),
            ReportedCase(ReportFixtures.record(agent: "my-server", "1.1.1", "OK", "OK")),
            ReportedCase(ReportFixtures.record(agent: "MY_SERVER", "1.1.1", "OK", "OK")),
        ]
        let report = HTMLReport(cases: cases, generator: "t")
        let slugs = report.agentSlugs
        #expect(Set(slugs.values).count == 3)
        #expect(slugs["MY_SERVER"] == "my_server")
        #expect(slugs["My Server"] == "my_server_2")
        #expect(slugs["my-server"] == "my_server_3")
        for slug in slugs.values {
            #expect(slug.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
        }
    }

    @Test("written reports can be read back and rebuilt; missing case files fall back to index.json")
    func roundTrip() throws {
        let directory = ReportFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let writer = try ReportWriter(directory: directory)
        for id in ["1.1.1", "2.1", "10.1.1"] {
            try writer.write(ReportFixtures.record(id, id == "2.1" ? "FAILED" : "OK", "OK"))
        }
        let written = try HTMLReport(cases: try ReportDirectory.load(directory), generator: "t").write(to: directory)
        #expect(written.contains("index.html"))
        #expect(written.contains("websockets_case_10_1_1.html"))
        try FileManager.default.removeItem(at: directory.appendingPathComponent("websockets_case_2_1.json"))
        let again = try ReportDirectory.load(directory)
        #expect(again.map(\.id) == ["1.1.1", "2.1", "10.1.1"])
        #expect(again[1].behavior == "FAILED")
        #expect(again[1].result.contains("missing"))
    }

    @Test("a folder without reports is an error that names it")
    func emptyFolder() throws {
        let directory = ReportFixtures.temporaryDirectory()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(throws: ReportedCaseError.self) { try ReportDirectory.load(directory) }
        try Data("{\"a\": 1}".utf8).write(to: directory.appendingPathComponent("x_case_1.json"))
        do {
            _ = try ReportDirectory.load(directory)
            Issue.record("a malformed case file was accepted")
        } catch let error as ReportedCaseError {
            #expect(error.description.contains("x_case_1.json"))
            #expect(error.description.contains("'agent'"))
        }
    }
}
