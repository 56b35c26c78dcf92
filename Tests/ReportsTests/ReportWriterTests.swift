import WebSocketWire
import Foundation
import Testing
@testable import ReportFormat
@testable import Gating
@testable import Rendering
@testable import Recording
@testable import JSONCodec

@Suite("ReportWriter")
struct ReportWriterTests {
    static func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory
            .appendingPathComponent("wsspec-reports-tests-\(UUID().uuidString)", isDirectory: true)
    }

    static func record(agent: String, caseID: String, behavior: String = "OK", code: CloseCode? = 1000) -> CaseRecord {
        CaseRecord(
            agent: agent, caseID: caseID, ordinal: 1, description: "desc <b>x</b>", expectation: "exp",
            behavior: behavior, behaviorClose: "OK", result: "r", resultClose: "rc",
            expected: ["OK": [.message(BytePreview(Array("Hello".utf8)), binary: false)]],
            expectedClose: ExpectedClose(closedByMe: true, closeCodes: [1000], requireClean: true),
            received: [.message(BytePreview(Array("Hello".utf8)), binary: false)],
            closing: ClosingBehavior(closedByMe: true, wasClean: true, localCloseCode: 1000, remoteCloseCode: code),
            httpRequest: "GET / HTTP/1.1\r\n\r\n", httpResponse: "HTTP/1.1 101 Switching Protocols\r\n\r\n",
            started: Date(timeIntervalSince1970: 1_795_628_206.5), durationMilliseconds: 3,
            wirelog: [.killAfter(seconds: 1), .wirelog(enabled: true)],
            statistics: WireStatistics(rxOctets: [10: 1], txOctets: [12: 2], rxFrames: [1: 1], txFrames: [1: 1, 8: 1])
        )
    }

    @Test("writes case files and a complete index, leaving no temporary files")
    func writesFilesAndIndex() throws {
        let root = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let directory = root.appendingPathComponent("a/b/servers", isDirectory: true)
        let writer = try ReportWriter(directory: directory)
        #expect(FileManager.default.fileExists(atPath: directory.path))

        let records = [
            Self.record(agent: "websockets", caseID: "1.1.1"),
            Self.record(agent: "websockets", caseID: "10.1.1", behavior: "NON-STRICT", code: nil),
            Self.record(agent: "Other/1.0", caseID: "2.1"),
        ]
        for record in records {
            try writer.write(record)
            let text = try String(contentsOf: directory.appendingPathComponent(record.reportFileName), encoding: .utf8)
            #expect(text == record.serialized())
            #expect(!text.hasSuffix("\n"))
            #expect(try ReferenceJSON.parse(text) == record.json())
        }

        let index = try ReferenceIndex.load(directory.appendingPathComponent("index.json"))
        #expect(index.keys.sorted() == ["Other/1.0", "websockets"])
        #expect(index["websockets"]?.keys.sorted() == ["1.1.1", "10.1.1"])
        #expect(index["websockets"]?["10.1.1"] == IndexEntry(
            behavior: "NON-STRICT", behaviorClose: "OK", duration: 3, remoteCloseCode: nil,
            reportfile: "websockets_case_10_1_1.json"))
        #expect(index["Other/1.0"]?["2.1"]?.reportfile == "other_1_0_case_2_1.json")
        #expect(index == writer.index)

        let indexText = try String(contentsOf: directory.appendingPathComponent("index.json"), encoding: .utf8)
        #expect(indexText == ReferenceJSON.serialize(ReportWriter.indexJSON(writer.index)))

        // Writing a case again replaces its entry.
        try writer.write(Self.record(agent: "websockets", caseID: "1.1.1", behavior: "FAILED"))
        let updated = try ReferenceIndex.load(directory.appendingPathComponent("index.json"))
        #expect(updated["websockets"]?["1.1.1"]?.behavior == "FAILED")
        #expect(updated["websockets"]?.count == 2)

        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(files == ["index.json", "other_1_0_case_2_1.json", "websockets_case_10_1_1.json", "websockets_case_1_1_1.json"])
    }

    @Test("writeIndex on a fresh writer writes an empty object")
    func emptyIndex() throws {
        let root = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let writer = try ReportWriter(directory: root)
        try writer.writeIndex()
        #expect(try String(contentsOf: root.appendingPathComponent("index.json"), encoding: .utf8) == "{}")
    }

    @Test("concurrent writes from many tasks all reach the index")
    func concurrentWrites() async throws {
        let root = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let writer = try ReportWriter(directory: root)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for number in 1...24 {
                group.addTask { try writer.write(Self.record(agent: "srv", caseID: "9.\(number)")) }
            }
            try await group.waitForAll()
        }
        let index = try ReferenceIndex.load(root.appendingPathComponent("index.json"))
        #expect(index["srv"]?.count == 24)
        let files = try FileManager.default.contentsOfDirectory(atPath: root.path)
        #expect(files.count == 25)
        #expect(!files.contains { $0.hasPrefix(".") || $0.hasSuffix(".tmp") })
    }

    @Test("a directory that cannot be created gives an error naming the path")
    func uncreatableDirectory() throws {
        let root = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let blocker = root.appendingPathComponent("blocker")
        try Data("x".utf8).write(to: blocker)

        let below = blocker.appendingPathComponent("reports/servers")
        let error = try #require(throws: ReportWriterError.self) { try ReportWriter(directory: below) }
        #expect(error.path == below.path)
        #expect(error.description.contains(below.path))
        #expect(!error.reason.isEmpty)
        #expect(error.localizedDescription.contains(below.path))

        let onFile = try #require(throws: ReportWriterError.self) { try ReportWriter(directory: blocker) }
        #expect(onFile.description.contains(blocker.path))
        #expect(onFile.description.contains("not a directory"))
    }

    @Test("a directory that disappears gives a write error naming the file")
    func unwritableFile() throws {
        let root = Self.temporaryDirectory()
        let writer = try ReportWriter(directory: root)
        try FileManager.default.removeItem(at: root)
        let record = Self.record(agent: "srv", caseID: "1.1.1")
        let error = try #require(throws: ReportWriterError.self) { try writer.write(record) }
        #expect(error.description.contains(root.appendingPathComponent(record.reportFileName).path))
    }
}
