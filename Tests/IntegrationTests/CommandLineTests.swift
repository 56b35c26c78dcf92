import Foundation
import ReportFormat
import Gating
import Rendering
import Recording
import JSONCodec
import Testing

/// The `wsspec` executable built next to this test bundle.
let wsspecExecutable: URL? = {
    var candidates: [URL] = []
    let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    // Linux: .build/debug/wsspecPackageTests.xctest; macOS: .build/debug/wsspecPackageTests.xctest/Contents/MacOS/…
    for dir in [runner.deletingLastPathComponent(), runner.deletingLastPathComponent().deletingLastPathComponent()] {
        candidates.append(dir.appendingPathComponent("wsspec"))
    }
    candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("wsspec"))
    for bundle in Bundle.allBundles where bundle.bundleURL.pathExtension == "xctest" {
        candidates.append(bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("wsspec"))
    }
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) && !$0.hasDirectoryPath }
}()

/// A run of the `wsspec` executable.
final class WSSpecProcess: @unchecked Sendable {
    let process = Process()
    private let out = Pipe()
    private let err = Pipe()
    private let collected = NSLock()
    private var stdoutData = Data()
    private var stderrData = Data()

    init(_ arguments: [String], in directory: URL) throws {
        guard let wsspecExecutable else { throw Missing() }
        process.executableURL = wsspecExecutable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        out.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            self?.collected.withLock { self?.stdoutData.append(data) }
        }
        err.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            self?.collected.withLock { self?.stderrData.append(data) }
        }
        try process.run()
    }

    /// Waits up to `seconds` for the process to end; kills it if it has not. Returns its exit code, nil if killed.
    func wait(seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            while process.isRunning { usleep(10_000) }
            return nil
        }
        // What the handlers have not read yet: stop them, then read the pipes to their end (the process has
        // exited, so the ends come at once). Waiting a fixed time instead lost output on a loaded machine.
        out.fileHandleForReading.readabilityHandler = nil
        err.fileHandleForReading.readabilityHandler = nil
        usleep(10_000)
        let restOut = out.fileHandleForReading.readDataToEndOfFile()
        let restErr = err.fileHandleForReading.readDataToEndOfFile()
        collected.withLock {
            stdoutData.append(restOut)
            stderrData.append(restErr)
        }
        return process.terminationStatus
    }

    var stdout: String { collected.withLock { String(decoding: stdoutData, as: UTF8.self) } }
    var stderr: String { collected.withLock { String(decoding: stderrData, as: UTF8.self) } }

    struct Missing: Error, CustomStringConvertible {
        var description: String { "the wsspec executable was not found next to the test bundle" }
    }

    /// Runs to the end (at most `seconds`).
    static func run(_ arguments: [String], in directory: URL, seconds: Double = 60) throws -> (Int32?, String, String) {
        let p = try WSSpecProcess(arguments, in: directory)
        let code = p.wait(seconds: seconds)
        return (code, p.stdout, p.stderr)
    }
}

/// A scratch folder for one test.
struct Scratch {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("wsspec-cli-\(UUID().uuidString)")
    init() throws { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
    func write(_ path: String, _ text: String) throws {
        let file = url.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: file)
    }
    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: url.appendingPathComponent(path).path) }
    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// Every report in `outdir` is valid JSON and `index.json` lists the case files there: all of them, or with
/// `complete: false` (the folder refused files mid-run) a subset.
func expectCompleteReports(
    in outdir: URL, complete: Bool = true, sourceLocation: Testing.SourceLocation = #_sourceLocation
) throws -> [String: IndexEntry] {
    let index = try ReferenceIndex.load(outdir.appendingPathComponent("index.json"))
    var listed: Set<String> = []
    var entries: [String: IndexEntry] = [:]
    for (_, cases) in index {
        for (id, entry) in cases {
            listed.insert(entry.reportfile)
            entries[id] = entry
            let text = try String(contentsOf: outdir.appendingPathComponent(entry.reportfile), encoding: .utf8)
            _ = try ReferenceJSON.parse(text)
        }
    }
    let all = try FileManager.default.contentsOfDirectory(atPath: outdir.path)
    // The HTML report (index.html, a page per case) is checked by the report tests.
    let files = Set(all.filter { !$0.hasPrefix(".") && $0.hasSuffix(".json") && $0 != "index.json" })
    for name in files { _ = try ReferenceJSON.parse(String(contentsOf: outdir.appendingPathComponent(name), encoding: .utf8)) }
    if complete {
        #expect(files == listed, "files and index differ", sourceLocation: sourceLocation)
        #expect(all.allSatisfy { !$0.hasPrefix(".") }, "temporary files left: \(all)", sourceLocation: sourceLocation)
    } else {
        #expect(listed.isSubset(of: files), "the index lists files that are not there", sourceLocation: sourceLocation)
    }
    return entries
}

