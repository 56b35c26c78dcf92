import JSONCodec
import ReportFormat
import Recording
import CaseModel
import Foundation
import Yams

/// Which outcomes let a run pass: the exit code's rule.
///
/// - `default`: behaviour OK, NON-STRICT or INFORMATIONAL, and close OK or INFORMATIONAL.
/// - `strict`: behaviour OK or INFORMATIONAL (the few cases that are only informational can give
///   nothing else), close OK or INFORMATIONAL.
/// - a policy file: the accepted outcomes, per-case rules, and cases to ignore.
///
/// A harness problem (behaviour `ERROR`) fails every policy unless the case is ignored: a case
/// that was not run cannot pass.
public struct PassPolicy: Sendable, Equatable {
    /// Accepted outcomes for the cases a rule covers.
    public struct Rule: Sendable, Equatable {
        /// Case patterns (the `--cases` rules); empty = every case.
        public var patterns: [String]
        public var behavior: Set<String>?
        public var behaviorClose: Set<String>?
        /// The case never fails the run (its result is still reported).
        public var ignore: Bool

        public init(patterns: [String], behavior: Set<String>? = nil, behaviorClose: Set<String>? = nil, ignore: Bool = false) {
            self.patterns = patterns
            self.behavior = behavior
            self.behaviorClose = behaviorClose
            self.ignore = ignore
        }

        func covers(_ caseID: String) -> Bool {
            patterns.contains { CaseSelection.matches(pattern: $0, id: caseID) }
        }
    }

    /// A short name for messages (`default`, `strict`, or the file's path).
    public var name: String
    public var behavior: Set<String>
    public var behaviorClose: Set<String>
    /// Per-case rules; the first rule that covers a case decides the parts it sets.
    public var rules: [Rule]
    /// Whether a flaky case (it failed, and passed when run again with `--rerun-failures`) passes the run
    /// (`flaky: pass`); by default it fails it.
    public var flakyPasses = false

    public init(name: String, behavior: Set<String>, behaviorClose: Set<String>, rules: [Rule] = []) {
        self.name = name
        self.behavior = behavior
        self.behaviorClose = behaviorClose
        self.rules = rules
    }

    public static let `default` = PassPolicy(
        name: "default", behavior: ["OK", "NON-STRICT", "INFORMATIONAL"], behaviorClose: ["OK", "INFORMATIONAL"])
    public static let strict = PassPolicy(
        name: "strict", behavior: ["OK", "INFORMATIONAL"], behaviorClose: ["OK", "INFORMATIONAL"])

    /// Every verdict a report can hold, for checking policy files.
    public static let behaviors: Set<String> = ["OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED", "FAILED", "ERROR"]
    public static let closeBehaviors: Set<String> = [
        "OK", "INFORMATIONAL", "WRONG CODE", "UNCLEAN", "FAILED BY CLIENT", "FAILED", "ERROR",
    ]

    /// Whether the case's outcome is accepted.
    public func passes(caseID: String, behavior: String, behaviorClose: String) -> Bool {
        let rule = rules.first { $0.covers(caseID) }
        if rule?.ignore == true { return true }
        if behavior == "ERROR" || behaviorClose == "ERROR" { return false }
        let acceptedBehavior = rule?.behavior ?? self.behavior
        let acceptedClose = rule?.behaviorClose ?? self.behaviorClose
        return acceptedBehavior.contains(behavior) && acceptedClose.contains(behaviorClose)
    }

    public func passes(_ reported: ReportedCase) -> Bool {
        if reported.isFlaky && flakyPasses { return true }
        return passes(caseID: reported.id, behavior: reported.behavior, behaviorClose: reported.behaviorClose)
    }

    /// `strict`, `default`, or the path of a policy file.
    /// - Throws: `PolicyFileError` naming the file, line and problem.
    public static func named(_ argument: String) throws -> PassPolicy {
        switch argument {
        case "default": return .default
        case "strict": return .strict
        default: return try load(URL(fileURLWithPath: argument))
        }
    }

