import Gating
import JSONCodec
import ReportFormat
import Recording
import Foundation

/// The HTML report of one or more runs: `index.html` (the matrix of cases × agents, with a summary,
/// legend, filters and the case descriptions) and one page per case and agent.
public struct HTMLReport: Sendable {
    /// The cases of every agent (one per agent and case ID; later duplicates replace earlier ones).
    public private(set) var cases: [ReportedCase]
    /// Titles of categories and subcategories by ID (`"5"` → `"Fragmentation"`, `"6.4"` → …).
    public var groupTitles: [String: String]
    /// Which outcomes count as failures (the filter and the summary use it).
    public var policy: PassPolicy
    /// When the report was made (shown on the index page).
    public var generated: Date
    /// `wsspec <version>`, shown at the foot of every page.
    public var generator: String

    public init(
        cases: [ReportedCase], groupTitles: [String: String] = [:], policy: PassPolicy = .default,
        generated: Date = Date(), generator: String
    ) {
        var seen: [String: Int] = [:]
        var unique: [ReportedCase] = []
        for c in cases {
            let key = c.agent + "\u{0}" + c.id
            if let index = seen[key] {
                unique[index] = c
            } else {
                seen[key] = unique.count
                unique.append(c)
            }
        }
        self.cases = unique
        self.groupTitles = groupTitles
        self.policy = policy
        self.generated = generated
        self.generator = generator
    }

    /// The category names of the reference's matrix, used when no case file gives a title.
    public static let referenceCategoryTitles = ReferenceCategories.titles

    /// Agents in alphabetical order.
    public var agents: [String] {
        Array(Set(cases.map(\.agent))).sorted()
    }

    /// Each agent's file-name part: the reference's slug, made unique when two agent names map to
    /// the same slug (`_2`, `_3`, … in alphabetical order of the names).
    public var agentSlugs: [String: String] {
        var slugs: [String: String] = [:]
        var used: Set<String> = []
        for agent in agents {
            let base = ReportFileName.agentSlug(agent)
            var slug = base
            var n = 2
            while used.contains(slug) {
                slug = "\(base)_\(n)"
                n += 1
            }
            used.insert(slug)
            slugs[agent] = slug
        }
        return slugs
    }

    /// The page of a case: `<agent>_case_<id>.html`.
    public func pageFileName(agent: String, caseID: String) -> String {
        (agentSlugs[agent] ?? ReportFileName.agentSlug(agent)) + "_case_" + ReportFileName.caseSlug(caseID) + ".html"
    }

    /// Writes `index.html` and every case page into `directory` (created if missing).
    /// - Returns: the names of the files written.
    /// - Throws: `ReportWriterError` naming the file that could not be written.
    @discardableResult
    public func write(to directory: URL) throws -> [String] {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw ReportWriterError(path: directory.path, operation: "cannot create report directory", reason: "\(error)")
        }
        var written: [String] = []
        func save(_ text: String, _ name: String) throws {
            let url = directory.appendingPathComponent(name)
            do {
                try Data(text.utf8).write(to: url, options: .atomic)
            } catch {
                throw ReportWriterError(path: url.path, operation: "cannot write report file", reason: "\(error)")
            }
            written.append(name)
        }
        let slugs = agentSlugs
        for c in cases {
            let name = (slugs[c.agent] ?? "unknown") + "_case_" + ReportFileName.caseSlug(c.id) + ".html"
            try save(CasePage.render(c, indexFile: "index.html", generator: generator), name)
        }
        try save(IndexPage(report: self).render(), "index.html")
        return written
    }

    /// The case pages' texts by file name, and the index (for tests and tools that do not write files).
    public func renderIndex() -> String {
        IndexPage(report: self).render()
    }

    public func renderPage(_ c: ReportedCase) -> String {
        CasePage.render(c, indexFile: "index.html", generator: generator)
    }

    /// The title of a category or subcategory ID, when known.
    func title(of group: String) -> String? {
        groupTitles[group] ?? (group.contains(".") ? nil : Self.referenceCategoryTitles[group])
    }
}
