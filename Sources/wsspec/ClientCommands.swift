import ArgumentParser
import CaseModel
import Engine
import Foundation
import Harness
import NIOPosix
import Orchestration
import Rendering
import Recording
import ReportFormat

/// What `serve` and `test-client` share: where the fuzzing server listens, which cases, where the reports go.
struct ServeOptions: ParsableArguments {
    @Option(help: "Address to listen on (default: the spec's url host, else 127.0.0.1; IPv6 such as ::1 too).")
    var host: String?

    @Option(name: .long, help: "A fuzzingserver.json spec file in the reference's format (url, cases, exclude-cases, exclude-agent-cases, outdir).")
    var spec: String?

    @OptionGroup var caseOptions: CaseOptions

    @Option(name: .long, help: "Folder for the reports (default: the spec's outdir, else ./reports/clients).")
    var outdir: String?

    @Option(name: .long, help: "Seed for everything random; printed when not given.")
    var seed: UInt64?

    @Option(name: .long, help: "Folder of test-data files for the compression cases (12.x, 13.x).")
    var testdata: String?

    @Option(name: .customLong("open-timeout"), help: "Seconds the client's opening handshake may take (default 5, as the reference).")
    var openTimeout: Double?

    @Option(name: .customLong("close-timeout"), help: "Seconds the client may take to answer a Close (default 1, as the reference).")
    var closeTimeout: Double?

    @Flag(name: .customLong("no-html"), help: "Do not write the HTML report.")
    var noHTML = false

    @Option(name: .customLong("tls-cert"), help: "PEM certificate chain: serve wss:// (needs --tls-key).")
    var tlsCert: String?

    @Option(name: .customLong("tls-key"), help: "PEM private key of --tls-cert.")
    var tlsKey: String?

    func validate() throws {
        if (tlsCert == nil) != (tlsKey == nil) { throw ValidationError("--tls-cert and --tls-key go together") }
    }

    func request(port: Int?) throws -> ServeRequest {
        var request = ServeRequest(builtinTestData: try caseOptions.builtin.testData(folder: nil))
        request.host = host
        request.port = port
        request.specFile = spec
        request.outdir = outdir
        request.seed = seed
        request.include = CaseSelection.patterns(caseOptions.cases)
        request.exclude = CaseSelection.patterns(caseOptions.exclude)
        request.testData = testdata
        request.connection.openTimeout = openTimeout
        request.connection.closeTimeout = closeTimeout
        if let tlsCert, let tlsKey { request.tls = FuzzingServer.TLSFiles(certificate: tlsCert, key: tlsKey) }
        return request
    }

    /// Writes the HTML matrix of `records` unless --no-html; returns the index page's path.
    func writeHTML(_ records: [CaseRecord], writer: ReportWriter, suite: CaseSuite, gate: GateOptions) -> String? {
        guard !noHTML else { return nil }
        let policy = (try? gate.loadPolicy()) ?? .default
        let report = HTMLReport(
            cases: records.map(ReportedCase.init), groupTitles: suite.groupTitles, policy: policy,
            generator: "wsspec \(WSSpecVersion.current)")
        do {
            try report.write(to: writer.directory)
            return writer.url(forFile: "index.html").path
        } catch {
            printError("cannot write the HTML report: \(error)")
            return nil
        }
    }
}

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Test WebSocket clients: a fuzzing server with the reference's endpoints (wstest -m fuzzingserver).",
        discussion: """
            The client under test calls /getCaseCount, then /runCase?case=N&agent=NAME for N = 1…count, then \
            /updateReports?agent=NAME. Each case's report is written as it ends (reports/clients). The server runs \
            until /stopServer, /updateReports?…&shutdownOnComplete=true or SIGINT/SIGTERM, then writes the HTML and \
            exits with the gate's code for what ran.
            """)

    @Option(help: "Port to listen on (default: the spec's url port, else 9001; 0 picks a free one).")
    var port: Int?

    @OptionGroup var serve: ServeOptions
    @OptionGroup var gate: GateOptions

    func validate() throws {
        if let port, !(0...65535).contains(port) { throw ValidationError("--port must be 0–65535, got \(port)") }
    }

    func run() async throws {
        try gate.validateInputs()
        let suite = try serve.caseOptions.loadSuite()
        let run: ClientRun
        do {
            run = try ClientRun(try serve.request(port: port), suite: suite)
        } catch let problem as RunProblem {
            throw UsageError(problem.description)
        }
        let gateRun = try gate.makeGate(groupTitles: suite.groupTitles)
        let toStandardError = gate.format == .json
        let progress = Progress(total: run.selected.count, policy: gateRun.policy, quiet: false, toStandardError: toStandardError)
        let interruption = Interruption.install()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var events = ClientRun.Events()
        events.starting = { id, agent in progress.starting(id, agent: agent) }
        events.finished = { progress.finished($0) }
        events.writeFailed = { printError($0) }
        events.updateReports = { [serve] records in _ = serve.writeHTML(records, writer: run.writer, suite: suite, gate: gate) }
        let server: FuzzingServer
        do {
            server = try await run.start(events, group: group)
        } catch let problem as RunProblem {
            throw UsageError(problem.description)
        }
        interruption.whenSignalled {
            run.markInterrupted()
            run.stop()
        }
        let handle: FileHandle = toStandardError ? .standardError : .standardOutput
        handle.write(
            Data(
                "wsspec fuzzing server listening on \(server.url): \(run.selected.count) cases, seed \(run.seed), reports in \(run.outdir)\n"
                    .utf8))
        let started = Date()
        await run.stopped()
        await server.stop()
        progress.end()
        let records = run.records
        let html = serve.writeHTML(records, writer: run.writer, suite: suite, gate: gate)
        let code = try gate.finish(
            gateRun, records.map(ReportedCase.init), seconds: Date().timeIntervalSince(started), reports: run.outdir,
            htmlIndex: html)
        try? await group.shutdownGracefully()
        if let signal = interruption.exitCode {
            printError("stopped by \(interruption.signalName): the reports of the \(records.count) cases that ran are complete")
            throw ExitCode(signal)
        }
        if run.writeFailed { throw ExitCode(1) }
        if code != 0 { throw ExitCode(code) }
    }
}

