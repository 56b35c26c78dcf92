import Foundation
import Testing

/// The `wsspec` binary this test build made (next to the test bundle).
enum WSSpecBinary {
    static let url: URL? = {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("wsspec")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                return candidate
            }
            directory.deleteLastPathComponent()
        }
        let build = repositoryRoot.appendingPathComponent(".build/debug/wsspec")
        return FileManager.default.isExecutableFile(atPath: build.path) ? build : nil
    }()

    struct Result {
        var status: Int32
        var output: String
        var errors: String
    }

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = url!
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["WSSPEC_CASES"] = repositoryRoot.appendingPathComponent("Cases").path
        env["CI"] = "true"
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe()
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("wsspec-stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorFile) }
        process.standardOutput = out
        process.standardError = try FileHandle(forWritingTo: errorFile)
        try process.run()
        let outputData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errorData = (try? Data(contentsOf: errorFile)) ?? Data()
        return Result(
            status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
            errors: String(decoding: errorData, as: UTF8.self))
    }
}

@Suite("wsspec as a CI gate", .serialized, .enabled(if: WSSpecBinary.url != nil, "the wsspec binary was not built"))
struct CommandLineGateTests {
    static func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("wsspec-cli-\(UUID().uuidString)", isDirectory: true)
    }

    @Test("a run writes HTML, JUnit, a baseline and a JSON summary; report re-judges it against baselines")
    func runAndGate() throws {
        let root = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("run").path
        let run = try WSSpecBinary.run([
            "run", "--cases", "1.1.1,2.1,7.1.6", "--outdir", out, "--seed", "3", "--format", "json",
            "--junit", root.appendingPathComponent("junit.xml").path,
            "--write-expect", root.appendingPathComponent("expect.json").path,
        ])
        #expect(run.status == 0, "\(run.errors)")
        // JSON summary on standard output, progress on standard error (one plain line per case on CI).
        let summary = try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any]
        #expect(summary?["cases"] as? Int == 3)
        #expect(summary?["failed"] as? Int == 0)
        #expect(summary?["exitCode"] as? Int == 0)
        #expect(run.errors.contains("[1/3] pass  1.1.1"))
        #expect(run.errors.contains("[3/3] pass  7.1.6    INFORMATIONAL / INFORMATIONAL"))
        for file in ["index.html", "index.json", "wsspec_echo_case_2_1.html", "wsspec_echo_case_2_1.json"] {
            #expect(FileManager.default.fileExists(atPath: "\(out)/\(file)"), "\(file) is missing")
        }
        let junit = try String(contentsOf: root.appendingPathComponent("junit.xml"), encoding: .utf8)
        #expect(junit.contains("<testsuites name=\"wsspec\" tests=\"3\" failures=\"0\" errors=\"0\""))
        let expect = try String(contentsOf: root.appendingPathComponent("expect.json"), encoding: .utf8)
        #expect(expect.contains("\"2.1\": [\"OK\", \"OK\"]"))

        // The same run against a baseline that expected 2.1 to fail differently: an improvement, exit 0.
        let improved = root.appendingPathComponent("improved.json")
        try Data(expect.replacingOccurrences(of: "\"2.1\": [\"OK\", \"OK\"]", with: "\"2.1\": [\"FAILED\", \"OK\"]").utf8).write(to: improved)
        let better = try WSSpecBinary.run(["report", out, "--expect", improved.path])
        #expect(better.status == 0, "\(better.output)\(better.errors)")
        #expect(better.output.contains("baseline: 0 regression(s), 1 improvement(s)"))

        // Under the strict policy the informational case still passes; a policy file can make it fail.
        let policy = root.appendingPathComponent("policy.yaml")
        try Data("cases:\n  - match: '7.*'\n    behavior: [OK]\n".utf8).write(to: policy)
        let strict = try WSSpecBinary.run(["report", out, "--pass", policy.path, "--format", "json"])
        #expect(strict.status == 1)
        let failures = (try JSONSerialization.jsonObject(with: Data(strict.output.utf8)) as? [String: Any])?["failures"] as? [[String: Any]]
        #expect(failures?.map { $0["case"] as? String } == ["7.1.6"])

        // A baseline that lists that failure accepts it; one that expected a pass makes it a regression.
        let known = root.appendingPathComponent("known.json")
        try Data(expect.utf8).write(to: known)
        #expect(try WSSpecBinary.run(["report", out, "--pass", policy.path, "--expect", known.path]).status == 0)
        let regressed = root.appendingPathComponent("regressed.json")
        try Data(expect.replacingOccurrences(of: "\"7.1.6\": [\"INFORMATIONAL\", \"INFORMATIONAL\"]", with: "\"7.1.6\": [\"OK\", \"OK\"]").utf8)
            .write(to: regressed)
        let worse = try WSSpecBinary.run(["report", out, "--pass", policy.path, "--expect", regressed.path])
        #expect(worse.status == 1)
        #expect(worse.output.contains("REGRESSION 7.1.6: OK / OK → INFORMATIONAL / INFORMATIONAL"))
    }

    @Test("report --merge makes one matrix of two runs")
    func merge() throws {
        let root = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let a = root.appendingPathComponent("a").path, b = root.appendingPathComponent("b").path
        #expect(try WSSpecBinary.run(["run", "--cases", "1.1.1,2.1", "--outdir", a, "--agent", "Server A", "--quiet"]).status == 0)
        #expect(try WSSpecBinary.run(["run", "--cases", "2.1,3.1", "--outdir", b, "--agent", "Server <B>", "--quiet", "--no-html"]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: "\(b)/index.html"))
        let merged = root.appendingPathComponent("merged").path
        let result = try WSSpecBinary.run(["report", "--merge", a, b, "--outdir", merged])
        #expect(result.status == 0, "\(result.errors)")
        let index = try String(contentsOfFile: "\(merged)/index.html", encoding: .utf8)
        #expect(index.components(separatedBy: "<tr class=\"case\"").count - 1 == 3)
        #expect(index.contains("<th colspan=\"2\" class=\"agent\">Server &lt;B&gt;</th>"))
        #expect(index.components(separatedBy: "data-behavior=\"MISSING\"").count - 1 == 2)
        for file in ["server_a_case_1_1_1.html", "server__b_case_3_1.html", "server__b_case_3_1.json", "index.json"] {
            #expect(FileManager.default.fileExists(atPath: "\(merged)/\(file)"), "\(file) is missing")
        }
        let bad = try WSSpecBinary.run(["report", a, b])
        #expect(bad.status == 2)
        #expect(bad.errors.contains("several folders need --merge"))
        let missing = try WSSpecBinary.run(["report", root.appendingPathComponent("nothing").path])
        #expect(missing.status == 2)
        #expect(missing.errors.contains("is not a folder"))
    }

    @Test("list --format json gives every selected case with its category")
    func listJSON() throws {
        let result = try WSSpecBinary.run(["list", "--cases", "5.19,7.1.*", "--format", "json"])
        #expect(result.status == 0)
        let cases = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [[String: Any]]
        #expect(cases?.first?["id"] as? String == "5.19")
        #expect((cases?.first?["category"] as? [String: Any])?["title"] as? String == "Fragmentation")
        #expect(cases?.count == 7)
    }

    @Test("bad policy and baseline files stop the run before it starts, naming the file")
    func badInputs() throws {
        let root = Self.temporaryDirectory()
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let policy = root.appendingPathComponent("p.yaml")
        try Data("behavior: [PASS]\n".utf8).write(to: policy)
        let bad = try WSSpecBinary.run(["run", "--cases", "1.1.1", "--outdir", root.path, "--pass", policy.path])
        #expect(bad.status == 2)
        #expect(bad.errors.contains("--pass: \(policy.path):1: 'PASS' is not a behavior verdict"))
        let baseline = root.appendingPathComponent("b.json")
        try Data("{\"x\": [1]}".utf8).write(to: baseline)
        let badBaseline = try WSSpecBinary.run(["run", "--cases", "1.1.1", "--outdir", root.path, "--expect", baseline.path])
        #expect(badBaseline.status == 2)
        #expect(badBaseline.errors.contains("--expect: \(baseline.path): agent 'x' does not map to an object of cases"))
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("index.json").path))
    }
}
