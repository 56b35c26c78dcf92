import Foundation

/// Everything the report keeps about one executed case: the runner fills in the raw facts, and
/// `json()` renders the reference's per-case JSON (catalogue 3.2).
public struct CaseRecord: Sendable {
    /// Agent name (the server's name in the report).
    public var agent: String
    /// Dotted case ID, e.g. `7.13.2`.
    public var caseID: String
    /// 1-based ordinal of the case in the full registered list (the `case` key).
    public var ordinal: Int
    /// Case description (may contain HTML).
    public var description: String
    /// Expected-behaviour text (may contain HTML).
    public var expectation: String
    /// Main verdict: `OK`, `NON-STRICT`, `INFORMATIONAL`, `UNIMPLEMENTED` or `FAILED`.
    public var behavior: String
    /// Close verdict: `OK`, `WRONG CODE`, `UNCLEAN`, `FAILED BY CLIENT`, `INFORMATIONAL`, `FAILED`.
    public var behaviorClose: String
    /// Explanation of `behavior`.
    public var result: String
    /// Explanation of `behaviorClose`.
    public var resultClose: String
    /// Outcome name (`OK`, `NON-STRICT`) → expected event list.
    public var expected: [String: [RecordedEvent]]
    /// The close expectation; nil is rendered as `{}` (handshake never completed).
    public var expectedClose: ExpectedClose?
    /// Events observed, in arrival order.
    public var received: [RecordedEvent]
    /// How the connection ended.
    public var closing: ClosingBehavior
    /// Raw handshake request header block.
    public var httpRequest: String
    /// Raw handshake response header block; nil is rendered as `?` (none received).
    public var httpResponse: String?
    /// Wall-clock time of TCP connect.
    public var started: Date
    /// Case duration in milliseconds (catalogue 1.8).
    public var durationMilliseconds: Int
    /// Whether the summary shows the duration (9.x, 12.x, 13.x).
    public var reportTime: Bool
    /// Whether the summary shows compression ratios (12.x, 13.x).
    public var reportCompressionRatio: Bool
    /// The wire-log flag at the end of the case.
    public var createWirelog: Bool
    /// The wire log.
    public var wirelog: [WireLogEntry]
    /// Octet and frame statistics.
    public var statistics: WireStatistics
    /// The 16 traffic counters of 12.x/13.x, or nil.
    public var trafficStats: JSONValue?
    /// wsspec extension: a problem of the harness itself (e.g. "could not connect"), never a
    /// server failure. Written as `wsspecHarnessError` only when set.
    public var harnessError: String?
    /// wsspec extension: the TLS session of a `wss://` case. Written as `wsspecTLS` only when set.
    public var tls: TLSSessionInfo?

    /// Creates a record.
    public init(
        agent: String,
        caseID: String,
        ordinal: Int,
        description: String,
        expectation: String,
        behavior: String,
        behaviorClose: String,
        result: String,
        resultClose: String,
        expected: [String: [RecordedEvent]] = [:],
        expectedClose: ExpectedClose? = nil,
        received: [RecordedEvent] = [],
        closing: ClosingBehavior = ClosingBehavior(),
        httpRequest: String,
        httpResponse: String? = nil,
        started: Date,
        durationMilliseconds: Int,
        reportTime: Bool = false,
        reportCompressionRatio: Bool = false,
        createWirelog: Bool = true,
        wirelog: [WireLogEntry] = [],
        statistics: WireStatistics = WireStatistics(),
        trafficStats: JSONValue? = nil,
        harnessError: String? = nil,
        tls: TLSSessionInfo? = nil
    ) {
        self.agent = agent
        self.caseID = caseID
        self.ordinal = ordinal
        self.description = description
        self.expectation = expectation
        self.behavior = behavior
        self.behaviorClose = behaviorClose
        self.result = result
        self.resultClose = resultClose
        self.expected = expected
        self.expectedClose = expectedClose
        self.received = received
        self.closing = closing
        self.httpRequest = httpRequest
        self.httpResponse = httpResponse
        self.started = started
        self.durationMilliseconds = durationMilliseconds
        self.reportTime = reportTime
        self.reportCompressionRatio = reportCompressionRatio
        self.createWirelog = createWirelog
        self.wirelog = wirelog
        self.statistics = statistics
        self.trafficStats = trafficStats
        self.harnessError = harnessError
        self.tls = tls
    }

    /// Name of the per-case JSON file, e.g. `websockets_case_3_4.json`.
    public var reportFileName: String {
        ReportFileName.caseFile(agent: agent, caseID: caseID, ext: "json")
    }

    /// This record's entry of `index.json`.
    public var indexEntry: IndexEntry {
        IndexEntry(
            behavior: behavior,
            behaviorClose: behaviorClose,
            duration: durationMilliseconds,
            remoteCloseCode: closing.remoteCloseCode,
            reportfile: reportFileName
        )
    }

    /// The per-case JSON: exactly the 39 keys of the reference (plus `wsspecHarnessError` when
    /// `harnessError` is set, and `wsspecTLS` for a case run over TLS).
    public func json() -> JSONValue {
        var members = closing.jsonMembers()
        members["agent"] = .string(agent)
        members["behavior"] = .string(behavior)
        members["behaviorClose"] = .string(behaviorClose)
        members["case"] = .int(ordinal)
        members["createStats"] = .bool(true)
        members["createWirelog"] = .bool(createWirelog)
        members["description"] = .string(description)
        members["duration"] = .int(durationMilliseconds)
        members["expectation"] = .string(expectation)
        members["expected"] = .object(expected.mapValues { .array($0.map { $0.json() }) })
        members["expectedClose"] = expectedClose?.json() ?? .object([:])
        members["httpRequest"] = .string(httpRequest)
        members["httpResponse"] = .string(httpResponse ?? "?")
        members["id"] = .string(caseID)
        members["received"] = .array(received.map { $0.json() })
        members["reportCompressionRatio"] = .bool(reportCompressionRatio)
        members["reportTime"] = .bool(reportTime)
        members["result"] = .string(result)
        members["resultClose"] = .string(resultClose)
        members["rxFrameStats"] = WireStatistics.json(statistics.rxFrames)
        members["rxOctetStats"] = WireStatistics.json(statistics.rxOctets)
        members["started"] = .string(ReportTimestamp.format(started))
        members["trafficStats"] = trafficStats ?? .null
        members["txFrameStats"] = WireStatistics.json(statistics.txFrames)
        members["txOctetStats"] = WireStatistics.json(statistics.txOctets)
        members["wirelog"] = .array(wirelog.map { $0.json() })
        if let harnessError {
            members["wsspecHarnessError"] = .string(harnessError)
        }
        if let tls {
            members["wsspecTLS"] = tls.json()
        }
        return .object(members)
    }

    /// `json()` serialized in the reference's format.
    public func serialized() -> String {
        ReferenceJSON.serialize(json())
    }
}
