import ArgumentParser
import CaseModel
import Foundation
import Fuzzer
import NIOCore
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

    @Option(name: .long, help: "Run up to N cases at once against a server, each on its own connection (default 1).")
    var jobs = 1

    @Option(
        name: .long,
        help: """
            Cases that always run alone, even with --jobs: patterns as --cases, and @chopped for every case that \
            writes in chops or synced pieces and expects the server to fail (default '9.*,12.*,13.*,@chopped'; '' for none).
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
        if let shard {
            do { _ = try Shard(shard) } catch let problem as Shard.Problem { throw ValidationError("--shard: \(problem)") }
        }
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
        var selected: [CaseDefinition]
        do {
            selected = try plan.selection.select(from: suite)
        } catch let problem as CaseSelection.Problem {
            throw UsageError(problem.description)
        }
        var settings = RunSettings(seed: 0)
        settings.userAgent = "wsspec/\(WSSpecVersion.current)"
        try connection.apply(to: &settings)
        settings.limits.maxMessageSize = try maxMessageSize.map(Self.octets) ?? plan.maxMessageSize ?? (64 << 20)
        if let shard {
            let slice = try Shard(shard)
            selected = slice.select(selected, timerScale: settings.timeouts.timerScale)
            if !quiet { say("wsspec: shard \(slice): \(selected.count) cases") }
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

        let group = MultiThreadedEventLoopGroup(numberOfThreads: jobs > 1 ? max(1, System.coreCount) : 1)
        var echo: EchoServer?
        if plan.servers.isEmpty {
            var configuration = EchoServerConfiguration()
            configuration.port = 0
            let server = try await EchoServer.start(configuration, group: group)
            echo = server
            var target = try ServerTarget(url: "ws://127.0.0.1:\(server.port)", agent: agent.first)
            try connection.apply(to: &target)
            plan.servers = [target]
            if !quiet { say("wsspec: no server given; running against the built-in echo server on port \(server.port)") }
        }

        let seed = plan.seed ?? UInt64.random(in: 0...UInt64(UInt32.max))
        settings.seed = seed
        settings.testData = try caseOptions.builtin.testData(folder: testdata)
        let runner = CaseRunner(group: group, settings: settings)
        for server in plan.servers where server.secure {
            do {
                _ = try runner.tlsContexts.context(for: server.tls, shutdownTimeout: settings.timeouts.serverDrop)
            } catch let problem as TLSContexts.ConfigurationProblem {
                try? await echo?.stop()
                try? await group.shutdownGracefully()
                throw UsageError("\(server.url): \(problem)")
            }
        }
        if !quiet { say("wsspec: \(selected.count) cases × \(plan.servers.count) server(s), seed \(seed), reports in \(plan.outdir)") }
        let gateRun = try Gate(options: gate, groupTitles: suite.groupTitles)
        let progress = Progress(
            total: selected.count * plan.servers.count, policy: gateRun.policy, quiet: quiet,
            toStandardError: gate.format == .json)

        var scheduler = CaseScheduler(
            jobs: jobs, serialPatterns: serial.isEmpty ? CaseScheduler.defaultSerialPatterns : CaseSelection.patterns(serial))
        scheduler.shouldStop = { interruption.signal != nil }
        scheduler.runCase = { runner, item, server in
            progress.starting(item.definition.id.description, agent: nil)
            return await interruption.cancellable {
                await runner.run(item.definition, ordinal: item.ordinal, server: server)
            }
        }
        let items = selected.map { CaseScheduler.Item(definition: $0, ordinal: suite.ordinal(of: $0.id) ?? 0) }
        var writeFailed = false
        let started = Date()
        let perServer = await scheduler.run(items, servers: plan.servers, runner: runner) { _, record in
            if plan.excludes(agent: record.agent, caseID: record.caseID) { return }
            if !writeFailed {
                do {
                    try writer.write(record)
                } catch {
                    printError("cannot write the report of case \(record.caseID): \(error)")
                    writeFailed = true
                }
            }
            progress.finished(record)
        }
        let records = perServer.joined().filter { !plan.excludes(agent: $0.agent, caseID: $0.caseID) }
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
        if writeFailed { throw ExitCode(1) }
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

    /// The --agent for the i-th server (one per server, in order).
    private func agentName(_ i: Int) -> String? {
        i < agent.count ? agent[i] : nil
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
            if !agent.isEmpty && agent.count != parsed.servers.count {
                throw UsageError("give one --agent per server of the spec (\(parsed.servers.count) servers, \(agent.count) agents)")
            }
            for (i, server) in parsed.servers.enumerated() {
                var target: ServerTarget
                do {
                    target = try ServerTarget(
                        url: server.url, agent: agentName(i) ?? server.agent, origin: server.origin,
                        protocols: server.protocols)
                } catch let error as ServerTarget.InvalidURL {
                    throw UsageError("\(spec): servers[\(i)].url: \(error)")
                }
                target.headers = server.headers
                target.tls.serverName = server.hostname
                try connection.apply(to: &target)
                plan.servers.append(target)
            }
            plan.selection = caseOptions.selection(defaultInclude: parsed.cases, defaultExclude: parsed.excludeCases)
        } else {
            plan.selection = caseOptions.selection()
        }
        if !urls.isEmpty {
            plan.servers = []
            for (i, url) in urls.enumerated() {
                var target: ServerTarget
                do {
                    target = try ServerTarget(url: url, agent: agentName(i))
                } catch let error as ServerTarget.InvalidURL {
                    throw UsageError(error.description)
                }
                try connection.apply(to: &target)
                plan.servers.append(target)
            }
        }
        let named = plan.servers.compactMap(\.agent)
        if let twice = named.first(where: { name in named.filter { $0 == name }.count > 1 }) {
            throw UsageError("two servers have the agent name '\(twice)'; their reports would overwrite each other")
        }
        if let outdir { plan.outdir = outdir }
        return plan
    }
}
