import ArgumentParser
import CaseModel
import Foundation

/// Where cases come from and which are selected; shared by `run` and `list`.
struct CaseOptions: ParsableArguments {
    @Option(name: .customLong("cases"), help: "Case IDs or patterns, comma-separated (`1.*,2.*`, `5.19`). Default: all.")
    var cases: [String] = []

    @Option(name: .customLong("exclude"), help: "Case IDs or patterns to leave out, comma-separated.")
    var exclude: [String] = []

    @Option(name: .customLong("case-dir"), help: "A folder of your own case files, added to the built-in suite.")
    var caseDirs: [String] = []

    @Option(name: .customLong("builtin-cases"), help: .hidden)
    var builtinCases: String?

    func loadSuite() throws -> CaseSuite {
        let builtin = try BuiltinCases.directory(override: builtinCases)
        var suite: CaseSuite
        do {
            suite = try CaseSuite.load(directory: builtin)
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
        return CaseSelection(include: include.isEmpty ? defaultInclude : include, exclude: excl.isEmpty ? defaultExclude : excl)
    }
}

/// Finds the case files that ship with wsspec.
enum BuiltinCases {
    static func directory(override: String?) throws -> URL {
        let fm = FileManager.default
        var candidates: [URL] = []
        if let override { candidates.append(URL(fileURLWithPath: override)) }
        if let env = ProcessInfo.processInfo.environment["WSSPEC_CASES"] { candidates.append(URL(fileURLWithPath: env)) }
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        candidates.append(exe.appendingPathComponent("../share/wsspec/Cases").standardizedFileURL)
        // A build from a checkout: the repository's Cases folder.
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        candidates.append(source.appendingPathComponent("Cases"))
        for candidate in candidates where fm.fileExists(atPath: candidate.path) {
            return candidate
        }
        throw UsageError(
            "cannot find the built-in case files (looked in \(candidates.map(\.path).joined(separator: ", "))); set WSSPEC_CASES")
    }
}
