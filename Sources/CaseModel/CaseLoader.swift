import Foundation
import WebSocketWire
import Yams

/// Reads case files (YAML) into expanded, validated case definitions.
///
/// Every problem is reported with its file, line and column; loading goes on after a bad case so a
/// user sees all problems at once.
public enum CaseLoader {
    /// Loads every `*.yaml` / `*.yml` file below `directory`.
    public static func loadDirectory(_ directory: URL) throws -> CaseSuite {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: directory.path, isDirectory: &isDir), isDir.boolValue else {
            throw CaseLoadError([
                CaseFileError("case directory does not exist", at: SourceLocation(file: directory.path, line: 0, column: 0))
            ])
        }
        var files: [URL] = []
        if let walker = fm.enumerator(at: directory, includingPropertiesForKeys: nil) {
            for case let url as URL in walker where isCaseFile(url.path) {
                files.append(url)
            }
        }
        files.sort { $0.path < $1.path }
        return try load(
            files: files.map { file in (relativePath(of: file, in: directory), { [UInt8](try Data(contentsOf: file)) }) })
    }

    /// Whether a file is a case file, by its name: `.yaml` or `.yml`.
    public static func isCaseFile(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower.hasSuffix(".yaml") || lower.hasSuffix(".yml")
    }

    /// Loads case files given by name (what errors show) and a way to read each, in the order given.
    public static func load(files: [(name: String, read: () throws -> [UInt8])]) throws -> CaseSuite {
        var problems: [CaseFileError] = []
        var cases: [CaseDefinition] = []
        var groups: [String: CaseGroup] = [:]
        for (name, read) in files {
            let bytes: [UInt8]
            do {
                bytes = try read()
            } catch {
                problems.append(CaseFileError("cannot read file: \(error.localizedDescription)", at: .init(file: name, line: 0, column: 0)))
                continue
            }
            guard let text = String(validating: bytes, as: UTF8.self) else {
                problems.append(CaseFileError("the file is not UTF-8 text", at: firstInvalidUTF8(in: bytes, file: name)))
                continue
            }
            let loaded = parse(yaml: text, file: name)
            problems += loaded.problems
            cases += loaded.cases
            for g in loaded.groups { groups[g.id] = g }
        }
        problems += duplicates(in: cases)
        if !problems.isEmpty { throw CaseLoadError(problems) }
        return CaseSuite(cases: cases, groups: groups)
    }

    /// Loads the cases of one file's text.
    public static func load(yaml: String, file: String) throws -> CaseSuite {
        let loaded = parse(yaml: yaml, file: file)
        let problems = loaded.problems + duplicates(in: loaded.cases)
        if !problems.isEmpty { throw CaseLoadError(problems) }
        return CaseSuite(cases: loaded.cases, groups: Dictionary(loaded.groups.map { ($0.id, $0) }) { a, _ in a })
    }

    /// A problem for every case whose ID was already defined.
    static func duplicates(in cases: [CaseDefinition]) -> [CaseFileError] {
        var problems: [CaseFileError] = []
        var seen: [CaseID: SourceLocation] = [:]
        for c in cases {
            if let first = seen[c.id] {
                problems.append(CaseFileError("duplicate case ID \(c.id) (first defined at \(first))", at: c.source))
            } else {
                seen[c.id] = c.source
            }
        }
        return problems
    }

    /// Where the first octet that is not UTF-8 is, as line and column.
    static func firstInvalidUTF8(in bytes: [UInt8], file: String) -> SourceLocation {
        var line = 1
        var lineStart = 0
        var offset = 0
        var validator = UTF8Validator()
        if case .invalid(let index) = bytes.withUnsafeBytes({ validator.validate($0) }) { offset = index } else {
            offset = bytes.count
        }
        for i in 0..<offset where bytes[i] == 0x0A {
            line += 1
            lineStart = i + 1
        }
        return SourceLocation(file: file, line: line, column: String(decoding: bytes[lineStart..<offset], as: UTF8.self).count + 1)
    }

    static func relativePath(of file: URL, in directory: URL) -> String {
        let base = directory.standardizedFileURL.path
        let path = file.standardizedFileURL.path
        if path.hasPrefix(base + "/") { return directory.lastPathComponent + "/" + path.dropFirst(base.count + 1) }
        return path
    }

    struct Loaded {
        var cases: [CaseDefinition] = []
        var groups: [CaseGroup] = []
        var problems: [CaseFileError] = []
    }

    static func parse(yaml: String, file: String) -> Loaded {
        var out = Loaded()
        let reader = NodeReader(file: file)
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                out.problems.append(CaseFileError("the file is empty", at: .init(file: file, line: 1, column: 1)))
                return out
            }
            root = node
        } catch let error as YamlError {
            out.problems.append(reader.yamlError(error))
            return out
        } catch {
            out.problems.append(CaseFileError("\(error)", at: .init(file: file, line: 1, column: 1)))
            return out
        }
        do {
            let top = try reader.mapping(root, allowed: ["category", "subcategories", "cases"], required: ["category", "cases"])
            let categoryNode = top["category"]!
            let category = try reader.category(categoryNode)
            out.groups.append(category)
            var subgroups: [String: CaseGroup] = [:]
            if let subs = top["subcategories"] {
                for sub in try reader.sequence(subs) {
                    let g = try reader.group(sub)
                    guard g.id.hasPrefix(category.id + ".") else {
                        throw reader.error("subcategory \(g.id) is not part of category \(category.id)", at: sub)
                    }
                    subgroups[g.id] = g
                    out.groups.append(g)
                }
            }
            for caseNode in try reader.sequence(top["cases"]!) {
                do {
                    out.cases += try CaseParser(reader: reader, category: category, subcategories: subgroups)
                        .parse(caseNode)
                } catch let error as CaseFileError {
                    out.problems.append(error)
                } catch let error as CaseLoadError {
                    out.problems += error.problems
                }
            }
        } catch let error as CaseFileError {
            out.problems.append(error)
        } catch {
            out.problems.append(CaseFileError("\(error)", at: .init(file: file, line: 1, column: 1)))
        }
        return out
    }
}

