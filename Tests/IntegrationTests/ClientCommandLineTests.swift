import Foundation
import JSONCodec
import ReportFormat
import Testing

/// `wsspec test-client` and `wsspec serve` as a CI job runs them: reports in reports/clients, HTML, JUnit, the JSON
/// summary and the exit code.
@Suite("Client testing on the command line", .serialized)
struct ClientCommandLineTests {
    static func client(_ extra: [String] = []) throws -> [String] {
        let python = try #require(PythonEchoServer.python, "WSSPEC_PYTHON is not set (a Python with websockets==17.4)")
        return [python, ClientTests.script, "{url}", "{agent}"] + extra
    }

    @Test("test-client: a passing client exits 0 with the reference's layout in reports/clients, HTML, JUnit, JSON summary")
    func passing() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (code, out, err) = try WSSpecProcess.run(
            ["test-client", "--cases", "1.1.1,2.1,5.19", "--agent", "py", "--junit", "junit.xml", "--format", "json", "--"]
                + (try Self.client()), in: scratch.url, seconds: 120)
        #expect(code == 0, "\(err)")
        let entries = try expectCompleteReports(in: scratch.url.appendingPathComponent("reports/clients"))
        #expect(entries.keys.sorted() == ["1.1.1", "2.1", "5.19"])
        #expect(scratch.exists("reports/clients/index.html") && scratch.exists("junit.xml"))
        let summary = try ReferenceJSON.parse(out)
        #expect(summary.objectValue?["exitCode"]?.intValue == 0, "\(out)")
        let report = try String(contentsOf: scratch.url.appendingPathComponent("reports/clients/py_case_5_19.json"), encoding: .utf8)
        #expect(report.contains("\"isServer\": true") && report.contains("\"case\": 3,"))
    }

    @Test("test-client: a client that fails a case exits 1 (the gate), one that stops early exits 1 naming the case")
    func failing() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (code, _, _) = try WSSpecProcess.run(
            ["test-client", "--cases", "1.1.2", "--agent", "bad", "--no-html", "--"] + (try Self.client(["--misbehave", "mangle"])),
            in: scratch.url, seconds: 120)
        #expect(code == 1)
        let entries = try expectCompleteReports(in: scratch.url.appendingPathComponent("reports/clients"))
        #expect(entries["1.1.2"]?.behavior == "FAILED")
        let (early, _, err) = try WSSpecProcess.run(
            ["test-client", "--cases", "1.1.1,1.1.2", "--agent", "early", "--no-html", "--outdir", "early", "--"]
                + (try Self.client(["--misbehave", "stop:1"])), in: scratch.url, seconds: 120)
        #expect(early == 1)
        #expect(err.contains("the client ended (exit status 0) after 1 of 2 cases; case 1.1.2 and later ones did not run"), "\(err)")
        #expect(try expectCompleteReports(in: scratch.url.appendingPathComponent("early")).keys.sorted() == ["1.1.1"])
    }

    @Test("test-client interrupted: the client is stopped, exit 130, the reports of what ran are complete")
    func interrupted() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let run = try WSSpecProcess(
            ["test-client", "--cases", "1.1.1,1.1.2", "--agent", "int", "--no-html", "--"] + (try Self.client(["--misbehave", "hang:1"])),
            in: scratch.url)
        for _ in 0..<3000 where !run.stdout.contains("1.1.1") { usleep(10_000) }
        #expect(run.stdout.contains("1.1.1"), "the first case did not end: \(run.stdout) \(run.stderr)")
        kill(run.process.processIdentifier, SIGINT)
        let code = run.wait(seconds: 60)
        #expect(code == 130, "\(run.stderr)")
        #expect(run.stderr.contains("interrupted by SIGINT: 1 of 2 cases ran"), "\(run.stderr)")
        #expect(try expectCompleteReports(in: scratch.url.appendingPathComponent("reports/clients")).keys.sorted() == ["1.1.1"])
    }

    @Test("the built-in echo client passes every case of categories 1-7, 9 and 10, and a selection of 12.x/13.x")
    func builtinEchoClient() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let executable = try #require(wsspecExecutable).path
        let (code, out, err) = try WSSpecProcess.run(
            ["test-client", "--cases", "1.*,2.*,3.*,4.*,5.*,6.*,7.*,9.*,10.*,12.1.1,13.3.1,13.7.1", "--agent", "echo", "--no-html",
             "--", executable, "echo-client", "{url}", "--agent", "{agent}"], in: scratch.url, seconds: 600)
        #expect(code == 0, "\(out.suffix(3000)) \(err.suffix(2000))")
        let entries = try expectCompleteReports(in: scratch.url.appendingPathComponent("reports/clients"))
        #expect(entries.count == 304)
        let failing = entries.filter { !["OK", "INFORMATIONAL"].contains($0.value.behavior) || !["OK", "INFORMATIONAL"].contains($0.value.behaviorClose) }
        #expect(failing.isEmpty, "\(failing.keys.sorted())")
    }

    @Test("test-client without a command is a usage error")
    func noCommand() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (code, _, err) = try WSSpecProcess.run(["test-client"], in: scratch.url)
        #expect(code == 2 && err.contains("give the client's command after --"))
    }

    @Test("serve: the client drives it and stops it with shutdownOnComplete; then HTML and the gate's exit code")
    func serve() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try scratch.write(
            "fuzzingserver.json",
            #"{"url": "ws://127.0.0.1:9001", "outdir": "./out", "cases": ["2.*", "5.19"], "exclude-cases": ["2.1*"], "exclude-agent-cases": {"py": ["2.3"]}}"#)
        let server = try WSSpecProcess(["serve", "--spec", "fuzzingserver.json", "--port", "0"], in: scratch.url)
        var url: String?
        for _ in 0..<1000 where url == nil {
            usleep(10_000)
            if let line = server.stdout.split(separator: "\n").first(where: { $0.contains("listening on ") }),
                let found = line.split(separator: " ").first(where: { $0.hasPrefix("ws://") })
            {
                url = String(found.dropLast())  // the URL ends with ':'
            }
        }
        let listening = try #require(url, "serve did not say where it listens: \(server.stdout) \(server.stderr)")
        let python = try #require(PythonEchoServer.python)
        let client = Process()
        client.executableURL = URL(fileURLWithPath: python)
        client.arguments = [ClientTests.script, listening, "py", "--shutdown"]
        client.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        try client.run()
        let code = server.wait(seconds: 120)
        #expect(code == 0, "\(server.stderr)")
        let entries = try expectCompleteReports(in: scratch.url.appendingPathComponent("out"))
        // 2.1 and 2.10, 2.11 are excluded; 2.3 is excluded for this agent only; 5.19 is case 9 of the selection.
        #expect(entries.keys.sorted { $0.localizedStandardCompare($1) == .orderedAscending } == ["2.2", "2.4", "2.5", "2.6", "2.7", "2.8", "2.9", "5.19"])
        let report = try String(contentsOf: scratch.url.appendingPathComponent("out/py_case_5_19.json"), encoding: .utf8)
        #expect(report.contains("\"case\": 9,"))
        #expect(scratch.exists("out/index.html"))
    }
}
