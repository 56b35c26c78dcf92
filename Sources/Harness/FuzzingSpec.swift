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
    /// The fuzzing server's spec (`fuzzingserver.json`, for `wsspec serve`): the URL it listens on, and its TLS
    /// files (`key`, `cert`), which wsspec reads but does not use yet.
    public var url: String?
    public var key: String?
    public var cert: String?

    public static func == (lhs: FuzzingSpec, rhs: FuzzingSpec) -> Bool {
        lhs.outdir == rhs.outdir && lhs.servers == rhs.servers && lhs.cases == rhs.cases
            && lhs.excludeCases == rhs.excludeCases && lhs.excludeAgentCases.map(\.agent) == rhs.excludeAgentCases.map(\.agent)
            && lhs.excludeAgentCases.map(\.cases) == rhs.excludeAgentCases.map(\.cases) && lhs.options == rhs.options
            && lhs.url == rhs.url && lhs.key == rhs.key && lhs.cert == rhs.cert
    }

    /// A problem in a spec file; the message names the file and the field.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public init() {}

    /// Which of the reference's two spec files: `fuzzingclient.json` (servers to test) or `fuzzingserver.json`
    /// (the URL wsspec listens on to test clients).
    public enum Kind: Sendable { case fuzzingClient, fuzzingServer }

    public static func load(_ url: URL, kind: Kind = .fuzzingClient) throws -> FuzzingSpec {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw Problem(description: "\(url.path): cannot read the spec file (\(error.localizedDescription))")
        }
        return try parse(data, file: url.path, kind: kind)
    }

    public static func parse(_ data: Data, file: String, kind: Kind = .fuzzingClient) throws -> FuzzingSpec {
        var validator = UTF8Validator()
        if case .invalid(let offset) = validator.validate(data) {
            let (line, column) = LocatedJSON.lineColumn(of: offset, in: Array(data))
            throw Problem(description: "\(file):\(line):\(column): not valid JSON (the file is not UTF-8 text)")
        }
        let text = String(decoding: data, as: UTF8.self)
        let document: LocatedJSON
        do {
            document = try ReferenceJSON.parseLocated(text)
        } catch let error as ReferenceJSONError {
            let (line, column) = LocatedJSON.lineColumn(of: error.offset, in: Array(data))
            throw Problem(description: "\(file):\(line):\(column): not valid JSON (\(error.reason))")
        } catch {
            throw Problem(description: "\(file): not valid JSON (\(error))")
        }
        do {
            try refuseNonFinite(document.value, path: "")
            return try parseFields(document.value, kind: kind)
        } catch let problem as FieldProblem {
            let (line, column) = document.position(of: problem.path)
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

    /// The reference's dialect allows NaN and Infinity in its reports; a spec file is plain JSON.
    private static func refuseNonFinite(_ value: JSONValue, path: String) throws {
        switch value {
        case .double(let d) where !d.isFinite:
            throw FieldProblem(path, "not valid JSON (\(d.isNaN ? "NaN" : "Infinity") is not a JSON number)")
        case .array(let elements):
            for (i, element) in elements.enumerated() { try refuseNonFinite(element, path: "\(path)[\(i)]") }
        case .object(let members):
            for key in members.keys.sorted() {
                try refuseNonFinite(members[key]!, path: path.isEmpty ? key : path + "." + key)
            }
        default:
            break
        }
    }

    private static func parseFields(_ root: JSONValue, kind: Kind) throws -> FuzzingSpec {
        guard let object = root.objectValue else {
            throw FieldProblem("", "the spec must be a JSON object")
        }
        let known: Set<String> =
            kind == .fuzzingClient
            ? ["outdir", "options", "servers", "cases", "exclude-cases", "exclude-agent-cases", "enable-ssl"]
            : ["url", "outdir", "options", "cases", "exclude-cases", "exclude-agent-cases", "protocols", "key", "cert"]
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw FieldProblem("#\(unknown)", "unknown field '\(unknown)' (known: \(known.sorted().joined(separator: ", ")))")
        }
        var spec = FuzzingSpec()
        spec.outdir = try string(object["outdir"], "outdir")
        spec.options = try options(object["options"], "options")
        if kind == .fuzzingServer {
            guard let url = try string(object["url"], "url") else {
                throw FieldProblem("", "'url' is required (where the fuzzing server listens, e.g. \"ws://127.0.0.1:9001\")")
            }
            spec.url = url
            spec.key = try string(object["key"], "key")
            spec.cert = try string(object["cert"], "cert")
            _ = try strings(object["protocols"], "protocols")
        }
        if let servers = object["servers"] {
            guard let list = servers.arrayValue else { throw FieldProblem("servers", "'servers' must be a list") }
            for (i, item) in list.enumerated() {
                spec.servers.append(try server(item, "servers[\(i)]"))
            }
        }
        guard let cases = try strings(object["cases"], "cases") else {
            throw FieldProblem("", "'cases' is required (a list of case IDs or patterns, e.g. [\"*\"])")
        }
        spec.cases = cases
        spec.excludeCases = try strings(object["exclude-cases"], "exclude-cases") ?? []
        if let eac = object["exclude-agent-cases"] {
            guard let map = eac.objectValue else {
                throw FieldProblem("exclude-agent-cases", "'exclude-agent-cases' must map agent patterns to case lists")
            }
            for agent in map.keys.sorted() {
                guard let list = try strings(map[agent], "exclude-agent-cases.\(agent)") else { continue }
                spec.excludeAgentCases.append((agent, list))
            }
        }
        return spec
    }

    private static func server(_ item: JSONValue, _ field: String) throws -> Server {
        guard let s = item.objectValue else { throw FieldProblem(field, "\(field) must be an object") }
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
        return server
    }

    /// True when `exclude-agent-cases` excludes this case for this agent.
    public func excludes(agent: String, caseID: String) -> Bool {
        excludeAgentCases.contains { entry in
            CaseSelectionMatch.whole(entry.agent, agent) && entry.cases.contains { CaseSelectionMatch.whole($0, caseID) }
        }
    }

    private static func string(_ value: JSONValue?, _ field: String) throws -> String? {
        guard let value, !value.isNull else { return nil }
        guard let s = value.stringValue else { throw FieldProblem(field, "'\(field)' must be a text") }
        return s
    }

    private static func strings(_ value: JSONValue?, _ field: String) throws -> [String]? {
        guard let value, !value.isNull else { return nil }
        guard let list = value.arrayValue else { throw FieldProblem(field, "'\(field)' must be a list of texts") }
        if let bad = list.firstIndex(where: { $0.stringValue == nil }) {
            throw FieldProblem("\(field)[\(bad)]", "'\(field)' must be a list of texts")
        }
        return list.compactMap(\.stringValue)
    }

    private static func headers(_ value: JSONValue?, _ field: String) throws -> [HeaderField] {
        guard let value, !value.isNull else { return [] }
        do {
            if let map = value.objectValue {
                return try map.keys.sorted().map { name in
                    guard let text = map[name]?.stringValue else {
                        throw FieldProblem("\(field).\(name)", "'\(field).\(name)' must be a text")
                    }
                    return try HeaderField(name: name, value: text)
                }
            }
            if let list = value.arrayValue, list.allSatisfy({ $0.stringValue != nil }) {
                return try list.compactMap(\.stringValue).map { try HeaderField(line: $0) }
            }
        } catch let problem as HeaderField.Problem {
            throw FieldProblem(field, "'\(field)': \(problem)")
        }
        throw FieldProblem(field, "'\(field)' must be an object of header names and values, or a list of 'Name: value' texts")
    }

    /// The options as texts: `maxMessagePayloadSize: 100` is `"100"`, `failByDrop: false` is `"false"`.
    private static func options(_ value: JSONValue?, _ field: String) throws -> [String: String] {
        guard let value, !value.isNull else { return [:] }
        guard let map = value.objectValue else { throw FieldProblem(field, "'\(field)' must be an object") }
        return map.mapValues(optionText)
    }

    private static func optionText(_ value: JSONValue) -> String {
        switch value {
        case .null: return "<null>"
        case .bool(let b): return "\(b)"
        case .int(let i): return "\(i)"
        case .double(let d): return "\(d)"
        case .string, .utf16: return value.text ?? ""
        case .array, .object: return ReferenceJSON.serialize(value)
        }
    }
}

import CaseModel

enum CaseSelectionMatch {
    static func whole(_ pattern: String, _ text: String) -> Bool {
        CaseSelection.matchesWhole(pattern: pattern, text: text)
    }
}
