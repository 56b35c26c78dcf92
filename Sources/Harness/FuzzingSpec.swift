import Engine
import Foundation
import JSONCodec
import Recording
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
        let text = String(decoding: data, as: UTF8.self)
        do {
            _ = try ReferenceJSON.parse(text)
        } catch let error as ReferenceJSONError {
            let (line, column) = JSONLocator.lineColumn(of: error.offset, in: Array(data))
            throw Problem(description: "\(file):\(line):\(column): not valid JSON (\(error.reason))")
        } catch {
            throw Problem(description: "\(file): not valid JSON (\(error))")
        }
        do {
            return try parseFields(data)
        } catch let problem as FieldProblem {
            let (line, column) = JSONLocator(text).position(of: problem.path)
            throw Problem(description: "\(file):\(line):\(column): \(problem.message)")
        }
    }

    /// A problem with the field at `path` (`servers[0].url`; `path#key` points at a key).
    struct FieldProblem: Error {
        var path: String
        var message: String
        init(_ path: String, _ message: String) {
            self.path = path
            self.message = message
        }
    }

    private static func parseFields(_ data: Data) throws -> FuzzingSpec {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw FieldProblem("", "not valid JSON (\(jsonErrorDetail(error)))")
        }
        guard let object = root as? [String: Any] else {
            throw FieldProblem("", "the spec must be a JSON object")
        }
        let known: Set = ["outdir", "options", "servers", "cases", "exclude-cases", "exclude-agent-cases", "enable-ssl"]
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw FieldProblem("#\(unknown)", "unknown field '\(unknown)' (known: \(known.sorted().joined(separator: ", ")))")
        }
        var spec = FuzzingSpec()
        spec.outdir = try string(object["outdir"], "outdir")
        spec.options = try options(object["options"], "options")
        if let servers = object["servers"] {
            guard let list = servers as? [Any] else { throw FieldProblem("servers", "'servers' must be a list") }
            for (i, item) in list.enumerated() {
                let field = "servers[\(i)]"
                guard let s = item as? [String: Any] else { throw FieldProblem(field, "\(field) must be an object") }
                let knownServer: Set = ["url", "agent", "origin", "protocols", "hostname", "options", "headers"]
                if let unknown = s.keys.sorted().first(where: { !knownServer.contains($0) }) {
                    throw FieldProblem("\(field)#\(unknown)", "\(field): unknown field '\(unknown)'")
                }
                guard let url = try string(s["url"], "\(field).url") else {
                    throw FieldProblem(field, "\(field) has no 'url'")
                }
                var server = Server(url: url)
                server.agent = try string(s["agent"], "\(field).agent")
                server.origin = try string(s["origin"], "\(field).origin")
                server.hostname = try string(s["hostname"], "\(field).hostname")
                server.protocols = try strings(s["protocols"], "\(field).protocols") ?? []
                server.options = try options(s["options"], "\(field).options")
                server.headers = try headers(s["headers"], "\(field).headers")
                do {
                    if let origin = server.origin { try HeaderField.checkValue(origin, what: "origin") }
                    for name in server.protocols { try HeaderField.checkToken(name, what: "subprotocol") }
                    if let hostname = server.hostname { try TLSClientOptions.checkServerName(hostname) }
                } catch let problem as HeaderField.Problem {
                    throw FieldProblem(field, "\(field): \(problem)")
                }
                spec.servers.append(server)
            }
        }
        guard let cases = try strings(object["cases"], "cases") else {
            throw FieldProblem("", "'cases' is required (a list of case IDs or patterns, e.g. [\"*\"])")
        }
        spec.cases = cases
        spec.excludeCases = try strings(object["exclude-cases"], "exclude-cases") ?? []
        if let eac = object["exclude-agent-cases"] {
            guard let map = eac as? [String: Any] else {
                throw FieldProblem("exclude-agent-cases", "'exclude-agent-cases' must map agent patterns to case lists")
            }
            for agent in map.keys.sorted() {
                guard let list = try strings(map[agent], "exclude-agent-cases.\(agent)") else { continue }
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

    private static func string(_ value: Any?, _ field: String) throws -> String? {
        guard let value, !(value is NSNull) else { return nil }
        guard let s = value as? String else { throw FieldProblem(field, "'\(field)' must be a text") }
        return s
    }

    private static func strings(_ value: Any?, _ field: String) throws -> [String]? {
        guard let value, !(value is NSNull) else { return nil }
        guard let list = value as? [Any] else { throw FieldProblem(field, "'\(field)' must be a list of texts") }
        if let bad = list.firstIndex(where: { !($0 is String) }) {
            throw FieldProblem("\(field)[\(bad)]", "'\(field)' must be a list of texts")
        }
        return list.map { $0 as! String }
    }

    private static func headers(_ value: Any?, _ field: String) throws -> [HeaderField] {
        guard let value, !(value is NSNull) else { return [] }
        do {
            if let map = value as? [String: Any] {
                return try map.keys.sorted().map { name in
                    guard let text = map[name] as? String else {
                        throw FieldProblem("\(field).\(name)", "'\(field).\(name)' must be a text")
                    }
                    return try HeaderField(name: name, value: text)
                }
            }
            if let list = value as? [Any], list.allSatisfy({ $0 is String }) {
                return try list.map { try HeaderField(line: $0 as! String) }
            }
        } catch let problem as HeaderField.Problem {
            throw FieldProblem(field, "'\(field)': \(problem)")
        }
        throw FieldProblem(field, "'\(field)' must be an object of header names and values, or a list of 'Name: value' texts")
    }

    private static func options(_ value: Any?, _ field: String) throws -> [String: String] {
        guard let value, !(value is NSNull) else { return [:] }
        guard let map = value as? [String: Any] else { throw FieldProblem(field, "'\(field)' must be an object") }
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
