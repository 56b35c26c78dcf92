import Foundation
import Testing
import ReportFormat
import Gating
import Rendering
import Recording
import JSONCodec

@Suite("ReportFileName")
struct ReportFileNameTests {
    @Test("the reference's examples")
    func examples() {
        #expect(ReportFileName.caseFile(agent: "AutobahnPython/0.10.9", caseID: "7.13.2", ext: "json")
            == "autobahnpython_0_10_9_case_7_13_2.json")
        #expect(ReportFileName.caseFile(agent: "websockets", caseID: "3.4", ext: "json") == "websockets_case_3_4.json")
        #expect(ReportFileName.caseFile(agent: "websockets", caseID: "12.1.1", ext: "html") == "websockets_case_12_1_1.html")
    }

    @Test(
        "agent slugs",
        arguments: [
            ("WebSockets", "websockets"),
            ("  Foo Bar  ", "foo_bar"),
            ("a  b", "a__b"),
            ("a/-.b", "a___b"),
            ("../../etc", "etc"),
            ("../..", "unknown"),
            ("<script>alert(1)</script>", "script_alert_1___script"),
            ("a\u{0}b", "a_b"),
            ("\u{0}\u{0}", "unknown"),
            ("", "unknown"),
            ("!!!", "unknown"),
            ("Ünïcode 服务器", "n_code"),
            ("café😀x", "caf__x"),
            ("Python/3.11 websockets/17.4", "python_3_11_websockets_17_4"),
        ]
    )
    func slugs(agent: String, slug: String) {
        #expect(ReportFileName.agentSlug(agent) == slug)
    }

    @Test(
        "hostile names always give a plain file name inside the folder",
        arguments: [
            "../../etc/passwd", "/", "..", ".", "<script>", "a\u{0}b/../../c", "\\..\\..\\windows", "~root",
            "名前", String(repeating: "x", count: 5000), String(repeating: "é", count: 300), "\n\r\t", "%2e%2e%2f",
        ]
    )
    func hostile(agent: String) {
        for caseID in ["1.1.1", "../x", "a/b\u{0}"] {
            let name = ReportFileName.caseFile(agent: agent, caseID: caseID, ext: "json")
            #expect(!name.isEmpty)
            #expect(name.utf8.count <= 255)
            #expect(!name.hasPrefix("."))
            #expect(name.unicodeScalars.allSatisfy { scalar in
                scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_" || scalar == ".")
            })
            #expect(!name.contains(".."))
            let folder = URL(fileURLWithPath: "/tmp/reports", isDirectory: true)
            let file = folder.appendingPathComponent(name)
            #expect(file.deletingLastPathComponent().standardizedFileURL.path == folder.path)
            #expect(file.lastPathComponent == name)
        }
    }
}