struct TestClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test-client",
        abstract: "Test a WebSocket client in one command: serve the suite on a free port, run the client, gate the results.",
        discussion: """
            Everything after -- is the client's command line; {url} and {agent} in it are replaced by the fuzzing \
            server's URL (ws://127.0.0.1:PORT) and the agent name, which are also in WSSPEC_URL and WSSPEC_AGENT \
            (and the number of cases in WSSPEC_CASE_COUNT). The client follows the reference's endpoint protocol. \
            Exit code: the gate's (0 every case passed); 1 as well when the client never connects, ends before \
            running every case, or hangs.
            Example: wsspec test-client --agent mylib -- python3 echo_client.py {url} {agent}
            """)

    @Option(help: "The agent name the client reports under.")
    var agent = "client"

    @Option(name: .customLong("connect-timeout"), help: "Seconds the client has to open its first connection (default 30).")
    var connectTimeout: Double = 30

    @Option(name: .customLong("idle-timeout"), help: "Seconds without a case running before the client counts as hung (default 60).")
    var idleTimeout: Double = 60

    @OptionGroup var serve: ServeOptions
    @OptionGroup var gate: GateOptions

    @Argument(parsing: .postTerminator, help: "The client's command line (after --).")
    var command: [String] = []

    func validate() throws {
        if command.isEmpty { throw ValidationError("give the client's command after --, e.g. -- python3 client.py {url}") }
        if agent.isEmpty { throw ValidationError("--agent must not be empty") }
        guard connectTimeout > 0, idleTimeout > 0 else { throw ValidationError("--connect-timeout and --idle-timeout must be positive") }
    }

    func run() async throws {
        try gate.validateInputs()
        let suite = try serve.caseOptions.loadSuite()
        let run: ClientRun
        do {
            run = try ClientRun(try serve.request(port: 0), suite: suite)
        } catch let problem as RunProblem {
            throw UsageError(problem.description)
        }
        let gateRun = try gate.makeGate(groupTitles: suite.groupTitles)
        let progress = Progress(total: run.selected.count, policy: gateRun.policy, quiet: false, toStandardError: gate.format == .json)
        let interruption = Interruption.install()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var events = ClientRun.Events()
        events.starting = { id, agent in progress.starting(id, agent: agent) }
        events.finished = { progress.finished($0) }
        events.writeFailed = { printError($0) }
        var test = ClientTest(command: command, agent: agent)
        test.connectTimeout = connectTimeout
        test.idleTimeout = idleTimeout
        let started = Date()
        let outcome: ClientTest.Outcome
        do {
            outcome = try await test.execute(run, events: events, group: group, interruption: interruption)
        } catch let problem as RunProblem {
            throw UsageError(problem.description)
        }
        progress.end()
        let html = serve.writeHTML(outcome.records, writer: run.writer, suite: suite, gate: gate)
        let code = try gate.finish(
            gateRun, outcome.records.map(ReportedCase.init), seconds: Date().timeIntervalSince(started), reports: run.outdir,
            htmlIndex: html)
        try? await group.shutdownGracefully()
        if let signal = interruption.exitCode {
            printError(
                "interrupted by \(interruption.signalName): \(outcome.records.count) of \(run.selected.count) cases ran; their reports are complete")
            throw ExitCode(signal)
        }
        if let problem = outcome.problem {
            printError(problem.description)
            throw ExitCode(1)
        }
        if run.writeFailed { throw ExitCode(1) }
        if code != 0 { throw ExitCode(code) }
    }
}
