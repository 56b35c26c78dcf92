import Foundation
import JSONCodec
import Testee
import Testing

/// A failure explains itself everywhere it is reported: a run of the executable against a server built to fail.
@Suite("Failures explain themselves", .serialized)
struct ExplanationTests {
    @Test("console, JSON report, --format json and JUnit carry the explanation and the replay line; server text escaped")
    func hostileServerRun() throws {
        let server = try HostileServer(.evilContent)
        defer { server.stop() }
        let scratch = try Scratch()
        defer { scratch.remove() }
        let junit = scratch.url.appendingPathComponent("junit.xml").path
        let (code, out, err) = try WSSpecProcess.run(
            [
                "run", server.url, "--cases", "2.1", "--seed", "7", "--outdir", scratch.url.appendingPathComponent("r").path,
                "--no-html", "--junit", junit,
            ], in: scratch.url)
        #expect(code == 1, "\(out)\n\(err)")
        let text = "'<script>alert(\\'x\\')</script></pre>\\x00&lt;'"
        let divergence = "event 1: expected pong empty, the server sent text message \(text) (38 octets); "
            + "then the close: wsspec was to close first, but the server closed (the server sent Close 1000 \(text); clean)"
        #expect(out.contains("      observed: text message \(text) (38 octets), binary message 0x3c00ffc080 (5 octets)"), "\(out)")
        #expect(out.contains("      rfc:      RFC 6455 §5.5.2, §5.5.3 — A Ping MUST be answered with a Pong"), "\(out)")
        #expect(out.contains("      sent:     ping frame empty; Close after 1 s"), "\(out)")
        #expect(out.contains("      expected: OK: pong empty | close: wsspec closes; code 1000, or none; a clean close"), "\(out)")
        #expect(out.contains("      parts at: \(divergence)"), "\(out)")
        let replay = "wsspec run \(server.url) --cases 2.1 --seed 7 --outdir \(scratch.url.appendingPathComponent("r").path)/replay --trace"
        #expect(out.contains("      replay:   \(replay)"), "\(out)")
        #expect(!out.contains("\u{0}"))

        let report = try ReferenceJSON.parse(
            String(contentsOf: scratch.url.appendingPathComponent("r").appendingPathComponent(
                try FileManager.default.contentsOfDirectory(atPath: scratch.url.appendingPathComponent("r").path)
                    .first { $0.hasSuffix("_case_2_1.json") }!), encoding: .utf8))
        #expect(report["wsspecExplanation"]?["divergence"]?.stringValue == divergence)
        #expect(report["wsspecExplanation"]?["rfc"]?.stringValue == "6455 §5.5.2, §5.5.3")
        #expect(report["wsspecReplay"]?.stringValue == replay)

        let xml = try String(contentsOfFile: junit, encoding: .utf8)
        #expect(xml.contains("parts at: event 1: expected pong empty"))
        #expect(xml.contains("replay:   wsspec run \(server.url) --cases 2.1 --seed 7"))
        #expect(!xml.contains("<script>"))

        let (_, json, _) = try WSSpecProcess.run(
            ["run", server.url, "--cases", "2.1", "--seed", "7", "--outdir", scratch.url.appendingPathComponent("j").path,
             "--no-html", "--format", "json"], in: scratch.url)
        let summary = try ReferenceJSON.parse(json)
        let failure = summary["failures"]?.arrayValue?.first
        #expect(failure?["explanation"]?["divergence"]?.stringValue == divergence)
        #expect(failure?["replay"]?.stringValue?.hasPrefix("wsspec run \(server.url) --cases 2.1 --seed 7") == true)
    }
}

