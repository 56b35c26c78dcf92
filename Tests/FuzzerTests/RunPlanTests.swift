import CaseModel
import Foundation
import Harness
import Orchestration
import Testing

@Suite("RunPlan and Run: the command line over the spec file")
struct RunPlanTests {
    /// A spec file in a fresh folder; the folder is removed by the caller.
    static func specFile(_ json: String) throws -> (folder: URL, file: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wsspec-plan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("spec.json")
        try Data(json.utf8).write(to: file)
        return (folder, file.path)
    }

    static func request(_ configure: (inout RunRequest) -> Void = { _ in }) -> RunRequest {
        var request = RunRequest(builtinTestData: TestDataLibrary(directory: URL(fileURLWithPath: "/nonexistent")))
        configure(&request)
        return request
    }

    static let spec = """
        {"outdir": "spec-out", "cases": ["1.*"], "exclude-cases": ["1.2.*"],
         "options": {"maxMessagePayloadSize": 100},
         "servers": [{"url": "ws://127.0.0.1:9001", "agent": "A", "headers": {"X-From": "spec"}},
                     {"url": "ws://127.0.0.1:9002", "agent": "B"}]}
        """

    @Test("the spec's servers, selection, outdir and receive limit; flags override each")
    func specThenFlags() throws {
        let (folder, file) = try Self.specFile(Self.spec)
        defer { try? FileManager.default.removeItem(at: folder) }
        let plan = try RunPlan(Self.request { $0.specFile = file })
        #expect(plan.servers.map(\.agent) == ["A", "B"])
        #expect(plan.selection == CaseSelection(include: ["1.*"], exclude: ["1.2.*"]))
        #expect(plan.outdir == "spec-out" && plan.maxMessageSize == 100)

        let overridden = try RunPlan(Self.request {
            $0.specFile = file
            $0.agents = ["a", "b"]
            $0.include = ["2.*"]
            $0.outdir = "flag-out"
            $0.connection.headerLines = ["X-From: flag"]
            $0.connection.origin = "http://o"
        })
        #expect(overridden.servers.map(\.agent) == ["a", "b"])
        #expect(overridden.servers[0].headers.map(\.value) == ["flag"] && overridden.servers[1].origin == "http://o")
        #expect(overridden.selection == CaseSelection(include: ["2.*"], exclude: ["1.2.*"]))
        #expect(overridden.outdir == "flag-out")

        let urls = try RunPlan(Self.request { $0.urls = ["ws://127.0.0.1:7000/p"] })
        #expect(urls.servers.map(\.port) == [7000] && urls.servers[0].resource == "/p")
        #expect(urls.selection == CaseSelection() && urls.outdir == "./reports/servers")
    }

    @Test("problems a plan refuses, in the words the command line prints", arguments: [
        (#"{"cases": ["*"], "options": {"failByDrop": true}}"#, [String](), "option failByDrop=true is not supported"),
        (#"{"cases": ["*"], "servers": [{"url": "ws://h:1", "agent": "S"}, {"url": "ws://h:2", "agent": "S"}]}"#, [],
         "two servers have the agent name 'S'"),
        (#"{"cases": ["*"], "servers": [{"url": "ws://h:1"}]}"#, ["a", "b"], "give one --agent per server of the spec (1 servers, 2 agents)"),
        (#"{"cases": ["*"], "servers": [{"url": "http://h"}]}"#, [], "servers[0].url: 'http://h' is not a WebSocket URL"),
    ])
    func refused(json: String, agents: [String], message: String) throws {
        let (folder, file) = try Self.specFile(json)
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect {
            try RunPlan(Self.request {
                $0.specFile = file
                $0.agents = agents
            })
        } throws: { error in
            (error as? RunProblem)?.description.contains(message) == true
        }
    }

    @Test("a run selects and slices the cases and proves the output folder before anything runs")
    func prepare() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wsspec-run-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let cases = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Cases")
        let suite = try CaseLoader.loadDirectory(cases)
        let plan = try RunPlan(Self.request {
            $0.include = ["1.1.*"]
            $0.outdir = folder.path
            $0.shard = try? Shard("2/2")
        })
        let said = Said()
        let run = try Run(plan: plan, suite: suite, say: { said.append($0) })
        #expect(run.selected.count == 4 && run.total == 4)
        #expect(said.lines == ["wsspec: shard 2/2: 4 cases"])
        #expect(try String(contentsOf: folder.appendingPathComponent("index.json"), encoding: .utf8) == "{}")

        let nothing = try RunPlan(Self.request { $0.include = ["8*"] })
        #expect {
            try Run(plan: nothing, suite: suite, say: { _ in })
        } throws: { error in
            (error as? RunProblem)?.description == "the pattern '8*' selects no case"
        }
    }
}

/// The lines a run says, collected.
final class Said: @unchecked Sendable {
    private let lock = NSLock()
    private var collected: [String] = []
    var lines: [String] { lock.withLock { collected } }
    func append(_ line: String) { lock.withLock { collected.append(line) } }
}
