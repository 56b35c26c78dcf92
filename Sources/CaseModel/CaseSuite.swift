import Foundation

/// All loaded cases, in numeric ID order, with the titles of their categories.
public struct CaseSuite: Sendable {
    public private(set) var cases: [CaseDefinition]
    /// Category and subcategory titles by ID (`"5"`, `"6.4"`).
    public private(set) var groups: [String: CaseGroup]
    private var index: [CaseID: Int]

    public init(cases: [CaseDefinition], groups: [String: CaseGroup]) {
        self.cases = cases.sorted { $0.id < $1.id }
        self.groups = groups
        // The loader refuses duplicate IDs; should one get here anyway, the first definition wins.
        self.index = Dictionary(self.cases.enumerated().map { ($1.id, $0) }) { first, _ in first }
    }

    public subscript(id: CaseID) -> CaseDefinition? { index[id].map { cases[$0] } }

    /// The 1-based position of a case in the whole suite (the report's `case` field).
    public func ordinal(of id: CaseID) -> Int? { index[id].map { $0 + 1 } }

    /// The suite that ships with wsspec, or the one in `directory`.
    public static func load(directory: URL) throws -> CaseSuite {
        try CaseLoader.loadDirectory(directory)
    }

    /// Adds the cases of another suite (for example a user's `--case-dir`). IDs must not clash.
    public func merging(_ other: CaseSuite) throws -> CaseSuite {
        var problems: [CaseFileError] = []
        for c in other.cases {
            if let existing = self[c.id] {
                problems.append(CaseFileError("case \(c.id) is already defined at \(existing.source)", at: c.source))
            }
        }
        if !problems.isEmpty { throw CaseLoadError(problems) }
        return CaseSuite(cases: cases + other.cases, groups: groups.merging(other.groups) { a, _ in a })
    }
}
