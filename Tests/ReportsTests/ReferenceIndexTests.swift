import Foundation
import Testing
@testable import ReportFormat
@testable import Gating
@testable import Rendering
@testable import Recording
@testable import JSONCodec

@Suite("ReferenceIndex", .enabled(if: ReferenceFiles.available))
struct ReferenceIndexTests {
    func load() throws -> [String: [String: IndexEntry]] {
        try ReferenceIndex.load(try #require(ReferenceFiles.directory).appendingPathComponent("index.json"))
    }

    @Test("the reference index: 517 cases of agent websockets")
    func referenceIndex() throws {
        let index = try load()
        #expect(index.keys.sorted() == ["websockets"])
        let cases = try #require(index["websockets"])
        #expect(cases.count == 517)
        #expect(cases["3.4"] == IndexEntry(behavior: "OK", behaviorClose: "OK", duration: 1, remoteCloseCode: 1002,
                                          reportfile: "websockets_case_3_4.json"))
        #expect(cases["7.1.5"]?.behavior == "FAILED")
        #expect(cases["7.1.5"]?.behaviorClose == "WRONG CODE")
        #expect(cases["7.1.5"]?.remoteCloseCode == 1002)

        var verdicts: [String: Int] = [:]
        for entry in cases.values { verdicts["\(entry.behavior)/\(entry.behaviorClose)", default: 0] += 1 }
        #expect(verdicts["OK/OK"] == 496)
        #expect(verdicts["NON-STRICT/OK"] == 11)
        #expect(verdicts["INFORMATIONAL/INFORMATIONAL"] == 3)
        #expect(verdicts["FAILED/WRONG CODE"] == 1)
        #expect(verdicts["FAILED/FAILED"] == 6)

        for (caseID, entry) in cases {
            #expect(entry.reportfile == ReportFileName.caseFile(agent: "websockets", caseID: caseID, ext: "json"))
        }
    }

    @Test("the writer's index format reproduces the reference index.json byte for byte")
    func writerIndexFormat() throws {
        let text = try ReferenceFiles.text("index.json")
        #expect(ReferenceJSON.serialize(ReportWriter.indexJSON(try load())) == text)
    }

    @Test("every kept per-case file agrees with its index entry")
    func perCaseFilesAgree() throws {
        let cases = try #require(try load()["websockets"])
        var compared = 0
        for name in try ReferenceFiles.allJSONFiles() where name != "index.json" {
            let report = try ReferenceJSON.parse(try ReferenceFiles.text(name))
            let caseID = try #require(report["id"]?.stringValue)
            let entry = try #require(cases[caseID])
            #expect(entry.reportfile == name)
            #expect(report["behavior"]?.stringValue == entry.behavior)
            #expect(report["behaviorClose"]?.stringValue == entry.behaviorClose)
            #expect(report["duration"]?.intValue == entry.duration)
            #expect(report["remoteCloseCode"]?.intValue == entry.remoteCloseCode)
            compared += 1
        }
        #expect(compared > 300)
    }

    @Test("malformed index text is rejected")
    func malformed() {
        #expect(throws: ReferenceIndexError.self) { try ReferenceIndex.parse("[]") }
        #expect(throws: ReferenceIndexError.self) { try ReferenceIndex.parse(#"{"a": {"1.1": {"behavior": "OK"}}}"#) }
        #expect(throws: ReferenceJSONError.self) { try ReferenceIndex.parse("{") }
    }
}
