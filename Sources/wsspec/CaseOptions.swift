import ArgumentParser
import CaseModel
import Foundation

/// Where cases come from and which are selected; shared by `run` and `list`.
struct CaseOptions: ParsableArguments {
    @Option(name: .customLong("cases"), help: "Case IDs or patterns, comma-separated (`1.*,2.*`, `5.19`). Default: all.")
    var cases: [String] = []

    @Option(name: .customLong("exclude"), help: "Case IDs or patterns to leave out, comma-separated.")
    var exclude: [String] = []

    @Option(
        name: .customLong("suite"),
        help: "The suites the cases come from, comma-separated: 'reference' (the default: the reference's cases), 'handshake' (the opening handshake and extension negotiation, categories 20 and up), or 'all'.")
    var suite: [String] = []

    /// `--suite`, split at commas; `reference` when not given.
    var suites: [String] {
        let given = CaseSelection.patterns(suite)
        return given.isEmpty ? [CaseGroup.referenceSuite] : given
    }

    @Option(name: .customLong("case-dir"), help: "A folder of your own case files, added to the built-in suite.")
    var caseDirs: [String] = []

    @Option(name: .customLong("builtin-cases"), help: .hidden)
    var builtinCases: String?

    /// The built-in suite: the one inside the binary, unless `--builtin-cases` or `WSSPEC_CASES` names a folder.
    var builtin: BuiltinCases { BuiltinCases.source(override: builtinCases) }

    func loadSuite() throws -> CaseSuite {
        var suite: CaseSuite
        do {
            suite = try builtin.suite()
            for dir in caseDirs {
                suite = try suite.merging(CaseSuite.load(directory: URL(fileURLWithPath: dir)))
            }
        } catch let error as CaseLoadError {
            throw UsageError("the case files have problems:\n" + error.description)
        }
        return suite
    }

    func selection(defaultInclude: [String] = ["*"], defaultExclude: [String] = []) -> CaseSelection {
        let include = CaseSelection.patterns(cases)
        let excl = CaseSelection.patterns(exclude)
        return CaseSelection(
            include: include.isEmpty ? defaultInclude : include, exclude: excl.isEmpty ? defaultExclude : excl,
            suites: suites)
    }
}
