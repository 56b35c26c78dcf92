import CaseModel
import Foundation
import Harness

/// Which servers a run tests, which cases, and where the reports go: the command line over the spec file.
public struct RunPlan: Sendable {
    /// Empty when neither URLs nor a spec file name a server: the run starts wsspec's built-in echo server.
    public var servers: [ServerTarget] = []
    public var selection = CaseSelection()
    public var outdir = "./reports/servers"
    public var seed: UInt64?
    public var spec: FuzzingSpec?
    /// The spec's `maxMessagePayloadSize` option, when it sets a limit.
    public var maxMessageSize: UInt64?
    public var request: RunRequest

    /// True when the spec's `exclude-agent-cases` leaves this case out of the reports of this agent.
    public func excludes(agent: String, caseID: String) -> Bool {
        spec?.excludes(agent: agent, caseID: caseID) ?? false
    }

    /// Reads the spec file, if any, and lets the command line override it. Throws `RunProblem`.
    public init(_ request: RunRequest) throws {
        self.request = request
        seed = request.seed
        if let file = request.specFile {
            let parsed: FuzzingSpec
            do {
                parsed = try FuzzingSpec.load(URL(fileURLWithPath: file))
            } catch let problem as FuzzingSpec.Problem {
                throw RunProblem(problem.description)
            }
            spec = parsed
            if let outdir = parsed.outdir { self.outdir = outdir }
            try readOptions(of: parsed, file: file)
            if !request.agents.isEmpty && request.agents.count != parsed.servers.count {
                throw RunProblem(
                    "give one --agent per server of the spec (\(parsed.servers.count) servers, \(request.agents.count) agents)")
            }
            for (i, server) in parsed.servers.enumerated() {
                var target: ServerTarget
                do {
                    target = try ServerTarget(
                        url: server.url, agent: agentName(i) ?? server.agent, origin: server.origin,
                        protocols: server.protocols)
                } catch let error as ServerTarget.InvalidURL {
                    throw RunProblem("\(file): servers[\(i)].url: \(error)")
                }
                target.headers = server.headers
                target.tls.serverName = server.hostname
                try request.connection.apply(to: &target)
                servers.append(target)
            }
            selection = Self.selection(request, defaultInclude: parsed.cases, defaultExclude: parsed.excludeCases)
        } else {
            selection = Self.selection(request)
        }
        if !request.urls.isEmpty {
            servers = []
            for (i, url) in request.urls.enumerated() {
                var target: ServerTarget
                do {
                    target = try ServerTarget(url: url, agent: agentName(i))
                } catch let error as ServerTarget.InvalidURL {
                    throw RunProblem(error.description)
                }
                try request.connection.apply(to: &target)
                servers.append(target)
            }
        }
        let named = servers.compactMap(\.agent)
        if let twice = named.first(where: { name in named.filter { $0 == name }.count > 1 }) {
            throw RunProblem("two servers have the agent name '\(twice)'; their reports would overwrite each other")
        }
        if let outdir = request.outdir { self.outdir = outdir }
    }

    /// The spec's `options` (and its first server's), of which wsspec knows two.
    private mutating func readOptions(of parsed: FuzzingSpec, file: String) throws {
        for (key, value) in parsed.options.merging(parsed.servers.first?.options ?? [:], uniquingKeysWith: { $1 }) {
            if key == "failByDrop" && value != "0" && value != "false" {
                throw RunProblem(
                    "\(file): option failByDrop=true is not supported (wsspec fails connections with a Close, as the reference's default)")
            }
            if key == "maxMessagePayloadSize" {
                // The reference's 0 means no limit; wsspec keeps its default then.
                guard let size = UInt64(value) else {
                    throw RunProblem("\(file): option maxMessagePayloadSize must be a whole number of octets, got '\(value)'")
                }
                if size > 0 { maxMessageSize = size }
            }
        }
    }

    /// The --agent for the i-th server (one per server, in order).
    private func agentName(_ i: Int) -> String? {
        i < request.agents.count ? request.agents[i] : nil
    }

    private static func selection(
        _ request: RunRequest, defaultInclude: [String] = ["*"], defaultExclude: [String] = []
    ) -> CaseSelection {
        CaseSelection(
            include: request.include.isEmpty ? defaultInclude : request.include,
            exclude: request.exclude.isEmpty ? defaultExclude : request.exclude, suites: request.suites)
    }
}