let brokenCaseFile = """
    category: { id: "2", title: Pings }
    cases:
      - id: "2.1"
        description: x
        expectation: y
        steps:
          - sned: { opcode: ping }
          - send: { opcode: ping, payload: { hex: "zz" } }
          - send: { opcode: ping, fin: maybe }
        expect: { OK: [] }
        close: { by: client, codes: [1000], clean: true }
      - id: "2.{n}"
        table: { columns: [n], rows: [[5]] }
        description: "{m}"
        expectation: y
        steps: []
        expect: { OK: [] }
        close: { by: client, codes: [1000], clean: true }
      - id: "2.2"
        description: x
        expectation: y
        steps: []
        expect: { OK: [] }
        close: { by: client, codes: [1000], clean: true }
      - id: "2.2"
        description: x
        expectation: y
        steps: []
        expect: { OK: [] }
        close: { by: client, codes: [1000], clean: true }

    """

@Suite("Command line: bad input, interruption", .serialized, .enabled(if: wsspecExecutable != nil))
struct CommandLineTests {
    @Test("lint: one line per problem with file:line:column, exit 2; the built-in suite is clean")
    func lint() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try scratch.write("mine/pings.yaml", brokenCaseFile)
        try scratch.write("mine/syntax.yaml", "category: { id: \"3\", title: R }\ncases:\n  - id: \"3.1\"\n    description: [x\n")
        let (code, _, stderr) = try WSSpecProcess.run(["lint", "mine"], in: scratch.url)
        #expect(code == 2)
        let lines = stderr.split(separator: "\n").map(String.init)
        for expected in [
            "mine/pings.yaml:7:9: error: unknown step 'sned'",
            "mine/pings.yaml:8:47: error: 'zz' is not a hex byte",
            "mine/pings.yaml:9:36: error: expected true or false, got 'maybe'",
            "mine/pings.yaml:14:18: error: parameter '{m}' is not a column of this case's table",
            "mine/pings.yaml:25:5: error: duplicate case ID 2.2 (first defined at mine/pings.yaml:19:5)",
            "mine/syntax.yaml:5:1: error: YAML syntax:",
        ] {
            #expect(lines.contains { $0.contains(expected) }, "missing '\(expected)' in:\n\(stderr)")
        }
        #expect(stderr.contains("6 problems found"))

