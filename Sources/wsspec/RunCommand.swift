import ArgumentParser
import CaseModel
import Foundation
import Fuzzer
import NIOPosix
import Reports
import Testee

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the suite against a server (default: wsspec's own echo server).",
        discussion: """
            Give a ws:// URL, or a reference spec file with --spec (its servers, cases, exclude-cases, \
            exclude-agent-cases and outdir are used). Flags given on the command line override the spec file. \
            With neither, wsspec starts its built-in echo server and runs the suite against it.
            """)

    @Argument(help: "The server's URL, e.g. ws://127.0.0.1:9001.")
    var url: String?

    @Option(name: .long, help: "A fuzzingclient.json spec file in the reference's format.")
    var spec: String?

    @OptionGroup var caseOptions: CaseOptions

    @Option(name: .long, help: "Folder for the reports (default: the spec's outdir, else ./reports/servers).")
    var outdir: String?

    @Option(name: .long, help: "Agent name used in reports (default: the server's Server header).")
    var agent: String?

    @Option(name: .long, help: "Seed for everything random (masking keys, handshake keys); printed when not given.")
    var seed: UInt64?

    @Flag(name: .long, help: "Print nothing while running but the summary.")
    var quiet = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The largest message wsspec accepts from the server, in octets (suffixes K, M, G: 2^10, 2^20, 2^30). A larger one fails the case with 1009. Default: the spec's maxMessagePayloadSize option when set, else 64M.",
            valueName: "SIZE"))
    var maxMessageSize: String?

    @Flag(name: .customLong("no-html"), help: "Do not write the HTML report (index.html and a page per case).")
    var noHTML = false

    @OptionGroup var gate: GateOptions

    func validate() throws {
        if url != nil && spec != nil { throw ValidationError("give either a URL or --spec, not both") }
        if let maxMessageSize { _ = try Self.octets(maxMessageSize) }
    }

    /// `SIZE` of `--max-message-size`: a whole number of octets, optionally with K, M or G (powers of 2^10).
    static func octets(_ text: String) throws -> UInt64 {
        var digits = Substring(text.trimmingCharacters(in: .whitespaces))
        var scale: UInt64 = 1
        if let last = digits.last, let shift = ["K": 10, "M": 20, "G": 30][last.uppercased()] {
            scale = 1 << UInt64(shift)
            digits = digits.dropLast()
        }
        guard let n = UInt64(digits), n > 0, n <= UInt64.max / scale else {
            throw ValidationError("--max-message-size: '\(text)' is not a size (a positive whole number of octets, or with K, M or G)")
        }
        return n * scale
    }

    func run() async throws {
        try gate.validateInputs()
        var plan = try makePlan()
        let suite = try caseOptions.loadSuite()
        let selected: [CaseDefinition]
        do {
            selected = try plan.selection.select(from: suite)
        } catch let problem as CaseSelection.Problem {
            throw UsageError(problem.description)
        }
        let writer: ReportWriter
        do {
            writer = try ReportWriter(directory: URL(fileURLWithPath: plan.outdir))
            // Proves the folder is writable before any case runs: an empty index is a valid one.
            try writer.writeIndex()
        } catch {
            throw UsageError("cannot use the output folder: \(error)")
        }
        let interruption = Interruption.install()

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var echo: EchoServer?
        if plan.servers.isEmpty {
            var configuration = EchoServerConfiguration()
            configuration.port = 0
            let server = try await EchoServer.start(configuration, group: group)
            echo = server
            plan.servers = [try ServerTarget(url: "ws://127.0.0.1:\(server.port)", agent: agent)]
            if !quiet { say("wsspec: no server given; running against the built-in echo server on port \(server.port)") }
        }
        let seed = plan.seed ?? UInt64.random(in: 0...UInt64(UInt32.max))
        if !quiet { say("wsspec: \(selected.count) cases × \(plan.servers.count) server(s), seed \(seed), reports in \(plan.outdir)") }
        let gateRun = try Gate(options: gate, groupTitles: suite.groupTitles)
        let progress = Progress(
            total: selected.count * plan.servers.count, policy: gateRun.policy, quiet: quiet,
            toStandardError: gate.format == .json)

        var settings = RunSettings(seed: seed)
        settings.userAgent = "wsspec/\(WSSpecVersion.current)"
        settings.limits.maxMessageSize = try maxMessageSize.map(Self.octets) ?? plan.maxMessageSize ?? (64 << 20)
        let runner = CaseRunner(group: group, settings: settings)
        var records: [CaseRecord] = []
        let started = Date()
        cases: for server in plan.servers {
            for definition in selected {
                if interruption.signal != nil { break cases }
                let ordinal = suite.ordinal(of: definition.id) ?? 0
                progress.starting(
                    definition.id.description, agent: plan.servers.count > 1 ? server.agent ?? server.host : nil)
                let record = await interruption.cancellable {
                    await runner.run(definition, ordinal: ordinal, server: server)
                }
                if plan.excludes(agent: record.agent, caseID: record.caseID) { continue }
                do {
                    try writer.write(record)
                } catch {
                    printError("cannot write the report of case \(record.caseID): \(error)")
                    throw ExitCode(1)
                }
                records.append(record)
                progress.finished(record)
            }
        }
        progress.end()
        try? await echo?.stop()
        try? await group.shutdownGracefully()
        let cases = records.map(ReportedCase.init)
        var htmlIndex: String?
        if !noHTML {
            let report = HTMLReport(
                cases: cases, groupTitles: suite.groupTitles, policy: gateRun.policy,
                generator: "wsspec \(WSSpecVersion.current)")
            do {
                try report.write(to: writer.directory)
                htmlIndex = writer.url(forFile: "index.html").path
            } catch {
                printError("cannot write the HTML report: \(error)")
            }
        }
        let code = try gateRun.finish(
            cases, seconds: Date().timeIntervalSince(started), reports: plan.outdir, htmlIndex: htmlIndex)
        if let interrupted = interruption.exitCode {
            printError(
                "interrupted by \(interruption.signalName): \(records.count) of \(selected.count * plan.servers.count) cases ran; their reports are complete")
            throw ExitCode(interrupted)
        }
        if code != 0 { throw ExitCode(code) }
    }

    /// A message while running: on standard output, or standard error when the summary is JSON.
    private func say(_ text: String) {
        let handle: FileHandle = gate.format == .json ? .standardError : .standardOutput
        handle.write(Data((text + "\n").utf8))
    }

    struct Plan {
        var servers: [ServerTarget] = []
        var selection = CaseSelection()
        var outdir = "./reports/servers"
        var seed: UInt64?
        var spec: FuzzingSpec?
        /// The spec's `maxMessagePayloadSize` option, when it sets a limit.
        var maxMessageSize: UInt64?

        func excludes(agent: String, caseID: String) -> Bool {
            spec?.excludes(agent: agent, caseID: caseID) ?? false
        }
    }

    func makePlan() throws -> Plan {
        var plan = Plan()
        plan.seed = seed
        if let spec {
            let parsed: FuzzingSpec
            do {
                parsed = try FuzzingSpec.load(URL(fileURLWithPath: spec))
            } catch let problem as FuzzingSpec.Problem {
                throw UsageError(problem.description)
            }
            plan.spec = parsed
            if let outdir = parsed.outdir { plan.outdir = outdir }
            for (key, value) in parsed.options.merging(parsed.servers.first?.options ?? [:], uniquingKeysWith: { $1 }) {
                if key == "failByDrop" && value != "0" && value != "false" {
                    throw UsageError("\(spec): option failByDrop=true is not supported (wsspec fails connections with a Close, as the reference's default)")
                }
                if key == "maxMessagePayloadSize" {
                    // The reference's 0 means no limit; wsspec keeps its default then.
                    guard let size = UInt64(value) else {
                        throw UsageError("\(spec): option maxMessagePayloadSize must be a whole number of octets, got '\(value)'")
                    }
                    if size > 0 { plan.maxMessageSize = size }
                }
            }
            for (i, server) in parsed.servers.enumerated() {
                do {
                    plan.servers.append(
                        try ServerTarget(
                            url: server.url, agent: agent ?? server.agent, origin: server.origin, protocols: server.protocols))
                } catch let error as ServerTarget.InvalidURL {
                    throw UsageError("\(spec): servers[\(i)].url: \(error)")
                }
            }
            plan.selection = caseOptions.selection(defaultInclude: parsed.cases, defaultExclude: parsed.excludeCases)
        } else {
            plan.selection = caseOptions.selection()
        }
        if let url {
            do {
                plan.servers = [try ServerTarget(url: url, agent: agent)]
            } catch let error as ServerTarget.InvalidURL {
                throw UsageError(error.description)
            }
        }
        if let outdir { plan.outdir = outdir }
        return plan
    }
}