    /// Reads a policy file (YAML or JSON):
    ///
    /// ```yaml
    /// behavior: [OK, NON-STRICT, INFORMATIONAL]    # optional, default policy's when absent
    /// behaviorClose: [OK, INFORMATIONAL]            # optional
    /// flaky: pass                                   # optional, default fail: a case --rerun-failures showed flaky
    /// cases:                                        # optional; the first rule covering a case decides
    ///   - match: "6.4.*"
    ///     behavior: [OK, NON-STRICT, FAILED]
    ///   - match: ["12.*", "13.*"]
    ///     ignore: true
    /// ```
    public static func load(_ url: URL) throws -> PassPolicy {
        let file = url.path
        guard let data = FileManager.default.contents(atPath: file) else {
            throw PolicyFileError(file: file, line: nil, reason: "cannot be read")
        }
        return try parse(String(decoding: data, as: UTF8.self), file: file)
    }

    /// Parses the text of a policy file; `file` names it in errors.
    public static func parse(_ text: String, file: String) throws -> PassPolicy {
        func fail(_ reason: String, _ node: Node?) -> PolicyFileError {
            PolicyFileError(file: file, line: node?.mark?.line, reason: reason)
        }
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else { throw fail("the file is empty", nil) }
            root = node
        } catch let error as PolicyFileError {
            throw error
        } catch {
            throw fail("not valid YAML or JSON: \(error)", nil)
        }
        func mapping(_ node: Node, allowed: Set<String>) throws -> [(String, Node)] {
            guard let pairs = node.mapping else {
                throw fail("expected a mapping with keys \(allowed.sorted().joined(separator: ", "))", node)
            }
            var out: [(String, Node)] = []
            for (key, value) in pairs {
                guard let name = key.string, allowed.contains(name) else {
                    throw fail(
                        "unknown key '\(key.string ?? "?")' (allowed: \(allowed.sorted().joined(separator: ", ")))", key)
                }
                out.append((name, value))
            }
            return out
        }
        func strings(_ node: Node) throws -> [String] {
            if let scalar = node.string { return [scalar] }
            guard let items = node.sequence else { throw fail("expected a name or a list of names", node) }
            return try items.map { item in
                guard let text = item.string else { throw fail("expected a name", item) }
                return text
            }
        }
        func outcomes(_ node: Node, allowed: Set<String>, field: String) throws -> Set<String> {
            let names = try strings(node)
            for name in names where !allowed.contains(name) {
                throw fail(
                    "'\(name)' is not a \(field) verdict (one of: \(allowed.sorted().joined(separator: ", ")))", node)
            }
            return Set(names)
        }
        var policy = PassPolicy.default
        policy.name = file
        for (key, value) in try mapping(root, allowed: ["behavior", "behaviorClose", "cases", "flaky"]) {
            switch key {
            case "flaky":
                switch value.string {
                case "pass"?: policy.flakyPasses = true
                case "fail"?: policy.flakyPasses = false
                default: throw fail("'flaky' must be 'pass' or 'fail' (what a case that passed when run again does to the run)", value)
                }
            case "behavior": policy.behavior = try outcomes(value, allowed: behaviors, field: "behavior")
            case "behaviorClose": policy.behaviorClose = try outcomes(value, allowed: closeBehaviors, field: "behaviorClose")
            default:
                guard let items = value.sequence else { throw fail("'cases' must be a list of rules", value) }
                for item in items {
                    var rule = Rule(patterns: [])
                    for (ruleKey, ruleValue) in try mapping(item, allowed: ["match", "behavior", "behaviorClose", "ignore"]) {
                        switch ruleKey {
                        case "match": rule.patterns = try strings(ruleValue)
                        case "behavior": rule.behavior = try outcomes(ruleValue, allowed: behaviors, field: "behavior")
                        case "behaviorClose":
                            rule.behaviorClose = try outcomes(ruleValue, allowed: closeBehaviors, field: "behaviorClose")
                        default:
                            guard let flag = ruleValue.bool else { throw fail("'ignore' must be true or false", ruleValue) }
                            rule.ignore = flag
                        }
                    }
                    if rule.patterns.isEmpty { throw fail("a rule needs 'match' with at least one case pattern", item) }
                    policy.rules.append(rule)
                }
            }
        }
        return policy
    }
}

/// A policy file that cannot be used.
public struct PolicyFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var reason: String

    public var description: String {
        "\(file)\(line.map { ":\($0)" } ?? ""): \(reason)"
    }
}
