/// Why a case came out as it did, in words a user reads in one go: what the case sent, what it expected, what
/// the peer did, the first point where the two part, and the RFC clause the case checks. The judge's side
/// computes it from the definition and the recording; the reports only render it. Every text a peer controls
/// in it is already escaped and cut (`OctetSummary`).
public struct Explanation: Sendable, Equatable {
    /// One list of events the case accepts, with the verdict it earns.
    public struct Alternative: Sendable, Equatable {
        public var verdict: Behavior
        /// The events, in order; empty means "nothing at all".
        public var events: [String]

        public init(verdict: Behavior, events: [String]) {
            self.verdict = verdict
            self.events = events
        }
    }

    /// The clause(s), e.g. `6455 §5.5.2`.
    public var rfc: String?
    /// What the clause requires, in one line.
    public var requirement: String?
    /// What the case did, one short line per step.
    public var sent: [String]
    /// The event lists the case accepts, each with its verdict (empty when the case judges itself: echo, loop).
    public var expected: [Alternative]
    /// How the case expects the connection to end: who closes, the codes allowed, whether clean.
    public var expectedClose: String
    /// What the peer sent, one short line per event.
    public var observed: [String]
    /// How the connection ended.
    public var observedClose: String
    /// The first point where what happened parts from what was expected.
    public var divergence: String

    public init(
        rfc: String? = nil, requirement: String? = nil, sent: [String] = [], expected: [Alternative] = [],
        expectedClose: String = "", observed: [String] = [], observedClose: String = "", divergence: String
    ) {
        self.rfc = rfc
        self.requirement = requirement
        self.sent = sent
        self.expected = expected
        self.expectedClose = expectedClose
        self.observed = observed
        self.observedClose = observedClose
        self.divergence = divergence
    }
}
