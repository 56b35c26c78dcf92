import ArgumentParser
import CaseModel
import Engine
import Foundation
import Harness
import Orchestration
import Rendering
import ReportFormat

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the suite against a server (default: wsspec's own echo server).",
        discussion: """
            Give a ws:// URL (wss:// for TLS; h2:// or h2s:// for WebSocket over HTTP/2, RFC 8441), or a reference spec file with --spec (its servers, cases, exclude-cases, \
            exclude-agent-cases and outdir are used). Flags given on the command line override the spec file. \
            With neither, wsspec starts its built-in echo server and runs the suite against it.
            """)

    @Argument(help: "The servers' URLs, e.g. ws://127.0.0.1:9001 (several run one after the other, into one report).")
    var urls: [String] = []

    @Option(name: .long, help: "A fuzzingclient.json spec file in the reference's format.")
    var spec: String?

    @OptionGroup var caseOptions: CaseOptions

    @Option(name: .long, help: "Folder for the reports (default: the spec's outdir, else ./reports/servers).")
    var outdir: String?

    @Option(
        name: .long,
        help: "Agent name used in reports (default: the server's Server header); with several URLs, once per URL, in order.")
    var agent: [String] = []

    @OptionGroup(title: "Handshake, timeouts and TLS") var connection: ConnectionOptions

    @Option(name: .long, help: "Seed for everything random (masking keys, handshake keys); printed when not given.")
    var seed: UInt64?

    @Option(
        name: .long,
        help: "Folder of test-data files for the compression cases (12.x, 13.x), e.g. the reference's autobahntestsuite/testdata for byte-for-byte parity (default: the built-in Cases/data).")
    var testdata: String?

    @Flag(
        name: .long,
        help: "Print each case's decoded wire trace on standard error as it runs: frames, octets, timers, TCP, with times since the case began.")
    var trace = false
    @Flag(name: .customLong("trace-file"), help: "Write each case's wire trace next to its report (<agent>_case_<id>.trace).")
    var traceFile = false
    @Option(
        name: .customLong("rerun-failures"),
        help: ArgumentHelp(
            "Run each case that failed the pass policy again, alone, up to N times: one that passes once is flaky, one that fails every time failed. A flaky case fails the run unless the policy file says 'flaky: pass'.",
            valueName: "N"))
    var rerunFailures = 0
    @Option(
        name: .customLong("pause-before"),
        help: ArgumentHelp(
            "Hold these cases (patterns, as --cases) after the opening handshake, before their first step, until Enter is pressed, so a debugger can be attached to the server; their timers start when they go on.",
            valueName: "P,…"))
    var pauseBefore: [String] = []
    @Flag(name: .long, help: "Print nothing while running but the summary.")
    var quiet = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The largest message wsspec accepts from the server, in octets (suffixes K, M, G: 2^10, 2^20, 2^30). A larger one fails the case with 1009. Default: the spec's maxMessagePayloadSize option when set, else 64M.",
            valueName: "SIZE"))
    var maxMessageSize: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Octets of compressed messages kept for later compression cases that send them again (12.x, 13.x; suffixes K, M, G), in temporary files in $TMPDIR (unlinked at once), not in wsspec's memory. 0 compresses every message anew. Default: 256M.",
            valueName: "SIZE"))
    var compressionCache: String?

    @Flag(name: .customLong("no-html"), help: "Do not write the HTML report (index.html and a page per case).")
    var noHTML = false

    @OptionGroup var gate: GateOptions

    @Option(name: .long, help: "Run up to N cases at once against a server, each on its own connection (default 1).")
    var jobs = 1

    @Option(
        name: .long,
        help: """
            Cases that always run alone, even with --jobs: patterns as --cases, @runs-alone for the cases whose \
            category says runs-alone (9.x, 12.x, 13.x), and @chopped for every case that writes in chops or synced \
            pieces and expects the server to fail (default '@runs-alone,@chopped'; '' for none).
            """)
    var serial: [String] = []

    @Option(name: .long, help: "Run only slice K of N (e.g. 2/4): deterministic slices balanced by expected time, for CI matrices.")
    var shard: String?

    func validate() throws {
        if !urls.isEmpty && spec != nil { throw ValidationError("give either URLs or --spec, not both") }
        if !agent.isEmpty && agent.count != max(urls.count, 1) {
            throw ValidationError("give one --agent per URL (\(urls.count) URLs, \(agent.count) agents)")
        }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
        if !pauseBefore.isEmpty && jobs > 1 {
            throw ValidationError("--pause-before holds one case at a time: it goes with --jobs 1, not --jobs \(jobs)")
        }
        guard rerunFailures >= 0 else { throw ValidationError("--rerun-failures must be 0 or more, got \(rerunFailures)") }
        if let shard {
            do { _ = try Shard(shard) } catch let problem as Shard.Problem { throw ValidationError("--shard: \(problem)") }
        }
        if let maxMessageSize { _ = try Self.octets(maxMessageSize) }
        if let compressionCache { _ = try Self.octets(compressionCache, option: "--compression-cache", zero: true) }
    }

    /// `SIZE` of `--max-message-size` (or of `option`): a whole number of octets, optionally with K, M or G (powers
    /// of 2^10); positive unless `zero` allows 0.
    static func octets(_ text: String, option: String = "--max-message-size", zero: Bool = false) throws -> UInt64 {
        var digits = Substring(text.trimmingCharacters(in: .whitespaces))
        var scale: UInt64 = 1
        if let last = digits.last, let shift = ["K": 10, "M": 20, "G": 30][last.uppercased()] {
            scale = 1 << UInt64(shift)
            digits = digits.dropLast()
        }
        guard let n = UInt64(digits), n > 0 || zero, n <= UInt64.max / scale else {
            let kind = zero ? "a whole number" : "a positive whole number"
            throw ValidationError("\(option): '\(text)' is not a size (\(kind) of octets, or with K, M or G)")
        }
        return n * scale
    }

    func run() async throws {
        try gate.validateInputs()
        let plan = try usage { try RunPlan(request()) }
        let suite = try caseOptions.loadSuite()
        let quiet = quiet
        let say: @Sendable (String) -> Void = { [format = gate.format] text in
            if !quiet { Self.say(text, format: format) }
        }
        let run = try usage { try Run(plan: plan, suite: suite, say: say) }
        let gateRun = try gate.makeGate(groupTitles: suite.groupTitles)
        let progress = Progress(total: run.total, policy: gateRun.policy, quiet: quiet, toStandardError: gate.format == .json)
        var events = Run.Events()
        events.starting = { progress.starting($0, agent: nil) }
        events.finished = { progress.finished($0) }
        events.writeFailed = { printError($0) }
        events.ended = { progress.end() }
        events.failsPolicy = { [policy = gateRun.policy] record in !policy.passes(ReportedCase(record)) }
        events.rerun = { [policy = gateRun.policy, runs = rerunFailures + 1] record, attempt in
            let reported = ReportedCase(record)
            progress.say("rerun \(attempt)/\(runs) " + Console.line(for: reported, passes: policy.passes(reported)))
        }
        events.hold = { caseID in await EnterKey.wait(for: caseID) }
        if trace {
            events.trace = { caseID, event in
                FileHandle.standardError.write(Data(("[\(caseID)] " + TraceText.line(event) + "\n").utf8))
            }
        }
        let result: RunResult
        do {
            result = try await run.execute(events)
        } catch let problem as RunProblem {
            throw UsageError(problem.description)
        }

        let cases = result.records.map(ReportedCase.init)
        var htmlIndex: String?
        if !noHTML {
            let report = HTMLReport(
                cases: cases, groupTitles: suite.groupTitles, policy: gateRun.policy,
                generator: "wsspec \(WSSpecVersion.current)")
            do {
                try report.write(to: run.writer.directory)
                htmlIndex = run.writer.url(forFile: "index.html").path
            } catch {
                printError("cannot write the HTML report: \(error)")
            }
        }
        let code = try gate.finish(
            gateRun, cases, seconds: Date().timeIntervalSince(result.started), reports: plan.outdir, htmlIndex: htmlIndex)
        if let interrupted = result.interruption.exitCode {
            printError(
                "interrupted by \(result.interruption.signalName): \(result.records.count) of \(result.total) cases ran; their reports are complete")
            throw ExitCode(interrupted)
        }
        if result.writeFailed { throw ExitCode(1) }
        if code != 0 { throw ExitCode(code) }
    }

    /// The flags as the run reads them.
    private func request() throws -> RunRequest {
        var request = RunRequest(builtinTestData: try caseOptions.builtin.testData(folder: nil))
        request.urls = urls
        request.specFile = spec
        request.agents = agent
        request.outdir = outdir
        request.seed = seed
        request.include = CaseSelection.patterns(caseOptions.cases)
        request.exclude = CaseSelection.patterns(caseOptions.exclude)
        request.suites = caseOptions.suites
        request.connection = connection.overrides
        request.maxMessageSize = try maxMessageSize.map { try Self.octets($0) }
        request.compressionCache = try compressionCache.map {
            Int(clamping: try Self.octets($0, option: "--compression-cache", zero: true))
        }
        request.testData = testdata
        request.jobs = jobs
        request.serial = serial
        request.shard = try shard.map { try Shard($0) }
        request.caseDirs = caseOptions.caseDirs
        request.traceFile = traceFile
        request.rerunFailures = rerunFailures
        request.pauseBefore = CaseSelection.patterns(pauseBefore)
        return request
    }

    /// A message while running: on standard output, or standard error when the summary is JSON.
    private static func say(_ text: String, format: OutputFormat) {
        let handle: FileHandle = format == .json ? .standardError : .standardOutput
        handle.write(Data((text + "\n").utf8))
    }

    /// Runs `body`; a `RunProblem` becomes a usage error (exit code 2).
    private func usage<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let problem as RunProblem {
            throw UsageError(problem.description)
        }
    }
}

/// Waits for Enter on standard input, for a case `--pause-before` holds. At the end of standard input (no terminal,
/// CI) it says so and does not wait.
enum EnterKey {
    static func wait(for caseID: String) async {
        FileHandle.standardError.write(
            Data("wsspec: case \(caseID) is connected and held before its first step; attach to the server, then press Enter\n".utf8))
        let gotLine = await withCheckedContinuation { (done: CheckedContinuation<Bool, Never>) in
            Thread.detachNewThread { done.resume(returning: readLine(strippingNewline: true) != nil) }
        }
        if !gotLine { FileHandle.standardError.write(Data("wsspec: standard input is closed; case \(caseID) goes on\n".utf8)) }
    }
}
