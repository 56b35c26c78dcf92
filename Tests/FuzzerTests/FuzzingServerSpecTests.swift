import CaseModel
import Foundation
import Orchestration
import Testing

@testable import Harness

/// `fuzzingserver.json`, the reference's spec for testing clients, and what `ClientRun` makes of it.
@Suite("fuzzingserver.json")
struct FuzzingServerSpecTests {
    static func parse(_ json: String) throws -> FuzzingSpec {
        try FuzzingSpec.parse(Data(json.utf8), file: "fuzzingserver.json", kind: .fuzzingServer)
    }

    @Test("the template's fields are read; url is required; servers is not a field of this spec")
    func fields() throws {
        let spec = try Self.parse(
            #"{"url": "ws://127.0.0.1:9001", "outdir": "./reports/clients", "cases": ["*"], "exclude-cases": [], "exclude-agent-cases": {}, "protocols": []}"#)
        #expect(spec.url == "ws://127.0.0.1:9001" && spec.outdir == "./reports/clients")
        #expect(throws: FuzzingSpec.Problem.self) { try Self.parse(#"{"cases": ["*"]}"#) }
        do {
            _ = try Self.parse(#"{"url": "ws://a:1", "cases": ["*"], "servers": []}"#)
            Issue.record("servers was accepted")
        } catch let problem as FuzzingSpec.Problem {
            #expect(problem.description.contains("unknown field 'servers'"), "\(problem)")
        }
    }

    static func run(_ json: String, port: Int? = nil) throws -> ClientRun {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wsspec-spec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("fuzzingserver.json")
        try Data(json.utf8).write(to: file)
        let cases = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Cases")
        var request = ServeRequest(builtinTestData: TestDataLibrary(directory: cases.appendingPathComponent("data")))
        request.specFile = file.path
        request.outdir = folder.appendingPathComponent("out").path
        request.port = port
        return try ClientRun(request, suite: try CaseSuite.load(directory: cases))
    }

    @Test("the url gives host and port, --port overrides; cases are numbered within the selection")
    func plan() throws {
        let run = try Self.run(#"{"url": "ws://127.0.0.1:9123", "cases": ["2.*", "5.19"], "exclude-cases": ["2.1*"]}"#)
        #expect(run.host == "127.0.0.1" && run.port == 9123)
        #expect(run.selected.map(\.id.description) == ["2.2", "2.3", "2.4", "2.5", "2.6", "2.7", "2.8", "2.9", "5.19"])
        #expect(try Self.run(#"{"url": "ws://127.0.0.1:9123", "cases": ["1.1.1"]}"#, port: 0).port == 0)
    }

    @Test("refused with a clear message: failByDrop true, wss without key and cert, a bad url")
    func refused() throws {
        func problem(_ json: String) -> String {
            do {
                _ = try Self.run(json)
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        #expect(problem(#"{"url": "ws://127.0.0.1:1", "cases": ["*"], "options": {"failByDrop": true}}"#).contains("failByDrop=true is not supported"))
        #expect(problem(#"{"url": "wss://127.0.0.1:1", "cases": ["*"]}"#).contains("a wss:// url needs 'key' and 'cert'"))
        #expect(problem(#"{"url": "http://127.0.0.1:1", "cases": ["*"]}"#).contains("url:"))
        #expect(problem(#"{"url": "ws://127.0.0.1:1", "cases": ["99.*"]}"#) != "accepted")
    }
}
