import JSONCodec
import ReportFormat
import Recording
/// A run compared with a baseline.
public struct BaselineComparison: Sendable {
    /// One case whose outcome is news.
    public struct Change: Sendable, Equatable {
        public var agent: String
        public var caseID: String
        /// nil when the baseline does not list the case.
        public var expected: Baseline.Outcome?
        public var actual: Baseline.Outcome
        /// The result text of the case (why it failed, for a regression).
        public var result: String
    }

    /// Failing cases whose outcome differs from the baseline (or that it does not list): they fail
    /// the run.
    public var regressions: [Change] = []
    /// Passing cases the baseline expected to fail, or expected to pass differently.
    public var improvements: [Change] = []
    /// Failing cases the baseline expected to fail exactly so: accepted.
    public var knownFailures: [Change] = []

    /// Compares `cases` with `baseline`; `policy` says which outcomes pass.
    ///
    /// A case whose outcome equals the baseline's is accepted, failing or not. A case that passes
    /// is never a regression. A failing case that the baseline expected otherwise — passing, failing
    /// differently, or not listed at all — is a regression: a different failure is news too.
    public init(cases: [ReportedCase], baseline: Baseline, policy: PassPolicy) {
        for c in cases {
            let actual = Baseline.Outcome(behavior: c.behavior, behaviorClose: c.behaviorClose)
            let expected = baseline.outcomes(for: c.agent)?[c.id]
            let change = Change(agent: c.agent, caseID: c.id, expected: expected, actual: actual, result: Self.why(c))
            let passes = policy.passes(c)
            if expected == actual {
                if !passes { knownFailures.append(change) }
            } else if passes {
                if expected != nil { improvements.append(change) }
            } else {
                regressions.append(change)
            }
        }
    }

    /// The text that explains a case's outcome: the harness problem, else the failing part's result.
    public static func why(_ c: ReportedCase) -> String {
        if let harness = c.harnessError { return harness }
        return ResultClass(behavior: c.behavior) == .failed || c.behavior == "UNIMPLEMENTED" ? c.result : c.resultClose
    }

    /// Whether the run is acceptable against the baseline.
    public var passed: Bool { regressions.isEmpty }
}
