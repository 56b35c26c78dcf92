import Foundation
import WebSocketWire

/// The reference's spec file (`fuzzingclient.json`, catalogue §3.6), read as it is.
public struct FuzzingSpec: Sendable, Equatable {
    public struct Server: Sendable, Equatable {
        public var url: String
        public var agent: String?
        public var origin: String?
        public var protocols: [String] = []
        public var hostname: String?
        public var options: [String: String] = [:]
        /// wsspec extension: further handshake headers, checked (`{"Name": "value"}` or `["Name: value"]`).
        public var headers: [HeaderField] = []
    }

    public var outdir: String?
    public var servers: [Server] = []
    public var cases: [String] = ["*"]
    public var excludeCases: [String] = []
    /// Agent pattern → case patterns (both matched whole).
    public var excludeAgentCases: [(agent: String, cases: [String])] = []
    public var options: [String: String] = [:]

    public static func == (lhs: FuzzingSpec, rhs: FuzzingSpec) -> Bool {
        lhs.outdir == rhs.outdir && lhs.servers == rhs.servers && lhs.cases == rhs.cases
            && lhs.excludeCases == rhs.excludeCases && lhs.excludeAgentCases.map(\.agent) == rhs.excludeAgentCases.map(\.agent)
            && lhs.excludeAgentCases.map(\.cases) == rhs.excludeAgentCases.map(\.cases) && lhs.options == rhs.options
    }

    /// A problem in a spec file; the message names the file and the field.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public init() {}

    public static func load(_ url: URL) throws -> FuzzingSpec {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw Problem(description: "\(url.path): cannot read the spec file (\(error.localizedDescription))")
        }
        return try parse(data, file: url.path)
    }

    public static func parse(_ data: Data, file: String) throws -> FuzzingSpec {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw Problem(description: "\(file): not valid JSON (\(jsonErrorDetail(error)))")
        }
        guard let object = root as? [String: Any] else {
            throw Problem(description: "\(file): the spec must be a JSON object")
        }
        let known: Set = ["outdir", "options", "servers", "cases", "exclude-cases", "exclude-agent-cases", "enable-ssl"]
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw Problem(description: "\(file): unknown field '\(unknown)' (known: \(known.sorted().joined(separator: ", ")))")
        }
        var spec = FuzzingSpec()
        spec.outdir = try string(object["outdir"], "outdir", file)
        spec.options = try options(object["options"], "options", file)
        if let servers = object["servers"] {
            guard let list = servers as? [Any] else { throw Problem(description: "\(file): 'servers' must be a list") }
            for (i, item) in list.enumerated() {
                let field = "servers[\(i)]"
                guard let s = item as? [String: Any] else { throw Problem(description: "\(file): \(field) must be an object") }
                let knownServer: Set = ["url", "agent", "origin", "protocols", "hostname", "options", "headers"]
                if let unknown = s.keys.sorted().first(where: { !knownServer.contains($0) }) {
                    throw Problem(description: "\(file): \(field): unknown field '\(unknown)'")
                }
                guard let url = try string(s["url"], "\(field).url", file) else {
                    throw Problem(description: "\(file): \(field) has no 'url'")
                }
                var server = Server(url: url)
                server.agent = try string(s["agent"], "\(field).agent", file)
                server.origin = try string(s["origin"], "\(field).origin", file)
                server.hostname = try string(s["hostname"], "\(field).hostname", file)
                server.protocols = try strings(s["protocols"], "\(field).protocols", file) ?? []
                server.options = try options(s["options"], "\(field).options", file)
                server.headers = try headers(s["headers"], "\(field).headers", file)
                do {
                    if let origin = server.origin { try HeaderField.checkValue(origin, what: "origin") }
                    for name in server.protocols { try HeaderField.checkToken(name, what: "subprotocol") }
                    if let hostname = server.hostname { try TLSClientOptions.checkServerName(hostname) }
                } catch let problem as HeaderField.Problem {
                    throw Problem(description: "\(file): \(field): \(problem)")
                }
                spec.servers.append(server)
            }
        }
        guard let cases = try strings(object["cases"], "cases", file) else {
            throw Problem(description: "\(file): 'cases' is required (a list of case IDs or patterns, e.g. [\"*\"])")
        }
        spec.cases = cases
        spec.excludeCases = try strings(object["exclude-cases"], "exclude-cases", file) ?? []
        if let eac = object["exclude-agent-cases"] {
            guard let map = eac as? [String: Any] else {
                throw Problem(description: "\(file): 'exclude-agent-cases' must map agent patterns to case lists")
            }
            for agent in map.keys.sorted() {
                guard let list = try strings(map[agent], "exclude-agent-cases.\(agent)", file) else { continue }
                spec.excludeAgentCases.append((agent, list))
            }
        }
        return spec
    }

    /// True when `exclude-agent-cases` excludes this case for this agent.
    public func excludes(agent: String, caseID: String) -> Bool {
        excludeAgentCases.contains { entry in
            CaseSelectionMatch.whole(entry.agent, agent) && entry.cases.contains { CaseSelectionMatch.whole($0, caseID) }
        }
    }

    private static func string(_ value: Any?, _ field: String, _ file: String) throws -> String? {
        guard let value, !(value is NSNull) else { return nil }
        guard let s = value as? String else { throw Problem(description: "\(file): '\(field)' must be a text") }
        return s
    }

    private static func strings(_ value: Any?, _ field: String, _ file: String) throws -> [String]? {
        guard let value, !(value is NSNull) else { return nil }
        guard let list = value as? [Any], list.allSatisfy({ $0 is String }) else {
            throw Problem(description: "\(file): '\(field)' must be a list of texts")
        }
        return list.map { $0 as! String }
    }

    private static func headers(_ value: Any?, _ field: String, _ file: String) throws -> [HeaderField] {
        guard let value, !(value is NSNull) else { return [] }
        do {
            if let map = value as? [String: Any] {
                return try map.keys.sorted().map { name in
                    guard let text = map[name] as? String else {
                        throw Problem(description: "\(file): '\(field).\(name)' must be a text")
                    }
                    return try HeaderField(name: name, value: text)
                }
            }
            if let list = value as? [Any], list.allSatisfy({ $0 is String }) {
                return try list.map { try HeaderField(line: $0 as! String) }
            }
        } catch let problem as HeaderField.Problem {
            throw Problem(description: "\(file): '\(field)': \(problem)")
        }
        throw Problem(description: "\(file): '\(field)' must be an object of header names and values, or a list of 'Name: value' texts")
    }

    private static func options(_ value: Any?, _ field: String, _ file: String) throws -> [String: String] {
        guard let value, !(value is NSNull) else { return [:] }
        guard let map = value as? [String: Any] else { throw Problem(description: "\(file): '\(field)' must be an object") }
        return map.mapValues { "\($0)" }
    }

    private static func jsonErrorDetail(_ error: Error) -> String {
        let ns = error as NSError
        return (ns.userInfo[NSDebugDescriptionErrorKey] as? String) ?? ns.localizedDescription
    }
}

import CaseModel

enum CaseSelectionMatch {
    static func whole(_ pattern: String, _ text: String) -> Bool {
        CaseSelection.matchesWhole(pattern: pattern, text: text)
    }
}