/// Reads typed values out of YAML nodes, with errors that point at the node.
struct NodeReader {
    let file: String

    func location(_ node: Node) -> SourceLocation {
        SourceLocation(file: file, line: node.mark?.line ?? 0, column: node.mark?.column ?? 0)
    }

    func error(_ message: String, at node: Node) -> CaseFileError {
        CaseFileError(message, at: location(node))
    }

    func yamlError(_ error: YamlError) -> CaseFileError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let prefix = context.map { "\($0.text) " } ?? ""
            return CaseFileError("YAML syntax: \(prefix)\(problem)", at: .init(file: file, line: mark.line, column: mark.column))
        case .duplicatedKeysInMapping(let duplicates, let context):
            return CaseFileError(
                "duplicate key \(duplicates.joined(separator: ", ")) in a mapping",
                at: .init(file: file, line: context.mark.line, column: context.mark.column))
        default:
            return CaseFileError("YAML: \(error)", at: .init(file: file, line: 1, column: 1))
        }
    }

    /// A mapping as an ordered dictionary; unknown keys and missing required keys are errors.
    func mapping(_ node: Node, allowed: Set<String>, required: Set<String> = [], what: String = "this")
        throws -> OrderedNodes
    {
        guard let mapping = node.mapping else {
            throw error("expected a mapping with keys \(allowed.sorted().joined(separator: ", "))", at: node)
        }
        var result = OrderedNodes()
        for (k, v) in mapping {
            guard let key = k.scalar?.string else { throw error("a key must be a plain name", at: k) }
            guard allowed.contains(key) else {
                throw error("unknown key '\(key)' (expected one of: \(allowed.sorted().joined(separator: ", ")))", at: k)
            }
            result.append(key, v, keyNode: k)
        }
        for key in required.sorted() where result[key] == nil {
            throw error("missing key '\(key)' in \(what)", at: node)
        }
        return result
    }

    func sequence(_ node: Node) throws -> [Node] {
        guard let seq = node.sequence else { throw error("expected a list", at: node) }
        return Array(seq)
    }

    func isNull(_ node: Node) -> Bool {
        guard let s = node.scalar, s.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(s.string)
    }

    func string(_ node: Node) throws -> String {
        guard let s = node.scalar, !isNull(node) else { throw error("expected a text", at: node) }
        return s.string
    }

    func int(_ node: Node, in range: ClosedRange<Int>? = nil) throws -> Int {
        guard let s = node.scalar, let v = Int(s.string.replacingOccurrences(of: "_", with: "")) else {
            throw error("expected a whole number, got '\(node.scalar?.string ?? "a structure")'", at: node)
        }
        if let range, !range.contains(v) {
            throw error("\(v) is out of range \(range.lowerBound)…\(range.upperBound)", at: node)
        }
        return v
    }

    func optionalInt(_ node: Node?, in range: ClosedRange<Int>? = nil) throws -> Int? {
        guard let node, !isNull(node) else { return nil }
        return try int(node, in: range)
    }

    func seconds(_ node: Node) throws -> Double {
        guard let s = node.scalar, let v = Double(s.string), v.isFinite, v >= 0 else {
            throw error("expected a number of seconds ≥ 0, got '\(node.scalar?.string ?? "a structure")'", at: node)
        }
        return v
    }

    func bool(_ node: Node) throws -> Bool {
        switch node.scalar?.string {
        case "true", "True", "TRUE", "yes": return true
        case "false", "False", "FALSE", "no": return false
        default: throw error("expected true or false, got '\(node.scalar?.string ?? "a structure")'", at: node)
        }
    }

    /// A subcategory's header: `{ id, title }`.
    func group(_ node: Node) throws -> CaseGroup {
        if let mapping = node.mapping {
            for (key, _) in mapping where ["runs-alone", "reports-time", "suite"].contains(key.scalar?.string ?? "") {
                throw error("'\(key.scalar!.string)' belongs to the category, not to a subcategory", at: key)
            }
        }
        let m = try mapping(node, allowed: ["id", "title"], required: ["id", "title"])
        return CaseGroup(id: try groupID(m["id"]!), title: try string(m["title"]!))
    }

    /// The category's header: `{ id, title }` and what its cases need at run time (`runs-alone`, `reports-time`).
    func category(_ node: Node) throws -> CaseGroup {
        let m = try mapping(
            node, allowed: ["id", "title", "runs-alone", "reports-time", "suite"], required: ["id", "title"])
        var suite: String?
        if let n = m["suite"] {
            let name = try string(n)
            guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
                throw error("a suite's name is letters, digits and '-', got '\(name)'", at: n)
            }
            guard name != "all" else { throw error("'all' names every suite; a category cannot be in a suite called so", at: n) }
            suite = name == CaseGroup.referenceSuite ? nil : name
        }
        return CaseGroup(
            id: try groupID(m["id"]!), title: try string(m["title"]!),
            runsAlone: try m["runs-alone"].map(bool) ?? false, reportsTime: try m["reports-time"].map(bool) ?? false,
            suite: suite)
    }

    private func groupID(_ node: Node) throws -> String {
        let id = try string(node)
        guard CaseID(id) != nil else { throw error("'\(id)' is not a dotted number", at: node) }
        return id
    }

    func payload(_ node: Node) throws -> Payload {
        if isNull(node) { return .empty }
        if let s = node.scalar { return .text(s.string) }
        if node.sequence != nil { throw error("a payload is a text, {hex}, {repeat, length} or {concat}", at: node) }
        let m = try mapping(node, allowed: ["hex", "text", "repeat", "length", "concat"])
        if let hex = m["hex"] {
            guard m.count == 1 else { throw error("'hex' stands alone in a payload", at: node) }
            return .bytes(try hexBytes(hex))
        }
        if let text = m["text"] {
            guard m.count == 1 else { throw error("'text' stands alone in a payload", at: node) }
            return .text(try string(text))
        }
        if let parts = m["concat"] {
            guard m.count == 1 else { throw error("'concat' stands alone in a payload", at: node) }
            return .concat(try sequence(parts).map(payload))
        }
        if let pattern = m["repeat"] {
            guard let lengthNode = m["length"], m.count == 2 else {
                throw error("'repeat' needs 'length' and nothing else", at: node)
            }
            let p = try payload(pattern)
            guard p.count > 0 else { throw error("cannot repeat an empty payload", at: pattern) }
            return .repeated(p, length: try int(lengthNode, in: 0...Int(Int32.max)))
        }
        throw error("a payload is a text, {hex}, {repeat, length} or {concat}", at: node)
    }

    func hexBytes(_ node: Node) throws -> [UInt8] {
        let text = try string(node).filter { !$0.isWhitespace }
        guard text.count % 2 == 0 else { throw error("hex needs an even number of digits", at: node) }
        var out: [UInt8] = []
        out.reserveCapacity(text.count / 2)
        var it = text.makeIterator()
        while let hi = it.next(), let lo = it.next() {
            guard let h = hi.hexDigitValue, let l = lo.hexDigitValue else {
                throw error("'\(hi)\(lo)' is not a hex byte", at: node)
            }
            out.append(UInt8(h << 4 | l))
        }
        return out
    }
}

/// A mapping's entries in file order.
struct OrderedNodes {
    private(set) var keys: [String] = []
    private var values: [String: Node] = [:]
    private var keyNodes: [String: Node] = [:]

    mutating func append(_ key: String, _ value: Node, keyNode: Node) {
        keys.append(key)
        values[key] = value
        keyNodes[key] = keyNode
    }

    subscript(key: String) -> Node? { values[key] }
    func keyNode(_ key: String) -> Node? { keyNodes[key] }
    var count: Int { keys.count }
}