@Suite("Wire trace", .serialized)
struct WireTraceTests {
    /// A trace without its times: what must be the same between two runs.
    static func masked(_ trace: String) -> [String] {
        trace.split(separator: "\n").map { line in
            line.replacingOccurrences(of: #"^ *[0-9]+\.[0-9]{3} ms  "#, with: "", options: .regularExpression)
        }
    }

    @Test("--trace-file writes a trace per case that is the same in two runs against wsspec echo once times are masked; --trace prints it live")
    func stableAcrossRuns() async throws {
        let server = try await startEchoServer()
        let scratch = try Scratch()
        defer { scratch.remove() }
        var traces: [[String]] = []
        for run in ["a", "b"] {
            let outdir = scratch.url.appendingPathComponent(run).path
            let (code, out, err) = try WSSpecProcess.run(
                ["run", "ws://127.0.0.1:\(server.port)", "--agent", "echo", "--cases", "1.1.2,2.2", "--seed", "3", "--outdir", outdir,
                 "--no-html", "--trace", "--trace-file"], in: scratch.url)
            #expect(code == 0, "\(out)\n\(err)")
            // Live on standard error, each line naming its case.
            #expect(err.contains("[2.2]") && err.contains("TX frame ping fin=1 rsv=0 mask="), "\(err)")
            var lines: [String] = []
            for id in ["1_1_2", "2_2"] {
                let text = try String(contentsOfFile: "\(outdir)/echo_case_\(id).trace", encoding: .utf8)
                lines += Self.masked(text)
            }
            traces.append(lines)
        }
        try await server.stop()
        #expect(traces[0] == traces[1])
        let trace = traces[0]
        #expect(trace.first == "# wsspec wire trace: case 1.1.2, echo")
        #expect(trace.contains { $0.hasPrefix("TX frame text fin=1 rsv=0 mask=") && $0.hasSuffix("len=125 '****************************************'…") })
        #expect(trace.contains { $0.hasPrefix("RX frame text fin=1 rsv=0 unmasked len=125 '*") })
        #expect(trace.contains("timer close-after#1 armed: 1.0 s"))
        #expect(trace.contains { $0.hasPrefix("RX frame pong fin=1 rsv=0 unmasked len=13 'Hello, world!'") })
        #expect(trace.contains { $0.hasPrefix("RX frame close fin=1 rsv=0 unmasked len=2 code=1000") })
        #expect(trace.last == "TCP gone")
    }
}

@Suite("--rerun-failures: flaky or failed", .serialized)
struct RerunFailuresTests {
    static func reportJSON(_ dir: URL, _ suffix: String) throws -> JSONValue {
        let name = try FileManager.default.contentsOfDirectory(atPath: dir.path).first { $0.hasSuffix(suffix) }!
        return try ReferenceJSON.parse(String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8))
    }

