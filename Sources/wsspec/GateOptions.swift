import ArgumentParser
import CaseModel
import Foundation
import Engine
import Harness
import Gating
import JSONCodec
import Recording
import Rendering
import ReportFormat

/// How a run's results become an exit code and files for CI; shared by `run` and `report`.
struct GateOptions: ParsableArguments {
    @Option(
        name: .customLong("pass"),
        help: ArgumentHelp(
            "Pass policy: 'default' (behaviour OK, NON-STRICT or INFORMATIONAL; close OK or INFORMATIONAL), "
                + "'strict' (NON-STRICT fails too), or a policy file (YAML/JSON, see the README).",
            valueName: "default|strict|FILE"))
    var pass = "default"

    @Option(
        name: .customLong("expect"),
        help: ArgumentHelp(
            "Baseline of expected outcomes (a reference index.json or a file from --write-expect): "
                + "exit non-zero only for regressions; improvements are reported.",
            valueName: "FILE"))
    var expect: String?

    @Option(name: .customLong("write-expect"), help: ArgumentHelp("Write this run's outcomes as a baseline file.", valueName: "FILE"))
    var writeExpect: String?

    @Option(name: .customLong("junit"), help: ArgumentHelp("Write JUnit XML (one test suite per category).", valueName: "FILE"))
    var junit: String?

    @Option(name: .customLong("format"), help: "Summary format: 'text' or 'json' (JSON on standard output, progress on standard error).")
    var format: OutputFormat = .text

    func loadPolicy() throws -> PassPolicy {
        do {
            return try PassPolicy.named(pass)
        } catch let error as PolicyFileError {
            throw UsageError("--pass: \(error)")
        }
    }

    func loadBaseline() throws -> Baseline? {
        guard let expect else { return nil }
        do {
            return try Baseline.load(URL(fileURLWithPath: expect))
        } catch let error as BaselineError {
            throw UsageError("--expect: \(error)")
        }
    }

    /// Checks the files before a long run starts, so a typo fails at once.
    func validateInputs() throws {
        _ = try loadPolicy()
        _ = try loadBaseline()
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Turns finished cases into the end-of-run outputs and the exit code.
struct Gate {
    let options: GateOptions
    let policy: PassPolicy
    let baseline: Baseline?
    let groupTitles: [String: String]

    init(options: GateOptions, groupTitles: [String: String]) throws {
        self.options = options
        self.policy = try options.loadPolicy()
        self.baseline = try options.loadBaseline()
        self.groupTitles = groupTitles
    }

    /// Writes JUnit and the baseline file if asked, prints the summary, and returns the exit code:
    /// with a baseline, 1 only for regressions; otherwise 1 when a case fails the pass policy.
    func finish(_ cases: [ReportedCase], seconds: Double, reports: String, htmlIndex: String?) throws -> Int32 {
        let comparison = baseline.map { BaselineComparison(cases: cases, baseline: $0, policy: policy) }
        if let path = options.junit {
            let xml = JUnitReport.xml(
                cases: cases, categoryTitle: { groupTitles[$0] ?? HTMLReport.referenceCategoryTitles[$0] }, policy: policy,
                baseline: baseline)
            try write(xml, to: path, what: "--junit")
        }
        if let path = options.writeExpect {
            try write(Baseline(cases).serialized(), to: path, what: "--write-expect")
        }
        let failing = cases.filter { !policy.passes($0) }
        let exitCode: Int32 = (comparison.map { !$0.passed } ?? !failing.isEmpty) ? 1 : 0
        switch options.format {
        case .text:
            print(
                Console.summary(
                    cases, policy: policy, titles: groupTitles, comparison: comparison, seconds: seconds, reports: reports,
                    htmlIndex: htmlIndex))
        case .json:
            print(
                Console.summaryJSON(
                    cases, policy: policy, comparison: comparison, seconds: seconds, reports: reports, htmlIndex: htmlIndex,
                    exitCode: exitCode))
        }
        return exitCode
    }

    private func write(_ text: String, to path: String, what: String) throws {
        do {
            let url = URL(fileURLWithPath: path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url, options: .atomic)
        } catch {
            printError("\(what): cannot write \(path): \(error.localizedDescription)")
            throw ExitCode(1)
        }
    }
}

extension CaseSuite {
    /// Category and subcategory titles by ID, for report rows.
    var groupTitles: [String: String] {
        groups.mapValues(\.title)
    }
}
