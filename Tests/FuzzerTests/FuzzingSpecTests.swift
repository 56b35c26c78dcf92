import Foundation
import Testing

@testable import Engine
@testable import Harness
import Recording

@Suite("FuzzingSpec (catalogue §3.6)")
struct FuzzingSpecTests {
    static func parse(_ json: String, file: String = "spec/fuzzingclient.json") throws -> FuzzingSpec {
        try FuzzingSpec.parse(Data(json.utf8), file: file)
    }

    /// The example of catalogue §3.6, without its comments.
    static let example = """
        {
          "outdir":  "./reports/servers",
          "options": { "failByDrop": false },
          "servers": [
            { "agent": "MyServer",
              "url": "ws://127.0.0.1:9001",
              "options": { "version": 18 },
              "origin": "http://127.0.0.1", "protocols": ["chat"], "hostname": "sni.example" }
          ],
          "cases": ["*"],
          "exclude-cases": [],
          "exclude-agent-cases": { "MyServer*": ["6.4.*", "7.1.1"] }
        }
        """

    @Test("the catalogue's example is read field by field")
    func example() throws {
        let spec = try Self.parse(Self.example)
        #expect(spec.outdir == "./reports/servers")
        #expect(spec.cases == ["*"])
        #expect(spec.excludeCases == [])
        #expect(spec.servers.count == 1)
        let server = try #require(spec.servers.first)
        #expect(server.url == "ws://127.0.0.1:9001")
        #expect(server.agent == "MyServer")
        #expect(server.origin == "http://127.0.0.1")
        #expect(server.protocols == ["chat"])
        #expect(server.hostname == "sni.example")
        #expect(server.options == ["version": "18"])
        #expect(["false", "0"].contains(spec.options["failByDrop"] ?? "missing"))
        #expect(spec.excludeAgentCases.map(\.agent) == ["MyServer*"])
        #expect(spec.excludeAgentCases.first?.cases == ["6.4.*", "7.1.1"])
    }

    @Test("exclude-agent-cases is anchored at both ends, for agents and for case IDs")
    func excludeAgentCases() throws {
        let spec = try Self.parse(Self.example)
        #expect(spec.excludes(agent: "MyServer", caseID: "6.4.3"))
        #expect(spec.excludes(agent: "MyServer/2.0", caseID: "7.1.1"))
        #expect(!spec.excludes(agent: "MyServer", caseID: "7.1.10"))
        #expect(!spec.excludes(agent: "MyServer", caseID: "16.4.1"))
        #expect(!spec.excludes(agent: "NotMyServer", caseID: "6.4.3"))
    }

