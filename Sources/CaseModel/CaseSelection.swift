/// Which cases a run selects, by the reference's rules: a pattern with `*` matches case IDs from their
/// start (`*` = any text, `.` literal, so `1*` also selects 10.x); a pattern without `*` is one exact ID.
public struct CaseSelection: Sendable, Equatable {
    public var include: [String]
    public var exclude: [String]

    public init(include: [String] = ["*"], exclude: [String] = []) {
        self.include = include
        self.exclude = exclude
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
        let ids = suite.cases.map { $0.id.description }
        var problems: [String] = []
        func matches(_ pattern: String) -> Set<String> {
            let hits = Set(ids.filter { Self.matches(pattern: pattern, id: $0) })
            if hits.isEmpty {
                problems.append(
                    pattern.contains("*")
                        ? "the pattern '\(pattern)' selects no case" : "there is no case '\(pattern)' (see `wsspec list`)")
            }
            return hits
        }
        var chosen = Set<String>()
        for p in include { chosen.formUnion(matches(p)) }
        for p in exclude { chosen.subtract(matches(p)) }
        if !problems.isEmpty { throw Problem(description: problems.joined(separator: "; ")) }
        return suite.cases.filter { chosen.contains($0.id.description) }
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
