import ArgumentParser
import CaseModel
import Engine
import Foundation
import Gating
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

extension GateOptions {
    /// The gate of a run: the policy and the baseline these options name.
    func makeGate(groupTitles: [String: String]) throws -> Gate {
        Gate(policy: try loadPolicy(), baseline: try loadBaseline(), groupTitles: groupTitles)
    }

    /// Writes JUnit and the baseline file if asked, prints the summary, and returns the exit code.
    func finish(_ gate: Gate, _ cases: [ReportedCase], seconds: Double, reports: String, htmlIndex: String?) throws -> Int32 {
        let verdict: Gate.Verdict
        do {
            verdict = try gate.finish(cases, junit: junit, writeExpect: writeExpect)
        } catch let failure as Gate.WriteFailure {
            printError(failure.description)
            throw ExitCode(1)
        }
        switch format {
        case .text:
            print(
                Console.summary(
                    cases, policy: gate.policy, titles: gate.groupTitles, comparison: verdict.comparison, seconds: seconds,
                    reports: reports, htmlIndex: htmlIndex))
        case .json:
            print(
                Console.summaryJSON(
                    cases, policy: gate.policy, comparison: verdict.comparison, seconds: seconds, reports: reports,
                    htmlIndex: htmlIndex, exitCode: verdict.exitCode, version: WSSpecVersion.current))
        }
        return verdict.exitCode
    }
}

extension CaseSuite {
    /// Category and subcategory titles by ID, for report rows.
    var groupTitles: [String: String] {
        groups.mapValues(\.title)
    }
}
