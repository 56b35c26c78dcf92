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
        let builtinURL = try BuiltinCases.directory(override: builtinCases)
        let targets = directories.isEmpty ? [builtinURL] : directories.map { URL(fileURLWithPath: $0) }
        var problems: [CaseFileError] = []
        var builtin: CaseSuite?
        var count = 0
        for target in targets {
            do {
                let suite = try CaseSuite.load(directory: target)
                count += suite.cases.count
                if target.resolvingSymlinksInPath().path != builtinURL.resolvingSymlinksInPath().path {
                    if builtin == nil { builtin = try? CaseSuite.load(directory: builtinURL) }
                    if let builtin { _ = try builtin.merging(suite) }
                }
            } catch let error as CaseLoadError {
                problems += error.problems
            }
        }
        if !problems.isEmpty {
            let noun = problems.count == 1 ? "problem" : "problems"
            throw UsageError(problems.map(\.description).joined(separator: "\n") + "\n\(problems.count) \(noun) found")
        }
        print("wsspec lint: \(count) cases in \(targets.map(\.path).joined(separator: ", ")): no problems")
    }
}