    @Test("a server that misbehaves every other time: the case is flaky everywhere it is reported, and fails the run unless the policy lets flaky pass")
    func flaky() throws {
        let server = try HostileServer(.everyOtherConnection)
        defer { server.stop() }
        let scratch = try Scratch()
        defer { scratch.remove() }
        let outdir = scratch.url.appendingPathComponent("r")
        let junit = scratch.url.appendingPathComponent("junit.xml").path
        let (code, out, err) = try WSSpecProcess.run(
            ["run", server.url, "--cases", "2.2", "--seed", "1", "--rerun-failures", "2", "--outdir", outdir.path, "--junit", junit],
            in: scratch.url)
        #expect(code == 1, "\(out)\n\(err)")
        #expect(out.contains("rerun 2/3 pass  2.2      OK / OK"), "\(out)")
        #expect(!out.contains("rerun 3/3"), "a rerun that passed ends the reruns: \(out)")
        #expect(out.contains("2.2: FAILED / OK — Actual events differ from any expected.  [flaky: FAILED / OK, then OK / OK]"), "\(out)")
        #expect(out.contains("1 failed (1 flaky)"), "\(out)")
        let report = try Self.reportJSON(outdir, "_case_2_2.json")
        #expect(report["wsspecStability"]?.stringValue == "flaky")
        #expect(report["wsspecAttempts"]?.arrayValue?.map { $0["behavior"]?.stringValue ?? "" } == ["FAILED", "OK"])
        // The first run stays the case's report.
        #expect(report["behavior"]?.stringValue == "FAILED")
        let xml = try String(contentsOfFile: junit, encoding: .utf8)
        #expect(xml.contains("type=\"FLAKY FAILED / OK\""), "\(xml)")
        #expect(xml.contains("flaky: FAILED / OK, then OK / OK"))
        let index = try String(contentsOf: outdir.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(index.contains("<span class=\"stability flaky\""))
        #expect(index.contains("⚑ flaky"))

        // A policy that lets flaky cases pass: the run passes, and still says which case was flaky.
        try scratch.write("policy.yaml", "flaky: pass\n")
        let (passCode, passOut, passErr) = try WSSpecProcess.run(
            ["run", server.url, "--cases", "2.2", "--seed", "1", "--rerun-failures", "2", "--outdir",
             scratch.url.appendingPathComponent("p").path, "--no-html", "--pass", "policy.yaml", "--format", "json"],
            in: scratch.url)
        #expect(passCode == 0, "\(passOut)\n\(passErr)")
        let summary = try ReferenceJSON.parse(passOut)
        #expect(summary["failed"]?.intValue == 0)
        #expect(summary["flaky"]?.arrayValue?.first?["case"]?.stringValue == "2.2")
        #expect(summary["flaky"]?.arrayValue?.first?["stability"]?.stringValue == "flaky")
    }

    @Test("a server that always misbehaves: the case failed every run, all runs kept")
    func failed() throws {
        let server = try HostileServer(.evilContent)
        defer { server.stop() }
        let scratch = try Scratch()
        defer { scratch.remove() }
        let outdir = scratch.url.appendingPathComponent("r")
        let (code, out, err) = try WSSpecProcess.run(
            ["run", server.url, "--cases", "2.2", "--seed", "1", "--rerun-failures", "2", "--outdir", outdir.path, "--no-html",
             "--format", "json", "--trace-file"], in: scratch.url)
        #expect(code == 1, "\(out)\n\(err)")
        let summary = try ReferenceJSON.parse(out)
        let failure = summary["failures"]?.arrayValue?.first
        #expect(failure?["stability"]?.stringValue == "failed")
        #expect(failure?["attempts"]?.arrayValue?.count == 3)
        #expect(summary["flaky"]?.arrayValue?.isEmpty == true)
        #expect(err.contains("rerun 3/3 FAIL  2.2"), "\(err)")
        let report = try Self.reportJSON(outdir, "_case_2_2.json")
        #expect(report["wsspecStability"]?.stringValue == "failed")
        #expect(report["wsspecAttempts"]?.arrayValue?.count == 3)
        // Each run's trace is kept: the first's beside the report, the reruns' beside it.
        let files = try FileManager.default.contentsOfDirectory(atPath: outdir.path)
        for suffix in ["_case_2_2.trace", "_case_2_2.run2.trace", "_case_2_2.run3.trace"] {
            #expect(files.contains { $0.hasSuffix(suffix) }, "\(files)")
        }
    }
}

@Suite("--pause-before", .serialized)
struct PauseBeforeRunTests {
    @Test("the case waits after the handshake until Enter, sends nothing before, then runs and passes")
    func waitsForEnter() throws {
        guard let wsspecExecutable else { throw WSSpecProcess.Missing() }
        let scratch = try Scratch()
        defer { scratch.remove() }
        let process = Process()
        process.executableURL = wsspecExecutable
        process.arguments = [
            "run", "--cases", "2.2", "--pause-before", "2.2", "--trace", "--seed", "1", "--no-html", "--outdir",
            scratch.url.appendingPathComponent("r").path,
        ]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        final class Collected: @unchecked Sendable {
            let lock = NSLock()
            var text = ""
        }
        let collected = Collected()
        errors.fileHandleForReading.readabilityHandler = { handle in
            let text = String(decoding: handle.availableData, as: UTF8.self)
            collected.lock.withLock { collected.text += text }
        }
        let lock = collected.lock
        var stderr: String { collected.text }
        try process.run()
        let prompt = "wsspec: case 2.2 is connected and held before its first step"
        let deadline = Date().addingTimeInterval(60)
        while !lock.withLock({ stderr.contains(prompt) }) && Date() < deadline && process.isRunning { usleep(20_000) }
        let beforeEnter = lock.withLock { stderr }
        #expect(beforeEnter.contains(prompt), "\(beforeEnter)")
        #expect(beforeEnter.contains("held after the handshake (--pause-before)"))
        #expect(!beforeEnter.contains("TX frame"), "a held case sends nothing: \(beforeEnter)")
        #expect(process.isRunning, "the case waits for Enter")
        input.fileHandleForWriting.write(Data("\n".utf8))
        process.waitUntilExit()
        errors.fileHandleForReading.readabilityHandler = nil
        let all = lock.withLock { stderr } + String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let out = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(out)\n\(all)")
        #expect(out.contains("pass  2.2"), "\(out)")
        let resumed = try #require(all.range(of: "resumed"))
        let ping = try #require(all.range(of: "TX frame ping"))
        #expect(resumed.lowerBound < ping.lowerBound)
    }
}