    @Test("only 'cases' is required; the rest defaults")
    func minimal() throws {
        let spec = try Self.parse(#"{"cases": ["1.*", "2.1"]}"#)
        #expect(spec.cases == ["1.*", "2.1"])
        #expect(spec.outdir == nil && spec.servers.isEmpty && spec.excludeCases.isEmpty && spec.options.isEmpty)
        #expect(try Self.parse(#"{"cases": ["*"], "outdir": null}"#).outdir == nil)
    }

    @Test(
        "problems name the file and the field",
        arguments: [
            ("{ \"cases\": [\"*\"", ["spec/fuzzingclient.json", "not valid JSON"]),
            ("[\"*\"]", ["spec/fuzzingclient.json", "must be a JSON object"]),
            ("{}", ["spec/fuzzingclient.json", "'cases' is required"]),
            (#"{"cases": ["*"], "exclude-case": []}"#, ["spec/fuzzingclient.json", "unknown field 'exclude-case'"]),
            (#"{"cases": "*"}"#, ["spec/fuzzingclient.json", "'cases' must be a list of texts"]),
            (#"{"cases": ["*", 2]}"#, ["'cases' must be a list of texts"]),
            (#"{"cases": ["*"], "outdir": 5}"#, ["spec/fuzzingclient.json", "'outdir' must be a text"]),
            (#"{"cases": ["*"], "exclude-cases": "7.*"}"#, ["'exclude-cases' must be a list of texts"]),
            (#"{"cases": ["*"], "options": []}"#, ["'options' must be an object"]),
            (#"{"cases": ["*"], "servers": {}}"#, ["'servers' must be a list"]),
            (#"{"cases": ["*"], "servers": ["ws://h"]}"#, ["servers[0] must be an object"]),
            (#"{"cases": ["*"], "servers": [{"agent": "A"}]}"#, ["servers[0] has no 'url'"]),
            (#"{"cases": ["*"], "servers": [{"url": "ws://h"}, {"url": 1}]}"#, ["'servers[1].url' must be a text"]),
            (#"{"cases": ["*"], "servers": [{"url": "ws://h", "agent": 3}]}"#, ["'servers[0].agent' must be a text"]),
            (#"{"cases": ["*"], "servers": [{"url": "ws://h", "protocols": "chat"}]}"#,
             ["'servers[0].protocols' must be a list of texts"]),
            (#"{"cases": ["*"], "servers": [{"url": "ws://h", "uri": "x"}]}"#, ["servers[0]: unknown field 'uri'"]),
            (#"{"cases": ["*"], "exclude-agent-cases": ["x"]}"#, ["'exclude-agent-cases' must map agent patterns"]),
            (#"{"cases": ["*"], "exclude-agent-cases": {"a": "1.*"}}"#, ["'exclude-agent-cases.a' must be a list of texts"]),
        ])
    func problems(json: String, words: [String]) {
        #expect {
            try Self.parse(json)
        } throws: { error in
            guard error is FuzzingSpec.Problem else { return false }
            let text = "\(error)"
            return text.hasPrefix("spec/fuzzingclient.json:") && words.allSatisfy { text.contains($0) }
        }
    }

    @Test(
        "each problem points at its line and column",
        arguments: [
            ("{\n  \"cases\": [\"*\"],\n  \"outdir\": 5\n}", "3:13", "'outdir' must be a text"),
            ("{\n  \"cases\": [\"*\",\n    2]\n}", "3:5", "'cases' must be a list of texts"),
            ("{\"cases\": [\"*\"],\n \"exclude-case\": []}", "2:2", "unknown field 'exclude-case'"),
            ("{\"cases\": [\"*\"], \"servers\": [\n  {\"url\": \"ws://h\"},\n  {\"url\": \"ws://i\", \"uri\": 1}]}", "3:21",
             "servers[1]: unknown field 'uri'"),
            ("{\"cases\": [\"*\"], \"servers\": [\n  {\"agent\": \"é\", \"url\": 7}]}", "2:25", "'servers[0].url' must be a text"),
            ("{\n  \"cases\": [\"*\"\n  \"outdir\": \"x\"\n}", "3:3", "not valid JSON"),
            ("{\"cases\": [\"*\"], \"servers\": [{}]}", "1:30", "servers[0] has no 'url'"),
            ("{\"cases\": [\"*\"],\n \"options\": {\"x\": NaN}}", "2:19", "not valid JSON (NaN is not a JSON number)"),
        ])
    func positions(json: String, position: String, words: String) {
        #expect {
            try Self.parse(json)
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("spec/fuzzingclient.json:\(position): ") && text.contains(words)
        }
    }

    @Test("a file that is not UTF-8 is not JSON; the place is the first octet that is not")
    func notUTF8() {
        #expect {
            try FuzzingSpec.parse(Data("{\"cases\": [\"".utf8) + [0xFF] + Data("\"]}".utf8), file: "s.json")
        } throws: { error in
            "\(error)" == "s.json:1:13: not valid JSON (the file is not UTF-8 text)"
        }
    }

    @Test("load names the file it could not read")
    func unreadable() {
        #expect {
            try FuzzingSpec.load(URL(fileURLWithPath: "/nonexistent/fuzzingclient.json"))
        } throws: { error in
            "\(error)".hasPrefix("/nonexistent/fuzzingclient.json: cannot read")
        }
    }
}
