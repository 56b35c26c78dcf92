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

    @Option(
        name: .long,
        help: "Folder of test-data files for the compression cases (12.x, 13.x), e.g. the reference's autobahntestsuite/testdata for byte-for-byte parity (default: the built-in Cases/data).")
    var testdata: String?

    @Flag(name: .long, help: "Print nothing while running but the summary.")
    var quiet = false

    func validate() throws {
        if url != nil && spec != nil { throw ValidationError("give either a URL or --spec, not both") }
    }

    func run() async throws {
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
        } catch {
            throw UsageError("cannot use the output folder: \(error)")
        }

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var echo: EchoServer?
        if plan.servers.isEmpty {
            var configuration = EchoServerConfiguration()
            configuration.port = 0
            let server = try await EchoServer.start(configuration, group: group)
            echo = server
            plan.servers = [try ServerTarget(url: "ws://127.0.0.1:\(server.port)", agent: agent)]
            if !quiet { print("wsspec: no server given; running against the built-in echo server on port \(server.port)") }
        }
        let seed = plan.seed ?? UInt64.random(in: 0...UInt64(UInt32.max))
        if !quiet { print("wsspec: \(selected.count) cases × \(plan.servers.count) server(s), seed \(seed), reports in \(plan.outdir)") }

        var settings = RunSettings(seed: seed)
        settings.userAgent = "wsspec/\(WSSpecVersion.current)"
        settings.testData = TestDataLibrary(directory: try testDataDirectory())
        let runner = CaseRunner(group: group, settings: settings)
        var records: [CaseRecord] = []
        let started = Date()
        for server in plan.servers {
            for definition in selected {
                let record = await runner.run(definition, ordinal: suite.ordinal(of: definition.id) ?? 0, server: server)
                if plan.excludes(agent: record.agent, caseID: record.caseID) { continue }
                do {
                    try writer.write(record)
                } catch {
                    printError("cannot write the report of case \(record.caseID): \(error)")
                    throw ExitCode(1)
                }
                records.append(record)
                if !quiet { print(Console.line(for: record)) }
            }
        }
        try? await echo?.stop()
        try? await group.shutdownGracefully()
        print(Console.summary(records, seconds: Date().timeIntervalSince(started), outdir: plan.outdir))
        if !records.allSatisfy(Console.passes) { throw ExitCode(1) }
    }

    struct Plan {
        var servers: [ServerTarget] = []
        var selection = CaseSelection()
        var outdir = "./reports/servers"
        var seed: UInt64?
        var spec: FuzzingSpec?

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

    /// `--testdata`, else the `data` folder beside the built-in cases.
    func testDataDirectory() throws -> URL {
        guard let testdata else {
            return try BuiltinCases.directory(override: caseOptions.builtinCases).appendingPathComponent("data")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: testdata, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw UsageError("--testdata \(testdata): no such folder")
        }
        return URL(fileURLWithPath: testdata)
    }
}
