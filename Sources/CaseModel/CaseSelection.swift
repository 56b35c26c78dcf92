/// Which cases a run selects, by the reference's rules: a pattern with `*` matches case IDs from their
/// start (`*` = any text, `.` literal, so `1*` also selects 10.x); a pattern without `*` is one exact ID.
public struct CaseSelection: Sendable, Equatable {
    public var include: [String]
    public var exclude: [String]
    /// The suites the patterns choose from (`--suite`): `reference` (the default: the reference's 517 cases, so
    /// baselines and spec files keep their meaning), a suite's name (`handshake`) or `all`.
    public var suites: [String]

    public init(include: [String] = ["*"], exclude: [String] = [], suites: [String] = [CaseGroup.referenceSuite]) {
        self.include = include
        self.exclude = exclude
        self.suites = suites
    }

    /// Whether a case is in one of the chosen suites.
    public func inSuites(_ definition: CaseDefinition) -> Bool {
        suites.contains("all") || suites.contains(definition.category.suiteName)
    }

    /// The suites' names a problem can name: every suite in `suite`, `all` and `reference`.
    public static func suiteNames(in suite: CaseSuite) -> [String] {
        Array(Set(suite.cases.map(\.category.suiteName) + [CaseGroup.referenceSuite])).sorted() + ["all"]
    }

    /// Splits comma-separated lists as given on the command line (`--cases '1.*,2.*'`).
    public static func patterns(_ arguments: [String]) -> [String] {
        arguments.flatMap { $0.split(separator: ",") }.map { String($0).trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
    }

    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// The selected cases in numeric order. A pattern that selects nothing is an error that names it.
    public func select(from suite: CaseSuite) throws -> [CaseDefinition] {
        let known = Set(Self.suiteNames(in: suite))
        if let unknown = suites.first(where: { !known.contains($0) }) {
            throw Problem(description: "there is no suite '\(unknown)' (suites: \(known.sorted().joined(separator: ", ")))")
        }
        let candidates = suite.cases.filter(inSuites)
        let ids = candidates.map { $0.id.description }
        var problems: [String] = []
        func matches(_ pattern: String, excluding: Bool = false) -> Set<String> {
            let hits = Set(ids.filter { Self.matches(pattern: pattern, id: $0) })
            // An exclude that only names another suite's cases (a spec file's `exclude-cases: ["12.*"]` with
            // `--suite handshake`) has nothing to leave out here, which is not a mistake.
            if hits.isEmpty && excluding && suite.cases.contains(where: { Self.matches(pattern: pattern, id: $0.id.description) }) {
                return hits
            }
            if hits.isEmpty {
                // A pattern that selects cases of a suite not chosen says which option would.
                let elsewhere = Set(suite.cases.filter { Self.matches(pattern: pattern, id: $0.id.description) }
                    .map(\.category.suiteName)).sorted()
                let option = "--suite \(elsewhere.joined(separator: ","))"
                if pattern.contains("*") {
                    problems.append(
                        "the pattern '\(pattern)' selects no case"
                            + (elsewhere.isEmpty ? "" : " of the suites chosen; it selects cases with \(option) or --suite all"))
                } else {
                    problems.append(
                        elsewhere.isEmpty
                            ? "there is no case '\(pattern)' (see `wsspec list`)"
                            : "the case '\(pattern)' is not in the suites chosen; select it with \(option) or --suite all")
                }
            }
            return hits
        }
        var chosen = Set<String>()
        for p in include { chosen.formUnion(matches(p)) }
        for p in exclude { chosen.subtract(matches(p, excluding: true)) }
        if !problems.isEmpty { throw Problem(description: problems.joined(separator: "; ")) }
        return candidates.filter { chosen.contains($0.id.description) }
    }

    /// The reference's matching of one pattern against one ID.
    public static func matches(pattern: String, id: String) -> Bool {
        guard pattern.contains("*") else { return pattern == id }
        return globMatch(Array(pattern), 0, Array(id), 0, anchoredEnd: false)
    }

    /// Both ends anchored, as `exclude-agent-cases` matches agents and IDs.
    public static func matchesWhole(pattern: String, text: String) -> Bool {
        globMatch(Array(pattern), 0, Array(text), 0, anchoredEnd: true)
    }

    private static func globMatch(_ p: [Character], _ pi: Int, _ s: [Character], _ si: Int, anchoredEnd: Bool) -> Bool {
        if pi == p.count { return !anchoredEnd || si == s.count }
        if p[pi] == "*" {
            var k = si
            while k <= s.count {
                if globMatch(p, pi + 1, s, k, anchoredEnd: anchoredEnd) { return true }
                k += 1
            }
            return false
        }
        guard si < s.count, s[si] == p[pi] else { return false }
        return globMatch(p, pi + 1, s, si + 1, anchoredEnd: anchoredEnd)
    }
}

import Foundation