        let (clean, stdout, _) = try WSSpecProcess.run(["lint"], in: scratch.url)
        #expect(clean == 0)
        #expect(stdout.contains("no problems"))
    }

    @Test("malformed case files, spec files and selections: exit 2, a message naming the place, nothing written")
    func badInputWritesNothing() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try scratch.write("mine/pings.yaml", brokenCaseFile)
        try scratch.write("spec.json", "{\n  \"cases\": [\"*\"],\n  \"outdir\": 5\n}")
        try scratch.write("syntax.json", "{\n  \"cases\": [\"*\"]\n  \"outdir\": \"out\"\n}")
        let runs: [([String], String)] = [
            (["run", "--case-dir", "mine", "--outdir", "out"], "mine/pings.yaml:7:9: error: unknown step 'sned'"),
            (["run", "--spec", "spec.json"], "spec.json:3:13: 'outdir' must be a text"),
            (["run", "--spec", "syntax.json"], "syntax.json:3:3: not valid JSON"),
            (["run", "--cases", "99.1", "--outdir", "out"], "there is no case '99.1' (see `wsspec list`)"),
            (["run", "--cases", "1.1.1,8*", "--outdir", "out"], "the pattern '8*' selects no case"),
            (["run", "--exclude", "77.*", "--outdir", "out"], "the pattern '77.*' selects no case"),
            (["run", "--case-dir", "nowhere", "--outdir", "out"], "nowhere: error: case directory does not exist"),
            (["run", "ws://127.0.0.1:99999", "--outdir", "out"], "is not a port number"),
            (["run", "--max-message-size", "lots", "--outdir", "out"], "--max-message-size: 'lots' is not a size"),
            (["run", "--cases", "20.*", "--outdir", "out"], "it selects cases with --suite handshake or --suite all"),
            (["run", "--suite", "handshakes", "--outdir", "out"], "there is no suite 'handshakes'"),
        ]
        for (arguments, message) in runs {
            let (code, _, stderr) = try WSSpecProcess.run(arguments, in: scratch.url)
            #expect(code == 2, "\(arguments): exit \(code.map(String.init) ?? "none")\n\(stderr)")
            #expect(stderr.contains(message), "\(arguments): '\(message)' not in:\n\(stderr)")
            #expect(!stderr.contains("Fatal error"), "\(arguments)")
            #expect(!scratch.exists("out"), "\(arguments) created the output folder")
        }
    }

    @Test("list: the reference's 517 cases by default; --suite handshake lists the handshake cases with their checks and clauses")
    func listSuites() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (code, stdout, _) = try WSSpecProcess.run(["list"], in: scratch.url)
        #expect(code == 0)
        #expect(stdout.split(separator: "\n").count == 517)
        let (jsonCode, json, stderr) = try WSSpecProcess.run(["list", "--suite", "handshake", "--format", "json"], in: scratch.url)
        #expect(jsonCode == 0, "\(stderr)")
        let cases = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        #expect(!cases.isEmpty && cases.allSatisfy { ($0["suite"] as? String) == "handshake" && $0["rfc"] != nil })
        let version = try #require(cases.first { ($0["id"] as? String) == "20.4.1" })
        let checks = try #require(version["checks"] as? [[String: String]])
        #expect(checks.first == ["level": "MUST", "check": "status: [4xx, 5xx]", "rfc": "6455 §4.4, §4.2.2"])
        #expect(checks.last?["level"] == "MAY")
        let (allCode, all, _) = try WSSpecProcess.run(["list", "--suite", "all"], in: scratch.url)
        #expect(allCode == 0)
        let (_, http2, _) = try WSSpecProcess.run(["list", "--suite", "http2"], in: scratch.url)
        #expect(http2.split(separator: "\n").count == 10)
        #expect(all.split(separator: "\n").count == 517 + cases.count + 10)
    }

    @Test("the receive limit: the spec's maxMessagePayloadSize, overridden by --max-message-size")
    func receiveLimitOptions() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try scratch.write("spec.json", #"{"cases": ["1.1.2"], "outdir": "out", "options": {"maxMessagePayloadSize": 100}}"#)
        let (limited, _, _) = try WSSpecProcess.run(["run", "--spec", "spec.json", "--seed", "1"], in: scratch.url)
        #expect(limited == 1)
        let report = try String(contentsOf: scratch.url.appendingPathComponent("out/wsspec_echo_case_1_1_2.json"), encoding: .utf8)
        #expect(report.contains("message exceeds wsspec's receive limit of 100 octets"))
        let (raised, stdout, _) = try WSSpecProcess.run(
            ["run", "--spec", "spec.json", "--max-message-size", "1K"], in: scratch.url)
        #expect(raised == 0, "\(stdout)")
    }

    @Test("an output folder that cannot be created or written: exit 2 before any case runs")
    func unusableOutdir() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try scratch.write("a-file", "not a folder")
        for outdir in ["a-file", "a-file/reports"] {
            let (code, _, stderr) = try WSSpecProcess.run(["run", "--cases", "1.1.1", "--outdir", outdir], in: scratch.url)
            #expect(code == 2, "\(outdir): \(stderr)")
            #expect(stderr.contains("cannot use the output folder") && stderr.contains("a-file"), "\(stderr)")
        }
        // A folder that exists but refuses files (where the system lets a test make one).
        guard Unwritable.possible else { return }
        let locked = scratch.url.appendingPathComponent("locked")
        try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: true)
        Unwritable.make(locked)
        defer { Unwritable.undo(locked) }
        let (code, _, stderr) = try WSSpecProcess.run(["run", "--cases", "1.1.1", "--outdir", "locked"], in: scratch.url)
        #expect(code == 2, "\(stderr)")
        #expect(stderr.contains("cannot use the output folder") && stderr.contains("index.json"), "\(stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: locked.path).isEmpty)
    }

    @Test(
        "the output folder stops taking files mid-run: a clear error, exit 1, and what was written stays valid",
        .enabled(if: Unwritable.possible))
    func outdirFailsMidRun() throws {
        let scratch = try Scratch()
        defer {
            Unwritable.undo(scratch.url.appendingPathComponent("out"))
            scratch.remove()
        }
        let outdir = scratch.url.appendingPathComponent("out")
        let run = try WSSpecProcess(["run", "--cases", "1.*,2.*,5.*", "--outdir", "out"], in: scratch.url)
        // Once a few cases are on disk, the folder refuses new files (as a full disk would).
        let deadline = Date().addingTimeInterval(30)
        while ((try? FileManager.default.contentsOfDirectory(atPath: outdir.path).count) ?? 0) < 4 && Date() < deadline {
            usleep(5_000)
        }
        Unwritable.make(outdir)
        let code = run.wait(seconds: 60)
        #expect(code == 1, "\(run.stderr)")
        #expect(run.stderr.contains("cannot write the report of case"), "\(run.stderr)")
        Unwritable.undo(outdir)
        // The index is the one written last, before the folder refused files; a case file written after it,
        // or a temporary file the refusing folder would not let go, may be there too.
        let entries = try expectCompleteReports(in: outdir, complete: false)
        #expect(entries.count >= 1)
    }

    @Test("SIGINT and SIGTERM mid-run: the reports of what ran are complete, the case cut short is ERROR, exit 130/143",
          arguments: [SIGINT, SIGTERM])
    func interrupted(signal: Int32) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let outdir = scratch.url.appendingPathComponent("out")
        // Against the built-in echo server; the whole suite takes far longer than the wait below.
        let run = try WSSpecProcess(["run", "--outdir", "out", "--quiet"], in: scratch.url)
        let deadline = Date().addingTimeInterval(30)
        while ((try? FileManager.default.contentsOfDirectory(atPath: outdir.path).count) ?? 0) < 6 && Date() < deadline {
            usleep(5_000)
        }
        let sent = Date()
        kill(run.process.processIdentifier, signal)
        let code = run.wait(seconds: 20)
        let seconds = Date().timeIntervalSince(sent)
        #expect(code == 128 + signal, "\(run.stderr)")
        #expect(run.stderr.contains("interrupted by \(signal == SIGINT ? "SIGINT" : "SIGTERM")"), "\(run.stderr)")
        print("interrupted: \(signal == SIGINT ? "SIGINT" : "SIGTERM") → exit after \(String(format: "%.2f", seconds)) s")
        let entries = try expectCompleteReports(in: outdir)
        #expect(entries.count >= 3 && entries.count < 301)
        #expect(FileManager.default.fileExists(atPath: outdir.appendingPathComponent("index.html").path),
                "the HTML report is written for what ran")
        // At most the case that was running is ERROR, and only as an interruption, never as a server failure.
        let errors = entries.filter { $0.value.behavior == "ERROR" }
        #expect(errors.count <= 1)
        for (id, entry) in errors {
            let text = try String(contentsOf: outdir.appendingPathComponent(entry.reportfile), encoding: .utf8)
            #expect(text.contains("wsspec was interrupted before the case finished"), "\(id)")
        }
        #expect(entries.values.filter { $0.behavior != "ERROR" }.allSatisfy { $0.behavior == "OK" || $0.behavior == "NON-STRICT" || $0.behavior == "INFORMATIONAL" })
    }
}

/// Making a folder refuse new files, as a full disk would: `chmod 555`, or for root (whom permissions do
/// not stop) the immutable attribute.
enum Unwritable {
    static let possible: Bool = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wsspec-probe-\(UUID().uuidString)")
        guard (try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)) != nil else { return false }
        defer {
            undo(dir)
            try? FileManager.default.removeItem(at: dir)
        }
        make(dir)
        return FileManager.default.createFile(atPath: dir.appendingPathComponent("x").path, contents: Data()) == false
    }()

    static func make(_ dir: URL) {
        chmod(dir.path, 0o555)
        if getuid() == 0 { shell("/usr/bin/chattr", "+i", dir.path) }
    }

    static func undo(_ dir: URL) {
        if getuid() == 0 { shell("/usr/bin/chattr", "-i", dir.path) }
        chmod(dir.path, 0o755)
    }

    private static func shell(_ tool: String, _ arguments: String...) {
        guard FileManager.default.isExecutableFile(atPath: tool) else { return }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = arguments
        p.standardError = FileHandle(forWritingAtPath: "/dev/null")
        guard (try? p.run()) != nil else { return }
        while p.isRunning { usleep(5_000) }
    }
}
