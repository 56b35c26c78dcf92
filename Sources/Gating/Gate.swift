import Foundation
import ReportFormat

/// Turns a run's finished cases into what CI reads: the JUnit file and the baseline file when asked for, and the
/// exit code — with a baseline, 1 only for regressions; otherwise 1 when a case fails the pass policy.
public struct Gate: Sendable {
    public let policy: PassPolicy
    public let baseline: Baseline?
    /// Category and subcategory titles by ID, from the case files.
    public let groupTitles: [String: String]

    public init(policy: PassPolicy, baseline: Baseline?, groupTitles: [String: String]) {
        self.policy = policy
        self.baseline = baseline
        self.groupTitles = groupTitles
    }

    /// The judgement of a whole run.
    public struct Verdict: Sendable {
        /// The comparison with the baseline, when there is one.
        public var comparison: BaselineComparison?
        public var exitCode: Int32
    }

    /// A file of the gate that could not be written: the run fails with exit code 1.
    public struct WriteFailure: Error, Sendable, CustomStringConvertible {
        /// The option that asked for the file (`--junit`, `--write-expect`).
        public var option: String
        public var path: String
        public var reason: String
        public var description: String { "\(option): cannot write \(path): \(reason)" }
    }

    /// Writes the JUnit XML to `junit` and the run's outcomes as a baseline to `writeExpect` (when given), then
    /// judges the run. Throws `WriteFailure`.
    public func finish(_ cases: [ReportedCase], junit: String?, writeExpect: String?) throws -> Verdict {
        let comparison = baseline.map { BaselineComparison(cases: cases, baseline: $0, policy: policy) }
        if let junit {
            let xml = JUnitReport.xml(
                cases: cases, categoryTitle: { groupTitles[$0] ?? ReferenceCategories.titles[$0] }, policy: policy,
                baseline: baseline)
            try write(xml, to: junit, option: "--junit")
        }
        if let writeExpect {
            try write(Baseline(cases).serialized(), to: writeExpect, option: "--write-expect")
        }
        let failing = cases.contains { !policy.passes($0) }
        return Verdict(comparison: comparison, exitCode: (comparison.map { !$0.passed } ?? failing) ? 1 : 0)
    }

    private func write(_ text: String, to path: String, option: String) throws {
        do {
            let url = URL(fileURLWithPath: path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url, options: .atomic)
        } catch {
            throw WriteFailure(option: option, path: path, reason: error.localizedDescription)
        }
    }
}
