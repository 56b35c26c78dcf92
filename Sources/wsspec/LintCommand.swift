import ArgumentParser
import CaseModel
import Foundation

struct LintCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check case files without running anything.",
        discussion: """
            Prints every problem as FILE:LINE:COLUMN: error: MESSAGE and exits with 2 when there is one. \
            A folder of your own cases is also checked against the built-in suite, as --case-dir would \
            combine them (a case ID may not be defined twice).
            """)

    @Argument(help: "Folders of case files (default: the built-in suite).")
    var directories: [String] = []

    @Option(name: .customLong("builtin-cases"), help: .hidden)
    var builtinCases: String?

    func run() async throws {
        let builtin = BuiltinCases.source(override: builtinCases)
        var problems: [CaseFileError] = []
        var count = 0
        if directories.isEmpty {
            do {
                count = try builtin.suite().cases.count
            } catch let error as CaseLoadError {
                problems = error.problems
            }
        }
        var builtinSuite: CaseSuite?
        for directory in directories {
            do {
                let suite = try CaseSuite.load(directory: URL(fileURLWithPath: directory))
                count += suite.cases.count
                // A folder of the built-in suite's own files (a checkout's Cases/) replaces it rather than adds to it.
                if !Set(suite.cases.map(\.source.file)).isSubset(of: builtin.caseFileNames) {
                    if builtinSuite == nil { builtinSuite = try? builtin.suite() }
                    if let builtinSuite { _ = try builtinSuite.merging(suite) }
                }
            } catch let error as CaseLoadError {
                problems += error.problems
            }
        }
        if !problems.isEmpty {
            let noun = problems.count == 1 ? "problem" : "problems"
            throw UsageError(problems.map(\.description).joined(separator: "\n") + "\n\(problems.count) \(noun) found")
        }
        let checked = directories.isEmpty ? builtin.name : directories.joined(separator: ", ")
        print("wsspec lint: \(count) cases in \(checked): no problems")
    }
}
