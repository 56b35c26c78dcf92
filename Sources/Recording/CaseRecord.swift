import Foundation

/// One executed case as the reports see it: what the case is, what happened (the recording) and what became of
/// it (the outcome). The reference's per-case JSON is written from this (`ReportFormat`).
public struct CaseRecord: Sendable {
    /// Agent name (the peer's name in the report).
    public var agent: String
    /// Dotted case ID, e.g. `7.13.2`.
    public var caseID: String
    /// 1-based ordinal of the case in the full registered list (the `case` key).
    public var ordinal: Int
    /// Case description (may contain HTML).
    public var description: String
    /// Expected-behaviour text (may contain HTML).
    public var expectation: String
    /// Judged, or a problem of the harness.
    public var outcome: CaseOutcome
    /// Outcome → expected event list (empty when the case never opened).
    public var expected: [Behavior: [RecordedEvent]]
    /// The close expectation; nil when the handshake never completed.
    public var expectedClose: ExpectedClose?
    /// Whether the summary shows the duration (9.x, 12.x, 13.x).
    public var reportTime: Bool
    /// Whether the summary shows compression ratios (12.x, 13.x).
    public var reportCompressionRatio: Bool
    /// The events observed, as previews.
    public var received: [RecordedEvent]
    /// What happened on the connection; its events are in `received`, as previews, so that a record holds no
    /// whole payloads.
    public var recording: CaseRecording
    /// Why the case did not pass outright (nil when it is OK / OK), computed on the judge's side.
    public var explanation: Explanation?
    /// The command that runs this case again, alone, against the same server with the same seed; set by the run.
    public var replay: String?
    /// When the case failed and was run again (`--rerun-failures`): every run's outcome, this record's first.
    public var attempts: [Attempt] = []
    /// What the reruns showed; nil when the case was not rerun.
    public var stability: Stability?

    public init(
        agent: String, caseID: String, ordinal: Int, description: String, expectation: String, outcome: CaseOutcome,
        expected: [Behavior: [RecordedEvent]] = [:], expectedClose: ExpectedClose? = nil, reportTime: Bool = false,
        reportCompressionRatio: Bool = false, recording: CaseRecording, explanation: Explanation? = nil
    ) {
        self.agent = agent
        self.caseID = caseID
        self.ordinal = ordinal
        self.description = description
        self.expectation = expectation
        self.outcome = outcome
        self.expected = expected
        self.expectedClose = expectedClose
        self.reportTime = reportTime
        self.reportCompressionRatio = reportCompressionRatio
        self.received = recording.received.map(\.preview)
        self.recording = recording
        self.recording.received = []
        self.explanation = explanation
    }

    public var judgement: Judgement? { outcome.judgement }
    public var harnessError: HarnessError? { outcome.harnessError }
    public var closing: ClosingBehavior { recording.closing }
}

/// What running a failing case again showed.
public enum Stability: String, Sendable, Equatable {
    /// At least one run passed: the outcome depends on something other than the server's code (timing, load).
    case flaky
    /// Every run failed.
    case failed
}

/// One run of a case that was run more than once.
public struct Attempt: Sendable, Equatable {
    public var outcome: CaseOutcome
    public var durationMilliseconds: Int

    public init(outcome: CaseOutcome, durationMilliseconds: Int) {
        self.outcome = outcome
        self.durationMilliseconds = durationMilliseconds
    }
}
